"""A property test of search: whatever is saved, deleted, published, withdrawn or
scheduled, a search finds exactly the public releases a plain scan would.

Each example runs random steps on a small archive whose titles and bodies
are drawn from a few words. After each step, every query (single words,
quoted phrases, prefixes, several terms together) is answered through the
search engine, and its releases and count compared with a scan of
``Release.objects.published()`` that splits the text as the index does.
"""

import datetime
import re
import tempfile

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from releases.caching.pages import LOCAL_PAGES
from releases.models import Category, Release
from releases.search.compiling import Criteria, positioned_stems
from releases.search.engine import Search
from releases.search.query import WORD, parse_search
from releases.search.schema import ANALYZER
from releases.search.updating import Background

# Words that share stems (work, works), share prefixes (work, world, worker),
# are dropped as very common (the, and), or stem apart (energy, energetic).
VOCABULARY = [
    "work",
    "works",
    "worker",
    "world",
    "report",
    "reports",
    "reported",
    "trade",
    "trading",
    "energy",
    "energetic",
    "the",
    "and",
]
QUERIES = [
    *(word for word in VOCABULARY if word not in {"the", "and"}),
    "wor*",
    "work*",
    "rep*",
    "trad*",
    "ene*",
    "world-tra*",
    '"world trade"',
    '"the work"',
    '"trade the world"',
    '"report and energy"',
    '"works worker"',
    "world report",
    'energy "world trade"',
    "wor* energy",
]
START = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.UTC)
STATUSES = [Release.Status.DRAFT, Release.Status.PUBLISHED, Release.Status.WITHDRAWN]
# Hours from the start: most releases are due already, some are scheduled.
HOURS = st.sampled_from([-48, -2, 3, 30])
# Each example runs up to a dozen steps and a score of searches after each.
STEPS = settings(max_examples=40, deadline=None, database=None)
RESULT_COUNT = re.compile(r'<p class="result-count">([\d,]+) release')

texts = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(" ".join)
targets = st.integers(0, 50)  # which release a step changes, counted round the archive
steps = st.one_of(
    st.tuples(st.just("save"), texts, texts, st.sampled_from(STATUSES), HOURS),
    st.tuples(st.just("edit"), targets, texts, texts),
    st.tuples(st.just("delete"), targets),
    st.tuples(st.just("status"), targets, st.sampled_from(STATUSES)),
    st.tuples(st.just("schedule"), targets, HOURS),
    st.tuples(st.just("wait"), st.sampled_from([1, 5, 40])),
)


def positions(text):
    """(position, stem) pairs of *text*, as the analyzer indexes it."""
    return set(positioned_stems([word.lower() for word in WORD.findall(text)]))


def field_has(tokens, term):
    """Whether a field of *tokens* holds *term*: its words in order, the last a prefix."""
    words = term.words[:-1] if term.prefix else term.words
    wanted = positioned_stems(words)
    if term.prefix:
        prefix = (ANALYZER.analyze(term.words[-1]) or [term.words[-1]])[0]
        last = len(term.words) - 1
        starts = {place - last for place, stem in tokens if stem.startswith(prefix)}
    elif wanted:
        starts = {place - wanted[0][0] for place, stem in tokens if stem == wanted[0][1]}
    else:
        return False
    return any(all((start + place, stem) in tokens for place, stem in wanted) for start in starts)


def scanned(query):
    """The ids of the public releases holding every term of *query*, by a plain scan."""
    found = set()
    for release in Release.objects.published():
        fields = [positions(release.title), positions(release.body)]
        if all(any(field_has(tokens, term) for tokens in fields) for term in query.terms):
            found.add(release.pk)
    return found


class Archive:
    """The releases an example changes, and the clock it moves."""

    def __init__(self, clock):
        self.clock = clock
        self.category, _ = Category.objects.get_or_create(
            slug="statements-releases", defaults={"name": "Statements"}
        )
        self.made = 0

    def releases(self):
        return list(Release.objects.order_by("pk"))

    def target(self, number):
        releases = self.releases()
        return releases[number % len(releases)] if releases else None

    def run(self, step):
        kind, *arguments = step
        if kind == "save":
            self.save(*arguments)
        elif kind == "wait":
            self.clock.shift(datetime.timedelta(hours=arguments[0]))
        elif (release := self.target(arguments[0])) is not None:
            getattr(self, kind)(release, *arguments[1:])

    def save(self, title, body, status, hours):
        self.made += 1
        published_at = START + datetime.timedelta(hours=hours)
        Release.objects.create(
            category=self.category,
            title=title,
            slug=f"release-{self.made}",
            date=published_at.date(),
            published_at=published_at,
            permalink=f"https://www.whitehouse.gov/briefing-room/statements-releases/r{self.made}/",
            body=body,
            status=status,
        )

    def edit(self, release, title, body):
        release.title, release.body = title, body
        release.save()

    def delete(self, release):
        release.delete()

    def status(self, release, status):
        release.status = status
        release.save()

    def schedule(self, release, hours):
        release.published_at = START + datetime.timedelta(hours=hours)
        release.save()


def check_every_query():
    search = Search()
    assert search.releases_to_go == 0
    for text in QUERIES:
        query = parse_search(text)
        expected = scanned(query)
        criteria = Criteria(search=query)
        assert set(search.all_ids(criteria)) == expected, text
        assert search.count(criteria) == len(expected), text


def listed_count(text):
    """The count the public list shows for a search of *text*."""
    response = Client().get("/briefing-room/", {"q": text})
    assert response.status_code == 200
    return int(RESULT_COUNT.search(response.content.decode())[1].replace(",", ""))


@pytest.mark.django_db
@STEPS
@given(st.lists(steps, min_size=1, max_size=12))
def test_a_search_finds_exactly_the_public_releases_a_scan_finds(run_steps):
    # The test's transaction is shared by every example: each undoes its rows, and
    # has an index and a page cache of its own, since they hold those rows.
    cache.clear()
    LOCAL_PAGES.clear()
    with (
        transaction.atomic(),
        # Left behind if a file of the index is still being let go as the example
        # ends: a temporary directory, not what this test is about.
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as index,
        override_settings(BRIEFING_SEARCH_INDEX=index),
        time_machine.travel(START, tick=False) as clock,
    ):
        archive = Archive(clock)
        for step in run_steps:
            archive.run(step)
            check_every_query()
        for text in ("wor*", '"world trade"'):
            assert listed_count(text) == len(scanned(parse_search(text))), text
        Background.finish()
        transaction.set_rollback(True)
