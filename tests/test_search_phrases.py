"""Phrases, found through the body's word pairs, find exactly what the words' own
places say; their snippets mark them however deep in a body they lie; and a page of
them costs the same queries however many results it shows.

The first test draws phrases from the real archive sample's own text (with very
common words inside them, and ending in prefixes) and compares what the search
engine finds with a scan of every release, split by the index's analyzer.
"""

import collections
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from releases.models import Release
from releases.rendering import render_body, searchable_text
from releases.search.compiling import Criteria, positioned_stems
from releases.search.engine import Search
from releases.search.query import STOP_WORDS, WORD, parse_search
from releases.search.schema import ANALYZER

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"
# Phrases drawn from the sample, and the seed that draws them: the same every run.
PHRASES = 150
SEED = 22


def placed_stems(text):
    """{stem: {its places}} of *text*, as the index's analyzer splits it."""
    places = collections.defaultdict(set)
    for token in ANALYZER.pre_tokenize(text).tokens:
        places[token.text].add(token.position)
    return places


def holds(places, term):
    """Whether a field's *places* (placed_stems) hold *term*: its words at places one
    after the other (the very common ones' places skipped), the last a prefix."""
    words = term.words[:-1] if term.prefix else term.words
    wanted = positioned_stems(words)
    if term.prefix:
        prefix = (ANALYZER.analyze(term.words[-1]) or [term.words[-1]])[0]
        last = len(term.words) - 1
        starts = {
            place - last for stem, at in places.items() if stem.startswith(prefix) for place in at
        }
    else:
        first_place, first_stem = wanted[0]
        starts = {place - first_place for place in places.get(first_stem, ())}
    return any(
        all(start + place in places.get(stem, ()) for place, stem in wanted) for start in starts
    )


def drawn_phrases(texts, count):
    """Return *count* phrase queries of two to four words taken from *texts*, as typed:
    quoted, or joined by hyphens and ending in a prefix."""
    chooser = random.Random(SEED)
    phrases = set()
    while len(phrases) < count:
        words = WORD.findall(chooser.choice(texts))
        length = chooser.randrange(2, 5)
        if len(words) < length:
            continue
        start = chooser.randrange(len(words) - length + 1)
        phrase = words[start : start + length]
        if all(word.lower() in STOP_WORDS for word in phrase):
            continue
        if chooser.random() < 0.25 and len(phrase[-1]) > 3:
            phrase[-1] = phrase[-1][: chooser.randrange(3, len(phrase[-1]))]
            phrases.add("-".join(phrase) + "*")
        else:
            phrases.add('"{}"'.format(" ".join(phrase)))
    return sorted(phrases)


def test_phrases_find_exactly_the_releases_a_scan_of_the_sample_finds(run_import, archive_sample):
    assert run_import(archive_sample)[0] == 0
    releases = list(Release.objects.published().values_list("pk", "title", "body"))
    fields = {
        pk: (placed_stems(title), placed_stems(searchable_text(render_body(body))))
        for pk, title, body in releases
    }
    search = Search()
    phrases = drawn_phrases(
        [searchable_text(render_body(body)) for _, _, body in releases], PHRASES
    )
    assert any(" the " in phrase or " of " in phrase for phrase in phrases)
    for text in phrases:
        query = parse_search(text)
        (term,) = query.terms
        expected = {
            pk for pk, placed in fields.items() if any(holds(field, term) for field in placed)
        }
        criteria = Criteria(search=query)
        # A prefix is stemmed as it is typed, and a cut word may stem apart from its
        # whole: only a quoted phrase is sure to be found where it was drawn.
        assert expected or term.prefix, text
        assert set(search.all_ids(criteria)) == expected, text
        assert search.count(criteria) == len(expected), text


def deep_body(number, ending):
    filler = f"Delegation {number} discussed the harvest and the ports at length. " * 60
    return f"{filler}\n\n{ending}"


def snippets(response):
    return {release.title: release.snippet_html for release in response.context["release_list"]}


def test_a_phrase_deep_in_a_body_is_marked_whole_in_its_snippet(client, make_release):
    make_release(title="Long remarks", body=deep_body(1, "Finally, the working families met."))
    make_release(title="Apart", body=deep_body(2, "Families were working late."))
    response = client.get(LIST, {"q": '"working families"'})
    found = snippets(response)
    assert list(found) == ["Long remarks"]
    assert "the <mark>working families</mark> met." in found["Long remarks"]
    prefixed = snippets(client.get(LIST, {"q": "working-fam*"}))
    assert "the <mark>working families</mark> met." in prefixed["Long remarks"]


def test_a_match_deep_in_a_body_of_one_long_line_is_marked(client, make_release):
    # No line ends to cut the body's windows at: they are cut between words.
    words = " ".join(f"harvest{number}" for number in range(3000))
    make_release(title="One line", body=f"{words} then working families {words}")
    (snippet,) = snippets(client.get(LIST, {"q": '"working families"'})).values()
    assert "then <mark>working families</mark> harvest0" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")


def phrase_page_queries(client):
    """The queries a search page of a phrase asks, its search index already up to date."""
    client.get(LIST, {"q": "harvest"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": '"working families"'})
    assert response.status_code == 200
    return response, len(queries)


def test_a_page_of_deep_phrase_matches_reads_its_bodies_in_one_query(client, make_release, later):
    make_release(title="Deep 0", body=deep_body(0, "The working families met."))
    _, one = phrase_page_queries(client)
    for number in range(1, 25):
        make_release(title=f"Deep {number}", body=deep_body(number, "The working families met."))
    later()
    response, many = phrase_page_queries(client)
    assert len(response.context["release_list"]) == 20
    marked = snippets(response).values()
    assert all("<mark>working families</mark>" in snippet for snippet in marked)
    # The content version, the page's releases with their openings, and the deep
    # bodies whole (the categories on record and the journal's head are held for
    # the version, read by the search before).
    assert many == one == 3
