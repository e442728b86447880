"""The list pages' filters, read from the query string."""

import django_filters
from django import forms

from releases.models import Category, Release


class DateInput(forms.DateInput):
    """A browser date picker that still accepts typed YYYY-MM-DD."""

    input_type = "date"


class ReleaseDateFilter(django_filters.FilterSet):
    """Narrow releases to a range of listing dates (``date_after``, ``date_before``).

    Two filters rather than one DateFromToRangeFilter, so that each input has
    its own label and a bad value is reported against the input it came from.
    """

    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DateInput
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DateInput
    )

    class Meta:
        model = Release
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.label_suffix = ""


class ReleaseFilter(ReleaseDateFilter):
    """Narrow releases by category slug as well as by date."""

    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="All categories",
    )

    class Meta(ReleaseDateFilter.Meta):
        fields = ["category"]
