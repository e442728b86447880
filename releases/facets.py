"""Counts beside a list: how many of its releases fall in each category and each year,
and for a search, how many each speaker said it in."""

import collections
import dataclasses
import datetime
from urllib.parse import urlencode

from django.db.models import Count, Func, IntegerField
from django.db.models.functions import ExtractMonth, ExtractYear

from releases.filters import categories_on_record
from releases.search.engine import search_for
from releases.transcripts.models import Person

# Speakers a search's facet shows: the people who said it in the most releases.
MOST_SPEAKERS = 10


@dataclasses.dataclass(frozen=True)
class FacetCount:
    """One line of a facet: a value, its label, and how many releases have it."""

    value: str
    label: str
    count: int


@dataclasses.dataclass(frozen=True)
class YearCount(FacetCount):
    """A year's line, with the date range that narrows a list to it."""

    @property
    def first_day(self):
        return f"{self.value}-01-01"

    @property
    def last_day(self):
        return f"{self.value}-12-31"


@dataclasses.dataclass(frozen=True)
class FacetLink:
    """A facet's line as a list page links it: its label and count, the list's address
    narrowed by it (from the first page), and whether the list is narrowed so now."""

    label: str
    count: int
    address: str
    current: bool


def linked(lines, query, narrowing):
    """Return a FacetLink for each of *lines*, on a list whose query string is *query*
    (a QueryDict); *narrowing*(line) gives the filters that narrow the list to a line.

    The addresses are written as ``{% querystring %}`` writes them, once for
    each line, without a template tag's cost: a list shows thirty of them.
    """
    kept = {name: values for name, values in query.lists() if name != "page"}
    links = []
    for line in lines:
        changes = narrowing(line)
        params = {**kept, **{name: [value] for name, value in changes.items()}}
        address = f"?{urlencode(params, doseq=True)}"
        current = all(query.get(name) == value for name, value in changes.items())
        links.append(FacetLink(line.label, line.count, address, current))
    return links


def linked_facets(facets, query):
    """Return *facets* ({"year_facet": ..., "category_facet": ...}) as FacetLinks."""
    narrowing = {
        "year_facet": lambda line: {"date_after": line.first_day, "date_before": line.last_day},
        "category_facet": lambda line: {"category": line.value},
        "speaker_facet": lambda line: {"speaker": line.value},
    }
    return {name: linked(lines, query, narrowing[name]) for name, lines in facets.items()}


def category_counts(queryset):
    """Return a FacetCount per category with releases in *queryset*, largest first."""
    rows = (
        queryset.order_by()
        .values_list("category__slug", "category__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return largest_first(FacetCount(slug, name, count) for slug, name, count in rows)


def largest_first(counts):
    """Return the FacetCounts *counts* sorted largest first, then by label."""
    return sorted(counts, key=lambda line: (-line.count, line.label))


class DatePart(Func):
    """The year (or month) of a date column, as a number, computed in SQL.

    On SQLite a date is ISO text, so the part is cut from it: Django's own
    extraction there calls a Python function once a row, slower than the rest
    of a search put together.
    """

    output_field = IntegerField()

    def __init__(self, expression, part):
        super().__init__(expression)
        self.part = part

    def as_sql(self, compiler, connection, **extra):
        extracted = ExtractYear if self.part == "year" else ExtractMonth
        return compiler.compile(extracted(*self.source_expressions))

    def as_sqlite(self, compiler, connection, **extra):
        start, length = (1, 4) if self.part == "year" else (6, 2)
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST(substr({column}, {start}, {length}) AS integer)", params


def counts_by(queryset, part):
    """Return {year or month: count} of *queryset*'s releases."""
    rows = (
        queryset.order_by()
        .annotate(part=DatePart("date", part))
        .values_list("part")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


def year_counts(queryset):
    """Return a FacetCount per year with releases in *queryset*, newest first."""
    return newest_first(counts_by(queryset, "year"))


def newest_first(years):
    """Return a YearCount per year of *years* ({year: count}), newest first."""
    return [YearCount(str(year), str(year), years[year]) for year in sorted(years, reverse=True)]


class CategoryYearCounts:
    """The releases of a queryset counted by category and year at once, in one query.

    A list's facets each leave out their own filter. Without a date filter,
    both are sums over these counts of the list unfiltered by category, and
    so is the list's own count: a search then reads its matches once instead
    of three times.
    """

    def __init__(self, queryset):
        rows = (
            queryset.order_by()
            .annotate(year=DatePart("date", "year"))
            .values_list("category__slug", "category__name", "year")
            .annotate(count=Count("pk"))
            .order_by()
        )
        self.rows = list(rows)

    def in_category(self, slug=None):
        """Return {year: count} of the releases in the category *slug*, or in all."""
        years = collections.Counter()
        for category, _, year, count in self.rows:
            if slug is None or category == slug:
                years[year] += count
        return dict(years)

    def categories(self):
        """Return a FacetCount per category, largest first."""
        totals, names = collections.Counter(), {}
        for slug, name, _, count in self.rows:
            totals[slug] += count
            names[slug] = name
        return largest_first(FacetCount(slug, names[slug], totals[slug]) for slug in totals)


def counted(release_list):
    """Return the facets of *release_list*: {"year_facet": [...], "category_facet": [...]},
    the category facet only where the address chooses no category.

    Each facet counts the list as filtered by everything but its own filter,
    so that the reader sees where else the search would lead. A search's
    counts come from the search index, the rest from the database.
    """
    if release_list.indexed:
        return search_facets(release_list)
    if not release_list.date_filtered():
        counts = CategoryYearCounts(
            release_list.releases(release_list.criteria(without=["category"]))
        )
        chosen = release_list.value("category")
        facets = {"year_facet": newest_first(counts.in_category(chosen and chosen.slug))}
        if release_list.category is None:
            facets["category_facet"] = counts.categories()
        return facets
    facets = {
        "year_facet": year_counts(release_list.releases(release_list.criteria(without=["dates"])))
    }
    if release_list.category is None:
        without_category = release_list.criteria(without=["category"])
        facets["category_facet"] = category_counts(release_list.releases(without_category))
    return facets


def search_facets(release_list):
    """The facets of a search (or a speaker's releases), counted by the search index,
    with who said it for a search: in one pass over its
    matches by category and year, as CategoryYearCounts does, unless dates are
    filtered (then the year facet leaves them out, and the category facet not)."""
    search = search_for(release_list.request)
    if release_list.date_filtered():
        years = search.counts_by(release_list.criteria(without=["dates"]), "year")
        by_category = search.counts_by(release_list.criteria(without=["category"]), "category")
    else:
        pairs = search.counts_by_pair(
            release_list.criteria(without=["category"]), "category", "year"
        )
        chosen = release_list.value("category")
        years, by_category = collections.Counter(), collections.Counter()
        for (category, year), count in pairs.items():
            by_category[category] += count
            if chosen is None or category == chosen.pk:
                years[year] += count
    facets = {"year_facet": newest_first(years)}
    if release_list.search is not None and (
        speakers := speaker_counts(search, release_list.criteria(without=["speaker"]))
    ):
        facets["speaker_facet"] = speakers
    if release_list.category is None:
        # The index's matches are public releases, whose categories are on record.
        categories = categories_on_record(release_list.request)
        facets["category_facet"] = largest_first(
            FacetCount(category.slug, category.name, by_category[category.pk])
            for category in categories
            if category.pk in by_category
        )
    return facets


def speaker_counts(search, criteria):
    """Return a FacetCount per person (their slug and name) who said *criteria*'s search,
    the MOST_SPEAKERS who said it in the most releases, largest first; none for a
    search no one said (no query then)."""
    counts = search.counts_by_speaker(criteria)
    if not counts:
        return []
    people = Person.objects.filter(pk__in=list(counts)).values_list("pk", "slug", "name")
    lines = largest_first(FacetCount(slug, name, counts[pk]) for pk, slug, name in people)
    return lines[:MOST_SPEAKERS]


def months(release_list, year):
    """A FacetCount per month of *year* with releases in *release_list*, in calendar order.

    The value is the month's number, for its archive's address.
    """
    if not release_list.indexed:
        counts = counts_by(release_list.releases().filter(date__year=year), "month")
    else:
        counts = search_for(release_list.request).counts_by(release_list.criteria(), "month")
    return [
        FacetCount(month, f"{datetime.date(year, month, 1):%B}", counts[month])
        for month in sorted(counts)
    ]
