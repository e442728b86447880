"""Counts beside a list: how many of its releases fall in each category and each year."""

import collections
import dataclasses
import datetime

from django.db.models import Count, Func, IntegerField
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.functional import cached_property

from releases.caching.version import computed_for_list
from releases.models import Category
from releases.search.compiling import Criteria
from releases.search.engine import search_for

DATE_FILTERS = ("date_after", "date_before")


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


def month_counts(queryset, year):
    """Return a FacetCount per month of *year* with releases in *queryset*, in calendar order.

    The value is the month's number, for its archive's address.
    """
    months = counts_by(queryset.filter(date__year=year), "month")
    return [
        FacetCount(month, f"{datetime.date(year, month, 1):%B}", months[month])
        for month in sorted(months)
    ]


class ListFacetsMixin:
    """A list view's count and its facets: counts by category (unless the address
    chooses one) and by year.

    Each facet counts the list as filtered by everything but its own filter,
    so that the reader sees where else the search would lead. A search's
    counts come from the search index, the rest from the database. For a
    FilterView with this app's filters.
    """

    def list_count(self, queryset):
        """The number of releases in the list: a sum of its facets' counts where they hold it.

        An invalid list counts nothing, and keeps nothing for a valid one to find.
        """
        if not self.filterset.usable:
            return 0
        if not self.date_filtered():
            return sum(line.count for line in self.facets["year_facet"])
        return self.kept("count", queryset.count)

    def date_filtered(self):
        return any(self.filter_value(name) for name in DATE_FILTERS)

    def filter_value(self, name):
        """The cleaned value of the filter *name*, or None: call on a usable filterset."""
        return self.filterset.form.cleaned_data.get(name) if self.filterset.is_bound else None

    def kept(self, name, compute):
        """Return *compute*() for this list, computed once per content version, unless
        the search index is still catching up: then what it finds is not yet all."""
        if self.filterset.search_query and search_for(self.request).releases_to_go:
            return compute()
        return computed_for_list(self.request, name, compute)

    @cached_property
    def facets(self):
        """{"year_facet": [...], "category_facet": [...]}, computed once per content version."""
        return self.kept("facets", self.count_facets)

    def count_facets(self):
        """Count the facets afresh: see facets."""
        if self.filterset.search_query:
            return self.count_search_facets()
        if not self.date_filtered():
            counts = CategoryYearCounts(self.filtered_without("category"))
            chosen = self.filter_value("category")
            facets = {"year_facet": newest_first(counts.in_category(chosen and chosen.slug))}
            if self.category is None:
                facets["category_facet"] = counts.categories()
            return facets
        facets = {"year_facet": year_counts(self.filtered_without(*DATE_FILTERS))}
        if self.category is None:
            facets["category_facet"] = category_counts(self.filtered_without("category"))
        return facets

    def count_search_facets(self):
        """The facets of a search, counted by the search index: in one pass over its
        matches by category and year, as CategoryYearCounts does, unless dates are
        filtered (then the year facet leaves them out, and the category facet not)."""
        search = search_for(self.request)
        if self.date_filtered():
            years = search.counts_by(self.search_criteria("dates"), "year")
            by_category = search.counts_by(self.search_criteria("category"), "category")
        else:
            pairs = search.counts_by_pair(self.search_criteria("category"), "category", "year")
            chosen = self.filter_value("category")
            years, by_category = collections.Counter(), collections.Counter()
            for (category, year), count in pairs.items():
                by_category[category] += count
                if chosen is None or category == chosen.pk:
                    years[year] += count
        facets = {"year_facet": newest_first(years)}
        if self.category is None:
            names = Category.objects.filter(pk__in=by_category).values_list("pk", "slug", "name")
            facets["category_facet"] = largest_first(
                FacetCount(slug, name, by_category[pk]) for pk, slug, name in names
            )
        return facets

    def search_criteria(self, *without):
        """The list's search and filters as search index Criteria, less the filters
        *without* ("category", "dates")."""
        categories = None
        if self.category is not None:
            categories = (self.category.pk,)
        elif "category" not in without and (chosen := self.filter_value("category")):
            categories = (chosen.pk,)
        first_day = last_day = None
        if "dates" not in without:
            first_day, last_day = (self.filter_value(name) for name in DATE_FILTERS)
        return Criteria(self.filterset.search_query, categories, first_day, last_day)

    def filtered_without(self, *names):
        """The list's releases filtered by every filter in the query string but *names*."""
        data = self.request.GET.copy()
        for name in names:
            data.pop(name, None)
        return self.filterset_class(data, queryset=self.get_queryset()).qs
