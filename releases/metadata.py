"""What a release page tells other sites: its address and structured data."""

import json

from django.conf import settings
from django.utils.safestring import mark_safe


def page_metadata(request, release):
    """Return what *release*'s page tells other sites: its canonical address, summary
    and structured data, as template context."""
    url = request.build_absolute_uri(release.get_absolute_url())
    return {
        "canonical_url": url,
        "summary": release.summary,
        "structured_data": structured_data(release, url),
    }


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
