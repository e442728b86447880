"""The entry of one release in a list, kept rendered per release in each process."""

import functools
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from releases.addresses import address
from releases.models import release_path
from releases.templatetags.kept_formats import kept_date

register = template.Library()

# Written here rather than as a template: a search's twenty entries are rendered
# afresh for it, and through the template engine they were half its page's time.
ITEM = """<li>
  <article>
    <h3><a href="{url}">{title}</a></h3>
    <p class="meta">
      <a href="{category_url}">{category_name}</a>
      · <time datetime="{iso_date}">{date}</time>
    </p>
    {snippet}
  </article>
</li>"""
SNIPPET = '<p class="snippet">{}</p>'


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
    kept. Writing the entries (their addresses, their dates) was most of
    the cost of rendering a list page, and a list shows the same releases
    between saves.
    """
    return render_item(category_slug, category_name, date, slug, title)


def render_item(category_slug, category_name, date, slug, title, snippet_html="", anchor=""):
    """Render the list entry of the release with these values; with *anchor* (the
    paragraph or the speaker's turn that holds the match), its title and snippet link
    to that place of its page. *title* and *snippet_html* are escaped unless marked safe
    (a search's, with its matches marked)."""
    url = release_path(category_slug, date, slug)
    if anchor:
        url = f"{url}#{anchor}"
    snippet = conditional_escape(snippet_html)
    if snippet and anchor:
        snippet = SNIPPET.format(f'<a href="{escape(url)}">{snippet}</a>')
    elif snippet:
        snippet = SNIPPET.format(snippet)
    return mark_safe(
        ITEM.format(
            url=escape(url),
            title=conditional_escape(title),
            category_url=escape(address("releases:category", category=category_slug)),
            category_name=escape(category_name),
            iso_date=date.isoformat(),
            date=kept_date(date, "F j, Y"),
            snippet=snippet,
        )
    )
