"""Searching this server's index: counts, a window of results, facets, every match.

A Search reads one snapshot of the index throughout, so a list's count, its
page and its facets agree. Open one per request with search_for(request).
"""

from django.utils import timezone

from releases.caching.freshness import sees_changes_at_once
from releases.caching.version import version_for
from releases.search import updating
from releases.search.compiling import compiled, spoken_query

# Facet values a list can have: categories, years or months.
MOST_FACET_VALUES = 10_000


class Search:
    """The index as this server holds it now, brought up to the journal (as of the
    content *version*, if given) first: where another process is catching it up,
    after waiting *wait* seconds for it at most (None: ``updating.WAIT_SECONDS``)."""

    def __init__(self, wait=None, version=None):
        freshness = updating.fresh_searcher(wait, version)
        self.searcher = freshness.searcher
        # Releases changed in the database that the index has still to take in.
        self.releases_to_go = freshness.releases_to_go
        # The last journal entry the index holds, where it has releases to go.
        self.position = freshness.position
        self.now = timezone.now()

    def query(self, criteria):
        return compiled(criteria, self.now)

    def count(self, criteria):
        """How many releases match *criteria*."""
        if self.searcher is None:
            return 0
        return self.searcher.search(self.query(criteria), 1, count=True).count

    def ids(self, criteria, start, stop, *, newest_first=False):
        """Return the ids of matches *start* to *stop*, best match first or newest first."""
        if self.searcher is None or stop <= start:
            return []
        ordering = {"order_by_field": "newest"} if newest_first else {}
        found = self.searcher.search(
            self.query(criteria), stop - start, count=False, offset=start, **ordering
        )
        addresses = [address for _, address in found.hits]
        if not newest_first:
            addresses = self.newest_among_equals(found.hits)
        return self.searcher.fast_field_values("id", addresses)

    def newest_among_equals(self, hits):
        """Return the addresses of *hits*, best first, and newest first where the scores
        are equal, as the lists order everything else. (Within the page: equal scores
        that straddle two pages keep the index's order.)"""
        addresses = [address for _, address in hits]
        newest = self.searcher.fast_field_values("newest", addresses)
        ranked = sorted(zip(hits, newest, strict=True), key=lambda pair: (-pair[0][0], -pair[1]))
        return [hit[1] for hit, _ in ranked]

    def all_ids(self, criteria):
        """Return the id of every match, in no particular order."""
        total = self.count(criteria)
        return self.ids(criteria, 0, total) if total else []

    def counts_by(self, criteria, field):
        """Return {value of *field*: number of matches} for a fast field of the index."""
        if self.searcher is None:
            return {}
        aggregation = {"counts": terms(field)}
        found = self.searcher.aggregate(self.query(criteria), aggregation)
        return {int(bucket["key"]): bucket["doc_count"] for bucket in found["counts"]["buckets"]}

    def counts_by_speaker(self, criteria):
        """Return {person id: number of matches} of *criteria*'s search (with no speaker) in
        what each person said: the releases the list would hold with that speaker chosen."""
        if self.searcher is None:
            return {}
        found = self.searcher.aggregate(
            spoken_query(criteria, self.now), {"counts": terms("speaker")}
        )
        return {int(bucket["key"]): bucket["doc_count"] for bucket in found["counts"]["buckets"]}

    def counts_by_fields(self, criteria, *fields):
        """Return {(value of each of *fields*): number of matches}, in one pass over the
        matches, for fast fields of the index (category, year, month)."""
        if self.searcher is None:
            return {}
        found = self.searcher.aggregate(self.query(criteria), {"counts": nested_terms(fields)})
        return dict(bucket_counts(found["counts"], len(fields)))


def nested_terms(fields):
    """The aggregation that counts the matches by *fields*, each within the one before."""
    aggregation = terms(fields[0])
    if len(fields) > 1:
        aggregation["aggs"] = {"inner": nested_terms(fields[1:])}
    return aggregation


def bucket_counts(aggregated, depth):
    """Yield ((value, ...), count) for each innermost bucket of a nested_terms result."""
    for bucket in aggregated["buckets"]:
        key = int(bucket["key"])
        if depth == 1:
            yield (key,), bucket["doc_count"]
        else:
            for inner, count in bucket_counts(bucket["inner"], depth - 1):
                yield (key, *inner), count


def terms(field):
    """The aggregation that counts the matches by each value of the fast field *field*."""
    return {"terms": {"field": field, "size": MOST_FACET_VALUES}}


def search_for(request):
    """Return the Search of *request*, opened once however often it is asked."""
    search = getattr(request, "index_search", None)
    if search is None:
        # A staff member waits a moment for their change; a reader never waits.
        wait = None if sees_changes_at_once(request) else 0
        search = request.index_search = Search(wait, version_for(request))
    return search


class SearchResults:
    """A search's releases, counted and windowed for DeepPaginator."""

    def __init__(self, search, criteria, *, newest_first):
        self.search = search
        self.criteria = criteria
        self.newest_first = newest_first

    def count(self):
        return self.search.count(self.criteria)

    def ids(self, start, stop):
        """Return the ids of the releases from *start* to *stop* in this order."""
        return self.search.ids(self.criteria, start, stop, newest_first=self.newest_first)
