"""What a release page tells other sites: its address, neighbours and structured data."""

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from releases.models import Release


def page_metadata(request, release):
    """Return what *release*'s page tells other sites: its canonical address, summary
    and structured data, as template context."""
    url = request.build_absolute_uri(release.get_absolute_url())
    return {
        "canonical_url": url,
        "summary": release.summary,
        "structured_data": structured_data(release, url),
    }


def neighbours(release):
    """Return (older, newer): the public releases either side of *release* in its
    category, in the lists' order, or None at either end."""
    same_category = Release.objects.published().filter(category=release.category_id)
    shown = same_category.only("title", "slug", "date", "published_at", "category")
    key = release.sort_key()
    found = (
        shown.older_than(key).newest_first().first(),
        shown.newer_than(key).oldest_first().first(),
    )
    for neighbour in found:
        if neighbour is not None:
            # Its category is the release's own: no join to read it again.
            neighbour.category = release.category
    return found


def structured_data(release, url):
    """Return schema.org NewsArticle JSON-LD for *release*, safe inside a <script>.

    Built for each page from what the release keeps (its summary among them):
    the address and the category's name come from the request and another row.
    """
    publisher = {"@type": "Organization", "name": settings.BRIEFING_PUBLISHER}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.title,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": release.published_at.isoformat(),
        "dateModified": (release.modified_at or release.published_at).isoformat(),
        "articleSection": release.category.name,
        "description": release.summary,
        "author": publisher,
        "publisher": publisher,
    }
    text = json.dumps(data, ensure_ascii=False)
    # As Django's json_script does: no "</script>" or markup can end the element early.
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))
