"""Counts beside a list: how many of its releases fall in each category and each year."""

import dataclasses
import datetime

from django.db.models import Count
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


def category_counts(queryset):
    """Return a FacetCount per category with releases in *queryset*, largest first."""
    rows = (
        queryset.order_by()
        .values_list("category__slug", "category__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "category__name")
    )
    return [FacetCount(slug, name, count) for slug, name, count in rows]


def year_counts(queryset):
    """Return a FacetCount per year with releases in *queryset*, newest first."""
    rows = (
        queryset.order_by()
        .annotate(year=ExtractYear("date"))
        .values_list("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )
    return [YearCount(str(year), str(year), count) for year, count in rows]


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
