"""Titles and snippets of search results with the words that matched marked.

Text is split by the index's own analyzer, so a word is marked where the
search would find it (stemmed, prefixes, phrases in order). The snippet is
the stretch of the body, as plain text, where the matches weigh most, a
phrase more than a word: in the body's opening, where they nearly always
are, or else anywhere in it, and then the result links to the paragraph of
the page that holds it.
"""

import dataclasses
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from releases.models import Release
from releases.rendering import paragraph_anchor, plain_text
from releases.search.compiling import matched_in, positioned_stems
from releases.search.query import MAX_QUERY_LENGTH
from releases.search.schema import ANALYZER
from releases.transcripts.turns import PARAGRAPH_BREAK

SNIPPET_CHARACTERS = 200
# How much of the snippet comes before its first match.
LEAD_CHARACTERS = 40
ELLIPSIS = "…"
# Characters of a body's Markdown looked through first: reading a whole body
# (25,000 characters is common) for each of twenty results was most of a search.
OPENING_CHARACTERS = 1500
# A body whose opening has no match is looked through in windows of this many characters
# (the first holding a match gives the snippet), each overlapping the one before
# by more than the longest search.
WINDOW_CHARACTERS = 4000
WINDOW_OVERLAP = 2 * MAX_QUERY_LENGTH
# A phrase found in order counts this many times a word found alone.
PHRASE_WEIGHT = 3


def add_highlights(search, releases, query):
    """Give each of *releases* ``title_html`` and ``snippet_html``, matches marked, and
    ``snippet_anchor``: the anchor of the paragraph holding a match past the opening.

    *search* is the Search the releases were found with; call this on a
    page of results, not on all of them, each with the ``opening`` of its body read
    with it (OPENING_READ characters). Where the
    match lies past the opening, the bodies are read whole, in one query.
    """
    releases = list(releases)
    if not releases:
        return
    in_body = body_matches(search, query, [release.pk for release in releases])
    marker = Marker.of(query)
    deep = []
    for release in releases:
        release.title_html = with_marks(release.title, marker.spans(release.title))
        opening = release.opening
        whole = len(opening) <= OPENING_CHARACTERS
        text = plain_text(opening[:OPENING_CHARACTERS])
        if release.pk not in in_body:
            # Found by its title alone: its opening, unmarked, without a look
            # through the whole body for words it does not hold.
            release.snippet_html = stretch(text, [], whole=True)
            continue
        spans = marker.spans(text)
        if not spans and not whole:
            deep.append(release)
            continue
        release.snippet_html = stretch(text, spans, whole)
    bodies = whole_bodies([release.pk for release in deep])
    for release in deep:
        release.snippet_html, release.snippet_anchor = deep_snippet(
            marker, bodies.get(release.pk, "")
        )


# What a search's page reads of each body with its rows, for its snippets: one
# character more than the opening says whether there is more (the length of a
# body would mean reading all of it).
OPENING_READ = OPENING_CHARACTERS + 1


def body_matches(search, query, ids):
    """Return the set of *ids* whose body holds a term of *query*."""
    if search.searcher is None:
        return set()
    found = search.searcher.search(matched_in(query, "body", ids), len(ids), count=False)
    return set(search.searcher.fast_field_values("id", [address for _, address in found.hits]))


def deep_snippet(marker, body):
    """Return the snippet of *body* (Markdown) around *marker*'s matches in the first
    window of it that holds any, and the anchor of the paragraph of its page that
    holds the weightiest ("" for none): a body whose opening has none.

    Making a whole body plain text and splitting it into words was most of a
    page whose matches lie deep. The windows end at a line's end where they can,
    which markup does not cross, and overlap by more than a search's length, so
    a phrase across the edge of one is whole in the next.
    """
    start = 0
    while start < len(body):
        end = start + WINDOW_CHARACTERS
        stop = len(body) if end >= len(body) else boundary(body, start + 3 * WINDOW_OVERLAP, end)
        text = plain_text(body[start:stop])
        if spans := marker.spans(text):
            snippet = stretch(text, spans, whole=stop == len(body), from_start=start == 0)
            at = start + markdown_offset(body[start:stop], best_start(spans))
            return snippet, paragraph_anchor(body, at)
        if stop == len(body):
            break
        start = boundary(body, stop - 2 * WINDOW_OVERLAP, stop - WINDOW_OVERLAP)
    text = plain_text(body[:OPENING_CHARACTERS])
    return stretch(text, [], whole=len(body) <= OPENING_CHARACTERS), ""


def markdown_offset(markdown, at):
    """Return where the line of *markdown* starts whose words hold the character *at* of
    plain_text(*markdown*): its paragraphs' words, one space apart, and so its lines'.

    Found paragraph by paragraph, then line by line within it: a tag hard-wrapped
    over two lines (an image's attributes) can shift the count of a line's words,
    never past its paragraph, so at worst the next item of the same list is found.
    """
    seen, start = 0, 0
    for found in [*PARAGRAPH_BREAK.finditer(markdown), None]:
        end = found.start() if found else len(markdown)
        words = plain_text(markdown[start:end])
        if words and at < seen + len(words) + 1:
            return line_offset(markdown, start, end, at - seen)
        seen += len(words) + 1 if words else 0
        start = found.end() if found else end
    return start


def line_offset(markdown, start, end, at):
    """Return where the line of the paragraph *markdown[start:end]* starts whose words
    hold the character *at* of the paragraph's plain text."""
    seen = 0
    for line in re.finditer(r"[^\n]+", markdown[start:end]):
        words = plain_text(line[0])
        seen += len(words) + 1 if words else 0
        if at < seen:
            return start + line.start()
    return start


def boundary(text, low, high):
    """Return where a line of *text* starts between *low* and *high* (the last such),
    or else a word, or else *high*."""
    for mark in ("\n", " "):
        found = text.rfind(mark, low, high)
        if found != -1:
            return found + 1
    return high


def whole_bodies(ids):
    """Return {id: body} for *ids*, in one query (none for no ids)."""
    if not ids:
        return {}
    return dict(Release.objects.filter(pk__in=ids).order_by().values_list("pk", "body"))


@dataclasses.dataclass
class Marker:
    """What a search's terms look like in analyzed text: single stems, stem prefixes,
    and phrases (each a list of (place, stem), and a prefix at a place, or None)."""

    stems: set
    prefixes: list
    phrases: list

    @classmethod
    def of(cls, query):
        marker = cls(set(), [], [])
        for term in query.terms:
            words = term.words[:-1] if term.prefix else term.words
            stems = positioned_stems(words)
            prefix = None
            if term.prefix:
                prefix = (len(term.words) - 1, (ANALYZER.analyze(term.words[-1]) or [""])[0])
            if stems and (len(stems) > 1 or prefix):
                marker.phrases.append((stems, prefix))
            elif stems:
                marker.stems.add(stems[0][1])
            elif prefix:
                marker.prefixes.append(prefix[1])
        return marker

    def spans(self, text):
        """Return the (start, stop, weight) in *text* of every match, in order."""
        tokens = ANALYZER.pre_tokenize(text).tokens
        stems, prefixes = self.stems, tuple(self.prefixes)
        found = [
            (token.char_offset_from, token.char_offset_to, 1)
            for token in tokens
            if (stem := token.text) in stems or (prefixes and stem.startswith(prefixes))
        ]
        if self.phrases:
            at = {token.position: token for token in tokens}
            for stems, prefix in self.phrases:
                found += phrase_spans(tokens, at, stems, prefix)
        return without_overlaps(sorted(found))


def phrase_spans(tokens, at, stems, prefix):
    """Return the (start, stop, PHRASE_WEIGHT) of each place *tokens* hold a phrase."""
    first_place, first_stem = stems[0]
    spans = []
    for token in tokens:
        if token.text != first_stem:
            continue
        base = token.position - first_place
        words = [at.get(base + place) for place, _ in stems]
        if any(
            word is None or word.text != stem for word, (_, stem) in zip(words, stems, strict=True)
        ):
            continue
        if prefix is not None:
            last = at.get(base + prefix[0])
            if last is None or not last.text.startswith(prefix[1]):
                continue
            words.append(last)
        spans.append((words[0].char_offset_from, words[-1].char_offset_to, PHRASE_WEIGHT))
    return spans


def without_overlaps(spans):
    """Return sorted *spans* with any that overlaps an earlier, wider or weightier one left out."""
    kept = []
    for span in sorted(spans, key=lambda span: (span[0], -span[2], -span[1])):
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def stretch(text, spans, whole, from_start=True):
    """The stretch of *text* around its weightiest matches, escaped, matches in <mark>;
    its opening where it has none. *whole* says whether *text* runs to the body's
    end, *from_start* whether it starts at the body's start."""
    if not spans:
        opening = text[:SNIPPET_CHARACTERS]
        shorter = len(opening) < len(text) or not whole
        return mark_safe(escape(opening) + (ELLIPSIS if shorter else ""))
    start = best_start(spans)
    start = 0 if start <= LEAD_CHARACTERS else word_start(text, start - LEAD_CHARACTERS)
    stop = word_end(text, start + SNIPPET_CHARACTERS)
    inside = [span for span in spans if start <= span[0] and span[1] <= stop]
    head = ELLIPSIS if start > 0 or not from_start else ""
    tail = ELLIPSIS if stop < len(text) or not whole else ""
    return mark_safe(head + with_marks(text[start:stop], shifted(inside, -start)) + tail)


def best_start(spans):
    """Return where the window of SNIPPET_CHARACTERS holding the most weight of
    *spans* starts its first match (the earliest of equals)."""
    best, best_weight = spans[0][0], -1
    for first in spans:
        window = first[0] + SNIPPET_CHARACTERS - LEAD_CHARACTERS
        weight = sum(span[2] for span in spans if first[0] <= span[0] and span[1] <= window)
        if weight > best_weight:
            best, best_weight = first[0], weight
    return best


def word_start(text, at):
    """The start of the first word at or after *at*."""
    space = text.find(" ", at)
    return at if space == -1 else space + 1


def word_end(text, at):
    """The end of the last word that ends by *at*, or the text's end."""
    if at >= len(text):
        return len(text)
    space = text.rfind(" ", 0, at)
    return at if space == -1 else space


def shifted(spans, by):
    return [(start + by, stop + by, weight) for start, stop, weight in spans]


def with_marks(text, spans):
    """Return *text* escaped, each of *spans* (start, stop, weight) in <mark>."""
    parts, at = [], 0
    for start, stop, _ in spans:
        parts += [escape(text[at:start]), f"<mark>{escape(text[start:stop])}</mark>"]
        at = stop
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))
