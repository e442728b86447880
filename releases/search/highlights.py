"""Titles and snippets of search results with the words that matched marked.

The snippet is the stretch of the body, as plain text, where the matched
words are densest: in its opening, where they nearly always are, or else
anywhere in it.
"""

import tantivy
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

from releases.models import Release
from releases.rendering import plain_text
from releases.search.compiling import highlight_terms, matched_in
from releases.search.schema import SCHEMA

SNIPPET_CHARACTERS = 200
TITLE_CHARACTERS = 1000
ELLIPSIS = "…"
# Characters of a body's Markdown looked through first: reading a whole body
# (25,000 characters is common) for each of twenty results was most of a search.
OPENING_CHARACTERS = 1500


def add_highlights(search, releases, query):
    """Give each of *releases* ``title_html`` and ``snippet_html``, matches marked.

    *search* is the Search the releases were found with; call this on a
    page of results, not on all of them.
    """
    releases = list(releases)
    if not releases:
        return
    ids = [release.pk for release in releases]
    # One character more than the opening says whether there is more (the length
    # of a body would mean reading all of it).
    openings = Release.objects.filter(pk__in=ids).annotate(
        opening=Left("body", OPENING_CHARACTERS + 1)
    )
    openings = dict(openings.values_list("pk", "opening"))
    in_body = body_matches(search, query, ids)
    titles = generator(search, query, "title", TITLE_CHARACTERS)
    snippets = generator(search, query, "body", SNIPPET_CHARACTERS)
    for release in releases:
        release.title_html = marked_whole(titles, release.title)
        opening = openings.get(release.pk, "")
        whole = len(opening) <= OPENING_CHARACTERS
        opening = opening[:OPENING_CHARACTERS]
        if release.pk not in in_body:
            # Found by its title alone: its opening, unmarked, without a look
            # through the whole body for words it does not hold.
            release.snippet_html = marked_stretch(None, plain_text(opening), whole=True)
            continue
        html = marked_stretch(snippets, plain_text(opening), whole=whole)
        release.snippet_html = (
            html if html is not None else whole_body_snippet(snippets, release.pk)
        )


def whole_body_snippet(made, pk):
    """The marked stretch of the whole body of release *pk*: its matches lie past its opening."""
    body = Release.objects.filter(pk=pk).values_list("body", flat=True).first() or ""
    return marked_stretch(made, plain_text(body), whole=True)


def body_matches(search, query, ids):
    """Return the set of *ids* whose body holds a term of *query*."""
    if search.searcher is None:
        return set()
    found = search.searcher.search(matched_in(query, "body", ids), len(ids), count=False)
    return set(search.searcher.fast_field_values("id", [address for _, address in found.hits]))


def generator(search, query, field, characters):
    if search.searcher is None:
        return None
    terms = highlight_terms(search.searcher, query, field)
    made = tantivy.SnippetGenerator.create(search.searcher, terms, SCHEMA, field)
    made.set_max_num_chars(characters)
    return made


def matches(made, field, text):
    """Return (the fragment's byte range, [byte ranges of matches]) in *text*'s UTF-8."""
    if made is None or not text:
        return (0, 0), []
    snippet = made.snippet_from_doc(tantivy.Document(**{field: text}))
    fragment = snippet.fragment_range()
    spans = [(fragment.start + r.start, fragment.start + r.end) for r in snippet.highlighted()]
    return (fragment.start, fragment.end), spans


def marked_whole(made, title):
    """The whole of *title*, escaped, its matches in <mark>."""
    _, spans = matches(made, "title", title)
    return with_marks(title.encode(), spans, 0, len(title.encode()))


def marked_stretch(made, text, whole):
    """The stretch of *text* where its matches are, escaped, the matches in <mark>; where
    nothing in it matched, None unless *text* is *whole*, and then its opening."""
    data = text.encode()
    (start, stop), spans = matches(made, "body", text)
    if not spans:
        if not whole:
            return None
        opening = text[:SNIPPET_CHARACTERS]
        tail = ELLIPSIS if len(text) > len(opening) else ""
        return mark_safe(escape(opening) + tail)
    html = with_marks(data, spans, start, stop)
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if stop < len(data) or not whole else ""
    return mark_safe(head + html + tail)


def with_marks(data, spans, start, stop):
    """Return the bytes *data*[start:stop] as escaped HTML, each of *spans* in <mark>."""
    parts, at = [], start
    for span_start, span_stop in spans:
        parts.append(escape(data[at:span_start].decode(errors="ignore")))
        parts.append(f"<mark>{escape(data[span_start:span_stop].decode(errors='ignore'))}</mark>")
        at = span_stop
    parts.append(escape(data[at:stop].decode(errors="ignore")))
    return mark_safe("".join(parts))
