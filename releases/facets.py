"""Counts beside a list: how many of its releases fall in each category and each year."""

import dataclasses
import datetime
from collections import Counter

from django.db.models import Count


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
        .order_by("-count", "category__name")
    )
    return [FacetCount(slug, name, count) for slug, name, count in rows]


def counts_by_day(queryset):
    """Return a Counter of *queryset*'s releases by listing date.

    Grouping by the date itself, and by year or month here, keeps the query
    to plain columns: SQLite's year and month extraction is a Python function
    that Django calls once a row, slower than the rest of a search put together.
    """
    rows = queryset.order_by().values_list("date").annotate(count=Count("pk")).order_by()
    return Counter(dict(rows.iterator()))


def year_counts(queryset):
    """Return a FacetCount per year with releases in *queryset*, newest first."""
    years = Counter()
    for date, count in counts_by_day(queryset).items():
        years[date.year] += count
    return [YearCount(str(year), str(year), years[year]) for year in sorted(years, reverse=True)]


def month_counts(queryset, year):
    """Return a FacetCount per month of *year* with releases in *queryset*, in calendar order.

    The value is the month's number, for its archive's address.
    """
    months = Counter()
    for date, count in counts_by_day(queryset).items():
        if date.year == year:
            months[date.month] += count
    return [
        FacetCount(month, f"{datetime.date(year, month, 1):%B}", months[month])
        for month in sorted(months)
    ]
