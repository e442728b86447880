"""What a release page tells other sites: its summary, neighbours and structured data."""

import hashlib
import json

from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from releases.models import Release
from releases.rendering import readable_text, render_body, renderer_settings

SUMMARY_WORDS = 40
# The opening of a body rendered for its summary: paragraphs enough for its
# words, so that a feed's fifty summaries do not each render a whole transcript.
SUMMARY_SOURCE_CHARACTERS = 2_000
PUBLISHER = "The Press Office"
# Keys never go stale (they name the text); the timeout only bounds the memory.
SUMMARY_SECONDS = 24 * 60 * 60


def summary(release):
    """Return the opening words of *release*'s body as a reader sees them, for link
    previews and feeds: the rendered text, without Markdown's marks or tags.

    Kept by the digest of the text and the renderer's settings: a feed shows
    fifty, and finding their words was a third of a feed's render.
    """
    source = f"{renderer_settings()}\n{release.body}"
    key = f"summary:{hashlib.blake2b(source.encode(), digest_size=16).hexdigest()}"
    return cache.get_or_set(key, lambda: opening_summary(release.body), SUMMARY_SECONDS)


def opening_summary(body):
    """Return the summary of Markdown *body*, found afresh: see summary()."""
    end = body.find("\n\n", SUMMARY_SOURCE_CHARACTERS)
    opening = body if end == -1 else body[:end]
    text = " ".join(readable_text(render_body(opening)).split())
    return Truncator(text).words(SUMMARY_WORDS, truncate="…")


def page_metadata(request, release):
    """Return what *release*'s page tells other sites: its canonical address, summary
    and structured data, as template context."""
    url = request.build_absolute_uri(release.get_absolute_url())
    return {
        "canonical_url": url,
        "summary": summary(release),
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
    """Return schema.org NewsArticle JSON-LD for *release*, safe inside a <script>."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.title,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": release.published_at.isoformat(),
        "dateModified": (release.modified_at or release.published_at).isoformat(),
        "articleSection": release.category.name,
        "description": summary(release),
        "author": {"@type": "Organization", "name": PUBLISHER},
        "publisher": {"@type": "Organization", "name": PUBLISHER},
    }
    text = json.dumps(data, ensure_ascii=False)
    # As Django's json_script does: no "</script>" or markup can end the element early.
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))
