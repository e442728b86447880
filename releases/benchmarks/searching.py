"""Time searches on the list page of a large archive: ``manage.py benchmark_search``.

Each search is a whole request through Django's test client (filters, the
count, the page, the highlighted snippets and the template), repeated, and
reported as its median and 95th percentile in milliseconds; and, apart, the
search engine's own share of each request: bringing the index up to the
journal, the count, the page of ids, the facets and the snippets. Then
searches nobody asked before: varied queries, each asked once, with no
count, facet or page kept for any of them, and as many again each scoped to
a speaker of the generated transcripts.
"""

import contextlib
import dataclasses
import datetime
import functools
import math
import random
import re
import statistics
import time

from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings

from releases import views
from releases.benchmarks.generator import CATEGORIES, PEOPLE, PLACES, WORDS
from releases.filters import categories_on_record
from releases.models import Category, Release
from releases.search import engine, updating
from releases.search.query import STOP_WORDS

# A word no release uses, and one only RARE_RELEASES use.
ABSENT_WORD = "zeppelin"
RARE_WORD = "quinoa"
RARE_RELEASES = 10
SEARCHES = [
    ("common word", {"q": "community"}),
    ("common word, newest first", {"q": "community", "sort": "newest"}),
    ("common phrase", {"q": '"working families"'}),
    ("common prefix", {"q": "econ*"}),
    ("title word (2%)", {"q": "Reykjavík"}),
    ("common word, filtered", {"q": "community", "category": "press-briefings",
                               "date_after": "2015-01-01", "date_before": "2016-12-31"}),
    ("common word, page 50", {"q": "community", "page": "50"}),
    (f"rare word ({RARE_RELEASES} releases)", {"q": RARE_WORD}),
    ("absent word", {"q": ABSENT_WORD}),
    ("a speaker's releases", {"speaker": "jen-psaki"}),
    ("common word, said by", {"q": "community", "speaker": "jen-psaki"}),
    ("common phrase, said by", {"q": '"working families"', "speaker": "jen-psaki"}),
    ("common prefix, said by, newest first", {"q": "econ*", "speaker": "john-kirby",
                                               "sort": "newest"}),
    ("title word, said by", {"q": "Reykjavík", "speaker": "anthony-fauci"}),
]  # fmt: skip
# The people who speak in the generated transcripts (generator.SPEAKERS), by slug.
SPEAKER_SLUGS = [
    "jen-psaki", "karine-jean-pierre", "john-kirby", "jake-sullivan", "anthony-fauci",
    "jeff-zients",
]  # fmt: skip


# How a list page says how many releases it found.
RESULT_COUNT = re.compile(r'<p class="result-count">([\d,]+) release')
# The fresh searches are drawn from this seed: every run asks the same ones.
FRESH_SEED = 22


def fresh_searches(count, *, by_speaker=False):
    """Return *count* different searches (query parameters) of the generated archive's
    words: words, pairs of words, phrases, prefixes and names, some in a category or
    a range of years, some newest first; each scoped to a speaker, if *by_speaker*."""
    chooser = random.Random(FRESH_SEED + by_speaker)
    searches = {}
    while len(searches) < count:
        params = {"q": fresh_query(chooser)}
        if by_speaker:
            params["speaker"] = chooser.choice(SPEAKER_SLUGS)
        if chooser.random() < 0.3:
            params["category"] = chooser.choice(CATEGORIES[:4])[0]
        if chooser.random() < 0.2:
            first = chooser.randrange(2009, 2025)
            params |= {"date_after": f"{first}-01-01", "date_before": f"{first + 1}-12-31"}
        if chooser.random() < 0.2:
            params["sort"] = "newest"
        searches[tuple(sorted(params.items()))] = params
    return list(searches.values())


def fresh_query(chooser):
    """Return one query of the generated archive's words, drawn by *chooser*."""
    words = sorted({word for word in WORDS if word not in STOP_WORDS})
    names = [name.split()[-1] for name in PEOPLE + PLACES if not name.startswith("the ")]
    form = chooser.randrange(5)
    if form == 0:
        return chooser.choice(words)
    if form == 1:
        return " ".join(chooser.sample(words, 2))
    if form == 2:
        # Two or three words in the order the archive's prose has them.
        start = chooser.randrange(len(WORDS) - 3)
        phrase = WORDS[start : start + chooser.choice((2, 3))]
        if all(word in STOP_WORDS for word in phrase):
            return chooser.choice(words)
        return '"{}"'.format(" ".join(phrase))
    if form == 3:
        return chooser.choice([word for word in words if len(word) > 4])[:4] + "*"
    return f"{chooser.choice(names)} {chooser.choice(words)}"


# What a list page asks of the search engine, by part: each call is timed,
# the outermost only, and summed over the request.
ENGINE_CALLS = [
    ("open", engine.Search, "__init__"),  # the index brought up to the journal
    ("count", engine.Search, "count"),
    ("page", engine.Search, "ids"),
    ("facets", engine.Search, "counts_by"),
    ("facets", engine.Search, "counts_by_fields"),
    ("facets", engine.Search, "counts_by_speaker"),
    ("snippets", views, "add_highlights"),
    ("snippets", views, "add_turn_snippets"),
]
ENGINE_PARTS = list(dict.fromkeys(part for part, *_ in ENGINE_CALLS))


def p95(milliseconds):
    return statistics.quantiles(milliseconds, n=20, method="inclusive")[-1]


@dataclasses.dataclass
class Timing:
    label: str
    matches: int
    milliseconds: list
    # {part: milliseconds} of each request.
    engine_parts: list

    @property
    def median(self):
        return statistics.median(self.milliseconds)

    @property
    def p95(self):
        return p95(self.milliseconds)

    @property
    def engine_milliseconds(self):
        return [sum(parts.values()) for parts in self.engine_parts]

    @property
    def engine_median(self):
        return statistics.median(self.engine_milliseconds)

    @property
    def engine_p95(self):
        return p95(self.engine_milliseconds)

    def part_median(self, part):
        return statistics.median(parts[part] for parts in self.engine_parts)


class EngineClock:
    """The time spent in each part of the search engine's calls since it was last read."""

    def __init__(self):
        self.seconds = dict.fromkeys(ENGINE_PARTS, 0.0)
        self.depth = 0

    def timed(self, part, function):
        """Return *function*, its time added to *part* unless a timed call made it."""

        @functools.wraps(function)
        def timed_call(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if not self.depth:
                    self.seconds[part] += time.perf_counter() - started

        return timed_call

    def read_milliseconds(self):
        """Return {part: milliseconds} counted so far, and start counting afresh."""
        parts = {part: seconds * 1000 for part, seconds in self.seconds.items()}
        self.seconds = dict.fromkeys(ENGINE_PARTS, 0.0)
        return parts


@contextlib.contextmanager
def engine_clock():
    """Yield an EngineClock timing ENGINE_CALLS for as long as the block runs."""
    clock = EngineClock()
    originals = [(owner, name, getattr(owner, name)) for _, owner, name in ENGINE_CALLS]
    for (part, *_), (owner, name, function) in zip(ENGINE_CALLS, originals, strict=True):
        setattr(owner, name, clock.timed(part, function))
    try:
        yield clock
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)


def time_rebuild():
    """Rebuild the search index from the database; return (releases, seconds)."""
    started = time.perf_counter()
    count = updating.rebuild()
    return count, time.perf_counter() - started


def add_rare_releases():
    """Add the few releases that use RARE_WORD, once."""
    if Release.objects.filter(slug__startswith="rare-release-").exists():
        return
    category = Category.objects.get(slug="statements-releases")
    published = datetime.datetime(2020, 5, 1, 15, tzinfo=datetime.UTC)
    with transaction.atomic():
        for number in range(RARE_RELEASES):
            Release.objects.create(
                title=f"Statement number {number} on food security",
                slug=f"rare-release-{number}",
                category=category,
                date=published.date(),
                published_at=published,
                permalink=f"https://example.gov/briefing-room/rare-release-{number}/",
                body=f"The {RARE_WORD} harvest and other crops.",
                status=Release.Status.PUBLISHED,
            )


# Plain static file addresses: the hashed ones need collectstatic's manifest,
# and the benchmark measures searching, not static file names.
PLAIN_STATIC_FILES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def within_the_list(client, label, params):
    """Return (*label*, *params*), with a page past the list's end made its last page.

    A small archive has fewer than 50 pages, and a page a list lacks is a 404.
    """
    if "page" not in params:
        return label, params
    found = matches(client.get("/briefing-room/", {**params, "page": "1"}))
    last = max(1, math.ceil(found / views.ReleaseListView.paginate_by))
    if int(params["page"]) <= last:
        return label, params
    return label.replace(f"page {params['page']}", f"page {last}"), {**params, "page": str(last)}


def matches(response):
    """The number of releases a list page says it found."""
    return int(RESULT_COUNT.search(response.text)[1].replace(",", ""))


# Searching is measured, not the page cache: every request renders its page and
# counts its matches and facets. Templates are not instrumented for tests, which
# would add to every request's time.
@override_settings(
    STORAGES=PLAIN_STATIC_FILES, BRIEFING_PAGE_CACHE=False, ALLOWED_HOSTS=["testserver"]
)
def time_searches(repeats, fresh):
    """Return a Timing for each of SEARCHES against the configured database, then one
    for *fresh* searches nobody asked before, each asked once."""
    client = Client()
    timings = []
    with engine_clock() as clock:
        for label, params in SEARCHES:
            label, params = within_the_list(client, label, params)
            client.get("/briefing-room/", params)  # warm the database's caches once
            timing = Timing(label, 0, [], [])
            for _ in range(repeats):
                forget_lists()
                response = timed_request(client, clock, timing, params)
            timing.matches = matches(response)
            timings.append(timing)
        timings.append(time_fresh_searches(client, clock, fresh))
        timings.append(time_fresh_searches(client, clock, fresh, by_speaker=True))
    return timings


def forget_lists():
    """Empty the cache of every list's counts, facets and pages, keeping what production
    keeps for all of them alike (the categories on record)."""
    cache.clear()
    categories_on_record(None)


def time_fresh_searches(client, clock, count, *, by_speaker=False):
    """Return the Timing of *count* searches nobody asked before, each asked once (each
    scoped to a speaker, if *by_speaker*): what the site keeps for every list (the
    categories on record) is kept, as in production."""
    label = f"{count} fresh searches, " + ("each by a speaker" if by_speaker else "once each")
    timing = Timing(label, 0, [], [])
    found = 0
    for params in fresh_searches(count, by_speaker=by_speaker):
        found += matches(timed_request(client, clock, timing, params))
    timing.matches = found // count
    return timing


def timed_request(client, clock, timing, params):
    """Ask the list page for *params*; add its times to *timing*."""
    clock.read_milliseconds()
    started = time.perf_counter()
    response = client.get("/briefing-room/", params)
    timing.milliseconds.append((time.perf_counter() - started) * 1000)
    timing.engine_parts.append(clock.read_milliseconds())
    if response.status_code != 200:
        raise RuntimeError(f"{params}: status {response.status_code}")
    return response
