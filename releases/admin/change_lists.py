"""Change lists that answer a filter no row can match as a bad filter, not a server error.

Django's admin checks a filter as it builds the query, but some are only
found out of range when the query is made or run: a year no date has
(``?date__year=0``, ``?started_at__year=9999``, whose end is in year
10000), or a number too large for SQLite's integers (``?id__in=9999…``).
Those raise ValueError or OverflowError; here they become Django's own
answer to a bad filter, the list again with an error flag.
"""

import contextlib

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


@contextlib.contextmanager
def out_of_range_refused():
    """Turn a value out of range for a date or a column into a bad filter."""
    try:
        yield
    except (ValueError, OverflowError) as error:
        raise IncorrectLookupParameters(error) from error


class RangeCheckedChangeList(ChangeList):
    """A change list whose filters out of any date's or column's range are bad filters."""

    def get_queryset(self, request, exclude_parameters=None):
        # Where the date hierarchy's bounds are worked out (a year's end).
        with out_of_range_refused():
            return super().get_queryset(request, exclude_parameters)

    def get_results(self, request):
        # Where the query is first run.
        with out_of_range_refused():
            super().get_results(request)


class RangeChecked:
    """For a ModelAdmin: its change list answers a filter out of range as a bad filter."""

    def get_changelist(self, request, **kwargs):
        return RangeCheckedChangeList
