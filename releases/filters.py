"""The list pages' filters, read from the query string and validated.

A ReleaseFilter reads and checks the values; the ReleaseList (``lists.py``)
applies them, a search to the search index and the rest to the index or the
database, under one set of Criteria. Its ``qs`` is never read.
"""

import copy
import re

import django_filters
from django import forms
from django.db.models import Q

from releases.caching.version import HeldPerVersion, version_for
from releases.models import Category, Release
from releases.search.query import MAX_QUERY_LENGTH, SearchQueryError, parse_search
from releases.transcripts.labels import normalized
from releases.transcripts.models import FormerSlug, Person
from releases.widgets import PlainDateInput, PlainSelect, PlainTextInput

# People a reader's partial name may name at once, listed so they can choose.
MOST_NAMED = 5
ORDERINGS = [("relevance", "Best match"), ("newest", "Newest first")]
# Form classes kept at once: one per filterset class and set of categories on record.
KEPT_FORM_CLASSES = 16


class DateInput(PlainDateInput):
    """A browser date picker that still accepts typed YYYY-MM-DD."""

    input_type = "date"


class SearchField(forms.CharField):
    """The search box: its value is cleaned into a parsed SearchQuery, or None."""

    widget = PlainTextInput(attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_search(value)
        except SearchQueryError as exc:
            raise forms.ValidationError(str(exc)) from None


class SpeakerField(forms.CharField):
    """A person chosen by their slug (``speaker=``), cleaned into the Person, or None.

    A reader who types a name (``Jen Psaki``) or a label as printed (``MS. PSAKI``)
    rather than the slug finds the same person, where only one answers to it; a slug
    someone gave up (merged into another, or renamed) finds whoever holds it now.
    """

    widget = PlainTextInput

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        people = list(Person.objects.filter(slug=value)) or people_answering_to(value)
        if not people:
            raise forms.ValidationError(f"No speaker is known as “{value}”.")
        if len(people) > 1:
            slugs = ", ".join(sorted(person.slug for person in people))
            raise forms.ValidationError(f"“{value}” names more than one speaker: {slugs}.")
        return people[0]


def people_answering_to(value):
    """Return the people whose slug or name is *value* in any case, or else who had the
    slug *value* before, or else who are printed under the label *value*, or else whose
    name holds *value* as a word (``Psaki``; ``Biden`` names two people)."""
    value = " ".join(value.split())
    named = Q(slug__iexact=value) | Q(name__iexact=value)
    found = list(Person.objects.filter(named)[:2])
    if found:
        return found
    if holder := FormerSlug.holder(value):
        return [holder]
    held = list(Person.objects.filter(aliases__key=normalized(value)).distinct()[:2])
    if held or not value:
        return held
    # A word between spaces or hyphens: "Sherwood" in "Liz Sherwood-Randall".
    words = Person.objects.filter(name__iregex=rf"(^|[\s-]){re.escape(value)}($|[\s-])")
    return list(words.order_by("slug")[:MOST_NAMED])


class SpeakerFilter(django_filters.Filter):
    field_class = SpeakerField


class FieldsShared(dict):
    """A form class's fields, which each form of it shares rather than copies.

    Django deep-copies a form's fields for every form, so that one form may
    change its own; no filters' form changes them, and the copying was half of a
    form's cost on a list page's first render. Each form still has its own dict
    of them.
    """

    def __deepcopy__(self, memo):
        return dict(self)


class FieldsSharedMetaclass(forms.forms.DeclarativeFieldsMetaclass):
    """Gives each form class its fields as FieldsShared."""

    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = FieldsShared(new_class.base_fields)
        return new_class


class DateRangeForm(forms.Form, metaclass=FieldsSharedMetaclass):
    """The filters' form: a range of dates must not end before it starts.

    Its fields are shared by every form of its class (``FieldsShared``): nothing
    may change a form's fields or their widgets.
    """

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_after"), cleaned.get("date_before")
        if start and end and start > end:
            self.add_error("date_before", f"The range ends before it starts ({start:%B %-d, %Y}).")
        return cleaned


class SearchFilter(django_filters.Filter):
    field_class = SearchField


class FiltersCopiedShallow(dict):
    """A FilterSet's filters by name, which each FilterSet copies one level deep.

    django-filter deep-copies its filters for every FilterSet, widgets and
    choices included: on a list page that was a third of the filters' cost.
    A copy needs only its own attributes (the FilterSet it belongs to, the
    field it builds) and its own ``extra``, which a field may be built from.
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copies[name] = copy.copy(filter_)
            copies[name].extra = dict(filter_.extra)
        return copies


class ReleaseFilter(django_filters.FilterSet):
    """Search releases (``q``), narrow them to a speaker's (``speaker``, a Person's slug)
    and to a range of listing dates.

    Two date filters (``date_after``, ``date_before``) rather than one
    DateFromToRangeFilter, so that each input has its own label and a bad
    value is reported against the input it came from. A search is ordered by
    relevance unless ``sort=newest``.
    """

    q = SearchFilter(method="applied_by_the_list", label="Search")
    speaker = SpeakerFilter(method="applied_by_the_list", label="Speaker")
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

    @classmethod
    def get_filters(cls):
        return FiltersCopiedShallow(super().get_filters())

    # Built once per filterset class and categories on record, not once a request:
    # making a form class from the filters' fields was most of a FilterSet's cost
    # on a list page's first render. Each form still copies its fields.
    form_classes = {}

    def get_form_class(self):
        key = (type(self), self.form_depends_on())
        form_class = self.form_classes.get(key)
        if form_class is None:
            if len(self.form_classes) >= KEPT_FORM_CLASSES:
                self.form_classes.clear()
            form_class = self.form_classes[key] = super().get_form_class()
        return form_class

    def form_depends_on(self):
        """What this set's form is built from besides its class: nothing."""
        return ()

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


class CategoryField(forms.ChoiceField):
    """A category chosen by its slug among *categories*, cleaned into the Category itself."""

    widget = PlainSelect

    def __init__(self, *, categories, empty_label, **kwargs):
        self.by_slug = {category.slug: category for category in categories}
        choices = [("", empty_label), *((category.slug, category.name) for category in categories)]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        return self.by_slug.get(super().clean(value))


class CategoryFilter(django_filters.Filter):
    """A choice of the categories on record, read once per request (see categories_on_record)."""

    field_class = CategoryField

    @property
    def field(self):
        if not hasattr(self, "_field"):
            request = getattr(self.parent, "request", None)
            self.extra["categories"] = categories_on_record(request)
        return super().field


class ReleaseFilterWithCategory(ReleaseFilter):
    """The same, and a choice of category by slug: for lists that span categories."""

    category = CategoryFilter(method="applied_by_the_list", empty_label="All categories")

    class Meta(ReleaseFilter.Meta):
        fields = ["category"]

    def form_depends_on(self):
        """The categories on record, which the category's choices are."""
        categories = categories_on_record(self.request)
        return tuple((category.pk, category.slug, category.name) for category in categories)


def categories_on_record(request):
    """Return the categories on record (Category.objects.on_record()), as a list by name.

    Found once per content version, held in each process (``HeldPerVersion``),
    and read once per *request* (which a filterset built without one, as an
    email alert's, gives as None): a list page asks it for its filter, its links
    and its facets, and a category's page for the category in its address. The
    answer changes only with the content, whose version also moves on when a
    scheduled release's time comes.
    """
    if request is None:
        return on_record_by_name()
    if not hasattr(request, "categories_on_record"):
        version = version_for(request)
        request.categories_on_record = held_categories.get(
            "categories-on-record", "", on_record_by_name, version
        )
    return request.categories_on_record


def on_record_by_name():
    return list(Category.objects.on_record())


held_categories = HeldPerVersion(most=1)
