"""Counts beside a list: how many of its releases fall in each category and each year,
and for a search, how many each speaker said it in."""

import collections
import dataclasses
import datetime
import re
from urllib.parse import quote_plus, urlencode

from django.db.models import CharField, Count, Func, IntegerField
from django.db.models.functions import ExtractMonth, ExtractYear

from releases.filters import categories_on_record
from releases.search.engine import search_for
from releases.transcripts.models import Person

# The characters quote_plus always leaves as they are.
UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")
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
    # Each parameter the lines keep is encoded once, not once a line.
    kept = {
        name: urlencode({name: values}, doseq=True)
        for name, values in query.lists()
        if name != "page"
    }
    asked = {}  # the query's value of each narrowing filter, read once
    links = []
    for line in lines:
        changes = narrowing(line)
        params = kept.copy()
        current = True
        for name, value in changes.items():
            # The names are the facets' own, which need no quoting.
            params[name] = f"{name}={quoted(value)}"
            if name not in asked:
                asked[name] = query.get(name)
            current = current and asked[name] == value
        address = "?" + "&".join(encoded for encoded in params.values() if encoded)
        links.append(FacetLink(line.label, line.count, address, current))
    return links


def quoted(value):
    """Return *value* as quote_plus writes it, at once where nothing needs quoting (a
    timeline's dates, the categories' slugs): quoting was a quarter of a timeline's cost."""
    return value if UNQUOTED.fullmatch(value) else quote_plus(value)


def linked_facets(facets, query):
    """Return the year and category facets of *facets* (as ReleaseList.facets) as FacetLinks."""
    narrowing = {
        "year_facet": lambda line: {"date_after": line.first_day, "date_before": line.last_day},
        "category_facet": lambda line: {"category": line.value},
        "speaker_facet": lambda line: {"speaker": line.value},
    }
    return {
        name: linked(lines, query, narrowing[name])
        for name, lines in facets.items()
        if name in narrowing
    }


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


class YearMonth(Func):
    """The year and month of a date column as text ("2021-03"), computed in SQL: one
    expression to group a list's releases by, where a year and a month were two."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"to_char({column}, 'YYYY-MM')", params

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"substr({column}, 1, 7)", params


def year_and_month(text):
    """Return (year, month) of a YearMonth's "2021-03"."""
    return int(text[:4]), int(text[5:7])


def month_counts(queryset):
    """Return {(year, month): count} of *queryset*'s releases."""
    rows = (
        queryset.order_by()
        .annotate(month=YearMonth("date"))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {year_and_month(month): count for month, count in rows}


def by_year(months):
    """Return {year: count} of *months* ({(year, month): count})."""
    years = collections.Counter()
    for (year, _), count in months.items():
        years[year] += count
    return dict(years)


def newest_first(years):
    """Return a YearCount per year of *years* ({year: count}), newest first."""
    return [YearCount(str(year), str(year), years[year]) for year in sorted(years, reverse=True)]


class CategoryMonthCounts:
    """The releases of a queryset counted by category and month at once, in one query.

    A list's facets each leave out their own filter. Without a date filter,
    both are sums over these counts of the list unfiltered by category, and
    so are the list's own count and its timeline: a search then reads its
    matches once instead of three times. Grouped by the category's id, not
    its name: the releases' listing index holds the id, and the names are
    those of *categories* (the categories on record, every public release's).
    """

    def __init__(self, queryset, categories):
        rows = (
            queryset.order_by()
            .annotate(month=YearMonth("date"))
            .values_list("month", "category_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
        self.rows = [(year_and_month(month), category, count) for month, category, count in rows]
        self.categories = {category.pk: category for category in categories}

    def in_category(self, category_id=None):
        """Return {(year, month): count} of the releases in the category *category_id*,
        or in all."""
        months = collections.Counter()
        for month, category, count in self.rows:
            if category_id is None or category == category_id:
                months[month] += count
        return dict(months)

    def category_facet(self):
        """Return a FacetCount per category, largest first."""
        totals = collections.Counter()
        for _, category, count in self.rows:
            totals[category] += count
        return largest_first(
            FacetCount(self.categories[pk].slug, self.categories[pk].name, total)
            for pk, total in totals.items()
            if pk in self.categories
        )


def counted(release_list):
    """Return the facets of *release_list*: {"year_facet": [...], "category_facet": [...],
    "month_counts": {(year, month): count}}, the category facet only where the address
    chooses no category.

    Each facet counts the list as filtered by everything but its own filter,
    so that the reader sees where else the search would lead; the month counts
    (the list's timeline) are the year facet's, a month at a time. A search's
    counts come from the search index, the rest from the database.
    """
    if release_list.indexed:
        return search_facets(release_list)
    if not release_list.date_filtered():
        counts = CategoryMonthCounts(
            release_list.releases(release_list.criteria(without=["category"])),
            categories_on_record(release_list.request),
        )
        chosen = release_list.value("category")
        months = counts.in_category(chosen and chosen.pk)
        facets = {"year_facet": newest_first(by_year(months)), "month_counts": months}
        if release_list.category is None:
            facets["category_facet"] = counts.category_facet()
        return facets
    months = month_counts(release_list.releases(release_list.criteria(without=["dates"])))
    facets = {"year_facet": newest_first(by_year(months)), "month_counts": months}
    if release_list.category is None:
        without_category = release_list.criteria(without=["category"])
        facets["category_facet"] = category_counts(release_list.releases(without_category))
    return facets


def search_facets(release_list):
    """The facets of a search (or a speaker's releases), counted by the search index,
    with who said it for a search: in one pass over its matches by category and month,
    as CategoryMonthCounts does, unless dates are
    filtered (then the year facet leaves them out, and the category facet not)."""
    search = search_for(release_list.request)
    if release_list.date_filtered():
        months = search.counts_by_fields(release_list.criteria(without=["dates"]), "year", "month")
        by_category = search.counts_by(release_list.criteria(without=["category"]), "category")
    else:
        found = search.counts_by_fields(
            release_list.criteria(without=["category"]), "category", "year", "month"
        )
        chosen = release_list.value("category")
        months, by_category = collections.Counter(), collections.Counter()
        for (category, year, month), count in found.items():
            by_category[category] += count
            if chosen is None or category == chosen.pk:
                months[year, month] += count
        months = dict(months)
    facets = {"year_facet": newest_first(by_year(months)), "month_counts": months}
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
