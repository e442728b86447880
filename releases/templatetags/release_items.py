"""The entry of one release in a list, kept rendered per release in each process."""

import functools

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from releases.models import release_path

register = template.Library()

ITEM_TEMPLATE = "releases/includes/release_item.html"


@register.simple_tag
def release_item(release):
    """Return the list entry of *release*: its title, category and date, and, in a
    search, the title and snippet with the matches marked."""
    category = release.category
    title_html = getattr(release, "title_html", None)
    if title_html is not None:
        # Marked for one search: kept for no other list.
        return render_item(
            category.slug,
            category.name,
            release.date,
            release.slug,
            title_html,
            getattr(release, "snippet_html", ""),
            getattr(release, "snippet_anchor", ""),
        )
    return kept_item(category.slug, category.name, release.date, release.slug, release.title)


@functools.lru_cache(maxsize=10_000)
def kept_item(category_slug, category_name, date, slug, title):
    """Return render_item() for a release that is not a search result.

    Keyed by everything the entry shows, so an entry is never stale: a
    release's save changes its key, and other releases' saves leave it
    kept. Finding the two addresses is most of the cost of rendering a
    list page, and a list shows the same releases between saves.
    """
    return render_item(category_slug, category_name, date, slug, title)


def render_item(category_slug, category_name, date, slug, title, snippet_html="", anchor=""):
    """Render the list entry of the release with these values; with *anchor* (the
    paragraph or the speaker's turn that holds the match), its title and snippet link
    to that place of its page."""
    url = kept_release_path(category_slug, date, slug)
    context = {
        "url": f"{url}#{anchor}" if anchor else url,
        "title": title,
        "category_url": category_path(category_slug),
        "category_name": category_name,
        "date": date,
        "snippet_html": snippet_html,
        "anchored": bool(anchor),
    }
    return render_to_string(ITEM_TEMPLATE, context)


# A search's entries are rendered afresh, each marked for its search, but their
# addresses are the same for every search: finding them was over a third of
# rendering one.
kept_release_path = functools.lru_cache(maxsize=10_000)(release_path)


@functools.lru_cache(maxsize=100)
def category_path(slug):
    """Return the address of the list of the category *slug*."""
    return reverse("releases:category", kwargs={"category": slug})
