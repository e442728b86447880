"""One list of releases as a reader asked for it, from its address to its releases.

A ReleaseList is built once per request (or per email alert) from the
validated FilterSet and the address: the category and the archive period it
names, the dates, the order, the search and the page. It owns everything
read from them: the criteria, every format's releases, the counts and
facets, the one way to write its address, and the key its counts are kept
under. Views, the API, feeds and alerts ask it; none reads the query string
again. A search runs on the search index and everything else on the
database, under one set of Criteria.
"""

import dataclasses
import datetime
import functools

from django.db.models import Model
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property

from releases import facets
from releases.caching.pages import EVERY_PARAMETER, cached_page
from releases.caching.version import HeldPerVersion, version_for
from releases.db import page_reads
from releases.filters import ReleaseFilter, ReleaseFilterWithCategory
from releases.models import Category, Release
from releases.pagination import MAX_PAGE_DIGITS
from releases.search.compiling import Criteria
from releases.search.engine import SearchResults, search_for
from releases.search.lookups import search_releases
from releases.transcripts.models import FormerSlug, Turn

# The columns a list reads: never the body, which a list page does not show.
LIST_FIELDS = ("title", "slug", "date", "published_at", "modified_at", "category", "permalink")
# The filters that bound a list's dates.
DATE_FILTERS = ("date_after", "date_before")
# Parameters a list reads besides its filters: which page, which format.
PAGING = ("page", "cursor", "format")
# Parameters that choose how a list is shown, not which releases it holds.
SHOWING = {"sort", *PAGING}
# The parameters that choose a list's releases, which an email alert follows.
CHOOSING = ("q", "speaker", "category", *DATE_FILTERS)

# Parameters with which a list shows more than the listing: what releases say
# (a search, a speaker's turns), or another format (a feed's summaries).
BEYOND_LISTING = ("q", "speaker", "format")


def shows_listing_only(request):
    """Whether the list *request* asks for is a page that shows only the listing
    (``Release.LISTING_FIELDS``): no search, no speaker, no other format. A value
    of theirs the list would drop or redirect counts as one all the same."""
    return not any(value.strip() for name in BEYOND_LISTING for value in request.GET.getlist(name))


# A list, filed in the page cache under its whole query: the list views
# redirect any query not written the canonical way, so only canonical queries
# are kept, and a query answers the same whether or not its list is kept.
cached_list = functools.partial(cached_page, reads=EVERY_PARAMETER)
# A list's page, kept under the listing version where it shows the listing alone.
cached_list_page = functools.partial(cached_list, listing_only=shows_listing_only)
# Lists' counts and facets held in each process, for 200 lists a version, of two
# versions: a list's facets (a count for each month) take about 35 KB, so at most 14 MB.
held_counts = HeldPerVersion(most=200)


@dataclasses.dataclass(frozen=True)
class Period:
    """The year or month an archive's address names: its first and last day."""

    first_day: datetime.date
    last_day: datetime.date

    @classmethod
    def of(cls, year, month=None):
        if month is None:
            return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        start = datetime.date(year, month, 1)
        after = (start + datetime.timedelta(days=31)).replace(day=1)
        return cls(start, after - datetime.timedelta(days=1))


class ReleaseList:
    """The releases a list's address and filters choose, in every format a list comes in.

    *filterset* is the list's bound ReleaseFilter; *category* and *period*
    come from the address; *request*, where there is one, is what the list
    was asked in (its address, its search of the index, its content version).
    """

    def __init__(self, filterset, *, category=None, period=None, request=None):
        self.filterset = filterset
        self.category = category
        self.period = period
        self.request = request
        # The canonical query's fields, by whether a cursor is kept: a page asks
        # for it once for each of its counts and each of its formats' links.
        self.canonical_fields = {}

    @classmethod
    def of_query(cls, query, *, category=None):
        """Return the list a query string (a QueryDict) picks, as an email alert reads it."""
        filterset_class = ReleaseFilter if category is not None else ReleaseFilterWithCategory
        return cls(filterset_class(query, queryset=Release.objects.none()), category=category)

    @property
    def usable(self):
        """Whether the list can be shown: no filters given, or only valid ones."""
        return self.filterset.usable

    @property
    def search(self):
        """The parsed search (``q``), or None."""
        return self.filterset.search_query

    @property
    def ranked_by_relevance(self):
        """Whether the list is a search to show best match first."""
        return self.filterset.ranked_by_relevance

    def paging(self, name):
        """The page, cursor or format (``page``, ``cursor``, ``format``) the address asks
        for, as written, or None."""
        return self.request.GET.get(name) if self.request is not None else None

    def alert_query(self):
        """The query string an email alert of this list follows: its search and filters,
        not its page, order or format (the category in the address aside)."""
        return subscription_query(self.request.GET, self.category)

    def followed_query(self):
        """Return the one way to write the query string an email alert of this list
        follows (a speaker by their slug, however typed). Ask a usable list only."""
        canonical = dict(self.canonical_items(cursor=False))
        query = QueryDict(mutable=True)
        for key in CHOOSING:
            if key in canonical:
                query[key] = canonical[key]
        return query.urlencode()

    def value(self, name):
        """The cleaned value of the filter *name*, or None: ask a usable list only."""
        return self.filterset.form.cleaned_data.get(name) if self.filterset.is_bound else None

    def date_filtered(self):
        return any(self.value(name) for name in DATE_FILTERS)

    def criteria(self, *, without=()):
        """The list's search and filters as Criteria, less the filters *without*
        ("category", "dates", "speaker"): a facet leaves out its own. The category
        and period in the address always hold."""
        categories = None
        if self.category is not None:
            categories = (self.category.pk,)
        elif "category" not in without and (chosen := self.value("category")):
            categories = (chosen.pk,)
        first_day = last_day = None
        if "dates" not in without:
            first_day, last_day = (self.value(name) for name in DATE_FILTERS)
        if self.period is not None:
            first_day = max(first_day or self.period.first_day, self.period.first_day)
            last_day = min(last_day or self.period.last_day, self.period.last_day)
        speaker = None
        if "speaker" not in without and (person := self.value("speaker")):
            speaker = person.pk
        return Criteria(self.search, categories, first_day, last_day, speaker=speaker)

    def releases(self, criteria=None):
        """Every release of the list (or of *criteria*), newest first, as a queryset:
        what feeds, CSV, the API's cursor and email alerts read."""
        criteria = criteria or self.criteria()
        releases = Release.objects.published().select_related("category").only(*LIST_FIELDS)
        if criteria.categories is not None:
            releases = releases.filter(category__in=criteria.categories)
        if criteria.first_day is not None:
            releases = releases.filter(date__gte=criteria.first_day)
        if criteria.last_day is not None:
            releases = releases.filter(date__lte=criteria.last_day)
        if criteria.search is not None:
            releases = search_releases(releases, criteria, self.index_search())
        elif criteria.speaker is not None:
            # Read whole (feeds, CSV, alerts): the rows of the person's turns, not
            # thousands of ids from the index.
            releases = releases.filter(pk__in=spoken_in(criteria.speaker))
        return releases.newest_first()

    @property
    def indexed(self):
        """Whether the list's pages, counts and facets are read from the search index:
        a search, or a speaker's releases (their documents there, one a release)."""
        return self.search is not None or self.value("speaker") is not None

    def results(self):
        """The list's releases as its pages read them: a search's from the index,
        best match first unless the reader asked for the newest (a speaker's releases
        from the index too, newest first)."""
        if not self.indexed:
            return ListedReleases(self)
        return SearchResults(
            self.index_search(), self.criteria(), newest_first=not self.ranked_by_relevance
        )

    def index_search(self):
        """The Search of the index this list's request reads, or None: one of its own."""
        return search_for(self.request) if self.request is not None else None

    def catching_up(self):
        """Whether this list is answered by an index still catching up: what it finds
        is not yet all, and not an answer to keep as the current version's."""
        return self.indexed and bool(search_for(self.request).releases_to_go)

    def version_answered(self):
        """The content version a list answered by an index still catching up shows
        whole, as a page of it may be kept: the newest that may still be served of
        those the index holds (``caching/freshness.py``); None if none is, if there
        is no index yet, or if the versions were not read for the page cache."""
        versions = getattr(self.request, "content_versions", None)
        position = search_for(self.request).position  # None: no index to read yet
        if versions is None or position is None:
            return None
        return versions.held_whole_at(position)

    def count(self):
        """How many releases the list holds: a sum of its facets' counts where they hold it.

        An invalid list counts nothing, and keeps nothing for a valid one to find.
        """
        if not self.usable:
            return 0
        if not self.date_filtered():
            return sum(line.count for line in self.facets["year_facet"])
        return self.kept("count", self.results().count)

    @cached_property
    def facets(self):
        """{"year_facet": [...], "category_facet": [...], "month_counts": {...}}, computed
        once per content version."""
        return self.kept("facets-by-month", lambda: facets.counted(self))

    def month_facet(self, year):
        """A FacetCount per month of *year* with releases in the list, kept per content version."""
        return self.kept("months", lambda: facets.months(self, year))

    def kept(self, name, compute):
        """Return *compute*() for this list, computed once per content version, unless
        it is a search the index has not caught up with."""
        if self.catching_up():
            return compute()
        return held_counts.get(name, self.key(), compute, version_for(self.request))

    def key(self):
        """What this list's counts are filed under: its address and the filters that
        choose its releases, written one way (not its page, order or format)."""
        query = self.canonical_query()
        for name in SHOWING:
            query.pop(name, None)
        return f"{self.request.path}?{query.urlencode()}"

    def canonical_query(self, *, cursor=False):
        """Return the one way to write the list's query string (a QueryDict).

        Two addresses that ask for the same list (keys in another order, blank
        or repeated fields, unknown parameters, a date written another way)
        have one canonical query, so that they share one cached copy and junk
        parameters make no new ones. Ask a usable list only. A *cursor* is
        kept only where the list reads on by one (as JSON).
        """
        if cursor not in self.canonical_fields:
            self.canonical_fields[cursor] = list(self.canonical_items(cursor=cursor))
        query = QueryDict(mutable=True)
        for name, value in self.canonical_fields[cursor]:
            query[name] = value
        return query

    def canonical_items(self, *, cursor):
        """Yield (name, value) of each field of the canonical query, in its order."""
        data = self.filterset.data
        cleaned = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        for name in self.filterset.form.fields:
            raw = data.get(name, "").strip()
            if raw:
                yield name, written_once(cleaned.get(name), raw)
        for name in PAGING:
            if name == "cursor" and not cursor:
                continue
            if value := data.get(name, "").strip():
                yield name, page_number(value) if name == "page" else value

    def canonical_address(self, *, cursor=False):
        """The list's address as it should be asked for, or None if it already is."""
        query = self.canonical_query(cursor=cursor)
        if sorted(self.request.GET.lists()) == sorted(query.lists()):
            return None
        return f"{self.request.path}?{query.urlencode()}" if query else self.request.path

    def speaker_moved(self):
        """Whether the list names its speaker by a slug they gave up (merged into
        another, or renamed): its address has moved for good, as their page has."""
        person = self.value("speaker")
        written = self.filterset.data.get("speaker", "").strip()
        return (
            person is not None
            and written != person.slug
            and (FormerSlug.objects.filter(slug=written, person=person).exists())
        )

    def address_with(self, **changes):
        """Return the list's absolute address with *changes* to its query (None removes).

        From the canonical query where there is one: the links of a kept page are
        the same whichever order of its parameters it was first asked in.
        """
        query = self.canonical_query(cursor=True) if self.usable else self.request.GET.copy()
        for key, value in changes.items():
            query.pop(key, None)
            if value is not None:
                query[key] = value
        suffix = f"?{query.urlencode()}" if query else ""
        return self.request.build_absolute_uri(f"{self.request.path}{suffix}")


class ListedReleases:
    """A list's releases from the database, counted and windowed for DeepPaginator:
    a page's ids read by SQL written once (``db/page_reads.py``), which Django
    took longer to build than the database to answer."""

    def __init__(self, release_list):
        self.criteria = release_list.criteria()
        self.release_list = release_list

    def count(self):
        return self.release_list.releases(self.criteria).count()

    def ids(self, start, stop):
        """Return the ids of the releases from *start* to *stop*, newest first."""
        return page_reads.listed_ids(self.criteria, start, stop)

    def window(self, start, stop, categories):
        """Return the releases from *start* to *stop*, newest first, as ListedRelease,
        each given its category from *categories* (the categories on record)."""
        rows = page_reads.listed_window(self.criteria, start, stop)
        return list(with_categories({row.pk: row for row in rows}, categories).values())


def page_rows(ids, categories, opening=0):
    """Read the public releases among *ids*, as {id: ListedRelease}, for a page of a
    list, each given its category from *categories* (the categories on record); with
    *opening*, each body's first that many characters too (``page_reads``).

    A search index still catching up may name releases since deleted, withdrawn
    or made drafts: they are left out here, as the database has them.
    """
    return with_categories(page_reads.listed_releases(ids, opening=opening), categories)


def page_releases(ids, categories):
    """Read the public releases among *ids*, as {id: Release} with LIST_FIELDS, for a
    page of a list in JSON, which gives more of each than a page shows; as page_rows."""
    now = timezone.now()
    found = page_reads.releases_by_id(ids, (*LIST_FIELDS, "status"))
    return with_categories({pk: row for pk, row in found.items() if row.public_at(now)}, categories)


def with_categories(rows, categories):
    """Give each of *rows* ({id: row}) its category from *categories*, and return them.

    Found here rather than joined in the query: a public release's category
    is among the categories on record, read already.
    """
    by_id = {category.pk: category for category in categories}
    if missing := {row.category_id for row in rows.values()} - by_id.keys():
        # A category on record since the categories were read.
        by_id.update(Category.objects.in_bulk(missing))
    for row in rows.values():
        row.category = by_id[row.category_id]
    return rows


def spoken_in(person_id):
    """The ids of the releases where the person *person_id* has a turn, as a subquery."""
    return Turn.objects.filter(person_id=person_id).values("release_id")


def page_number(raw):
    """Return a page number written one way (``02``, ``+2`` or ``٢`` as ``2``); anything
    that is not a number as it is, for the paginator to refuse."""
    if len(raw) > MAX_PAGE_DIGITS:
        return raw
    try:
        return str(int(raw))  # as the paginator reads it
    except ValueError:
        return raw


def written_once(value, raw):
    """Return the one way to write a filter's cleaned *value*, typed as *raw*."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return getattr(value, "slug", raw)
    return " ".join(raw.split())


def subscription_query(data, category):
    """Return the query string that picks a list's releases from its request *data*
    (the category in the address, where there is one, aside)."""
    query = QueryDict(mutable=True)
    for key in CHOOSING:
        if category is not None and key == "category":
            continue
        if value := data.get(key, "").strip():
            query[key] = value
    return query.urlencode()
