"""The list pages' filters, read from the query string and validated.

A ReleaseFilter reads and checks the values; the ReleaseList (``lists.py``)
applies them, a search to the search index and the rest to the index or the
database, under one set of Criteria. Its ``qs`` is never read.
"""

import django_filters
from django import forms

from releases.caching.version import computed_once, version_for
from releases.models import Category, Release
from releases.search.query import MAX_QUERY_LENGTH, SearchQueryError, parse_search

ORDERINGS = [("relevance", "Best match"), ("newest", "Newest first")]


class DateInput(forms.DateInput):
    """A browser date picker that still accepts typed YYYY-MM-DD."""

    input_type = "date"


class SearchField(forms.CharField):
    """The search box: its value is cleaned into a parsed SearchQuery, or None."""

    widget = forms.TextInput(attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_search(value)
        except SearchQueryError as exc:
            raise forms.ValidationError(str(exc)) from None


class DateRangeForm(forms.Form):
    """The filters' form: a range of dates must not end before it starts."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_after"), cleaned.get("date_before")
        if start and end and start > end:
            self.add_error("date_before", f"The range ends before it starts ({start:%B %-d, %Y}).")
        return cleaned


class SearchFilter(django_filters.Filter):
    field_class = SearchField


class ReleaseFilter(django_filters.FilterSet):
    """Search releases (``q``) and narrow them to a range of listing dates.

    Two date filters (``date_after``, ``date_before``) rather than one
    DateFromToRangeFilter, so that each input has its own label and a bad
    value is reported against the input it came from. A search is ordered by
    relevance unless ``sort=newest``.
    """

    q = SearchFilter(method="applied_by_the_list", label="Search")
    sort = django_filters.ChoiceFilter(
        choices=ORDERINGS, method="applied_by_the_list", label="Order", empty_label=None
    )

    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DateInput
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DateInput
    )

    class Meta:
        model = Release
        fields = []
        form = DateRangeForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.label_suffix = ""
        self.form.order_fields(["q"])

    def applied_by_the_list(self, queryset, name, value):
        # The search and the order are the ReleaseList's to apply (lists.py).
        return queryset

    @property
    def ranked_by_relevance(self):
        """Whether the list is a search to show best match first."""
        return self.search_query is not None and self.form.cleaned_data.get("sort") != "newest"

    @property
    def usable(self):
        """Whether the list can be shown: no filters given, or only valid ones."""
        return not self.is_bound or self.is_valid()

    @property
    def fields_in_use(self):
        """How many of the filters (the order aside) the query string sets: a folded
        filter panel tells the reader the list is narrowed."""
        data = self.data or {}
        return sum(1 for name in self.form.fields if name != "sort" and data.get(name, "").strip())

    @property
    def search_query(self):
        """The parsed search, or None when there is none (or it is invalid)."""
        return self.form.cleaned_data.get("q") if self.is_bound and self.is_valid() else None


class ReleaseFilterWithCategory(ReleaseFilter):
    """The same, and a choice of category by slug: for lists that span categories."""

    category = django_filters.ModelChoiceFilter(
        queryset=lambda request: categories_on_record(request),
        to_field_name="slug",
        empty_label="All categories",
    )

    class Meta(ReleaseFilter.Meta):
        fields = ["category"]


def categories_on_record(request):
    """Return Category.objects.on_record(), found once per content version
    (read for *request*, which a filterset built without one gives as None).

    Every list page asks it twice (its filter and its links), and the answer
    changes only with the content, whose version also moves on when a
    scheduled release's time comes.
    """
    ids = computed_once(
        "categories-on-record",
        "",
        lambda: list(Category.objects.on_record().values_list("pk", flat=True)),
        version_for(request) if request is not None else None,
    )
    return Category.objects.filter(pk__in=ids)
