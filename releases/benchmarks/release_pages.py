"""Time what a release page finds besides its own row: its previous and next, its
related releases and its citations, each per call over releases spread across the archive.

Used by ``manage.py benchmark_search``, on the archive it searches; nothing
is kept here (related releases are found afresh, as after a change).
"""

import dataclasses
import statistics
import time

from releases.caching.version import current_version
from releases.citations import cite
from releases.db.page_reads import neighbours
from releases.models import Release
from releases.search.related import find_related

SAMPLE = 200


@dataclasses.dataclass
class CallTiming:
    label: str
    milliseconds: list

    @property
    def median(self):
        return statistics.median(self.milliseconds)

    @property
    def p95(self):
        return statistics.quantiles(self.milliseconds, n=20, method="inclusive")[-1]


def spread_releases(count=SAMPLE):
    """Return up to *count* public releases, evenly spread over the archive by id."""
    ids = list(Release.objects.published().order_by("pk").values_list("pk", flat=True))
    chosen = ids[:: max(1, len(ids) // count)][:count]
    return list(Release.objects.select_related("category").filter(pk__in=chosen))


def timed(label, call, releases):
    """Return a CallTiming of *call*(release) for each of *releases*, after one call
    to warm the database's and the index's caches."""
    call(releases[0])
    milliseconds = []
    for release in releases:
        started = time.perf_counter()
        call(release)
        milliseconds.append((time.perf_counter() - started) * 1000)
    return CallTiming(label, milliseconds)


def time_release_parts():
    """Return a CallTiming each for previous/next, related releases and citations."""
    releases = spread_releases()
    version = current_version()
    return [
        timed("previous/next", neighbours, releases),
        timed("related", lambda release: find_related(release, version), releases),
        timed("citations", cite, releases),
    ]
