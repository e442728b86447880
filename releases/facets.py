"""Counts beside a list: how many of its releases fall in each category and each year."""

import dataclasses
import datetime
from collections import Counter

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear


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
class ListFacets:
    """A list's facets, and the number of releases in the list itself."""

    categories: list
    years: list
    total: int


def list_facets(queryset, date_after=None, date_before=None, category=None):
    """Return the ListFacets of a list, from one grouped query.

    *queryset* is the list without its category and date filters. The
    category facet applies the dates and not the category; the year facet
    applies the category and not the dates: each shows where its own filter
    could lead. Categories come largest first, years newest first. The total
    applies both, so the list need not be counted again.
    """
    in_range = Q()
    if date_after:
        in_range &= Q(date__gte=date_after)
    if date_before:
        in_range &= Q(date__lte=date_before)
    rows = (
        queryset.order_by()
        .annotate(year=ExtractYear("date"))
        .values_list("category__slug", "category__name", "year")
        .annotate(every=Count("pk"), in_range=Count("pk", filter=in_range or None))
    )
    by_category, names, by_year, total = Counter(), {}, Counter(), 0
    for slug, name, year, every, within in rows:
        by_category[slug] += within
        names[slug] = name
        if category is None or slug == category.slug:
            by_year[year] += every
            total += within
    categories = sorted(
        (FacetCount(slug, names[slug], count) for slug, count in by_category.items() if count),
        key=lambda facet: (-facet.count, facet.label),
    )
    years = [
        YearCount(str(year), str(year), count)
        for year, count in sorted(by_year.items(), reverse=True)
        if count
    ]
    return ListFacets(categories, years, total)


def month_counts(queryset, year):
    """Return a FacetCount per month of *year* with releases in *queryset*, in calendar order.

    The value is the month's number, for its archive's address.
    """
    rows = (
        queryset.order_by()
        .annotate(month=ExtractMonth("date"))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    return [
        FacetCount(month, f"{datetime.date(year, month, 1):%B}", count) for month, count in rows
    ]
