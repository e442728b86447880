"""Public pages: release lists (search, filters, archives, other formats) and release pages."""

import dataclasses
import datetime

from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import DetailView
from django_filters.views import FilterView

from releases import metadata, revisions
from releases.caching.version import version_for
from releases.canonical import canonical_query, same_query
from releases.exporting import release_text
from releases.facets import FacetCount, ListFacetsMixin, month_counts
from releases.filters import ReleaseFilter, ReleaseFilterWithCategory, categories_on_record
from releases.formats import FORMATS, LIST_FIELDS, ListFormatsMixin
from releases.models import Category, Release
from releases.pagination import DeepPaginator
from releases.search.engine import SearchResults, search_for
from releases.search.highlights import add_highlights
from releases.search.related import related_releases
from releases.search.suggestions import HANDFUL, suggested_search
from releases.subscriptions.alerts import subscription_query


class NoSuchPage(Exception):
    """The page number asked for is not a page of the list."""


class ReleaseListView(ListFormatsMixin, ListFacetsMixin, FilterView):
    """The newest releases, 20 a page, narrowed by the filters in the query string."""

    filterset_class = ReleaseFilterWithCategory
    paginate_by = 20
    template_name = "releases/release_list.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.category = self.chosen_category()

    def chosen_category(self):
        """The category the address names, or None: this list has none."""
        return None

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        if self.filterset.usable:
            json = self.requested_format() == "json"
            query = canonical_query(self.filterset, request.GET, cursor=json)
            if not same_query(request.GET, query):
                address = f"{request.path}?{query.urlencode()}" if query else request.path
                return HttpResponseRedirect(address)
        key = self.requested_format()
        try:
            response = self.render_list() if key is None else self.render_format(key)
        except NoSuchPage:
            return self.no_such_page(key)
        if self.filterset.search_query and search_for(request).releases_to_go:
            # Found in a search index still catching up: not an answer to keep.
            response["Cache-Control"] = "no-store"
        return response

    def requested_format(self):
        """The format asked for (``format=``), or None for the page itself."""
        return self.request.GET.get("format")

    def render_list(self):
        """Render the page: the list, or why its filters cannot be applied (a 400)."""
        usable = self.filterset.usable
        self.object_list = self.filterset.qs if usable else self.filterset.queryset.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context, status=200 if usable else 400)

    def no_such_page(self, key):
        """Answer a page number the list does not have with a 404 that leads to its first page."""
        first_page = self.address_with(page=None, cursor=None)
        if key is not None:
            reason = f"This list has no such page; its first page is {first_page}"
            return JsonResponse({"errors": {"page": [reason]}}, status=404)
        context = {"first_page": first_page, "category": self.category}
        return TemplateResponse(self.request, "releases/no_such_page.html", context, status=404)

    def get_queryset(self):
        releases = Release.objects.published().select_related("category").only(*LIST_FIELDS)
        if self.category is not None:
            releases = releases.filter(category=self.category)
        return releases

    def get_paginator(self, queryset, per_page, **options):
        return DeepPaginator(queryset, per_page, rows=self.releases_by_id, **options)

    def releases_by_id(self, ids):
        """Read the public releases among *ids*, as {id: release}, for a page of this list.

        A search index still catching up may name releases since deleted,
        withdrawn or made drafts: they are left out here, as the database has them.
        """
        return (
            Release.objects.published().select_related("category").only(*LIST_FIELDS).in_bulk(ids)
        )

    def paginate_queryset(self, queryset, page_size):
        """Paginate like ListView; a page number the list lacks raises NoSuchPage.

        A search's page comes from the search index, best match first unless
        the reader asked for the newest.
        """
        if self.filterset.search_query:
            queryset = SearchResults(
                search_for(self.request),
                self.search_criteria(),
                newest_first=not self.filterset.ranked_by_relevance,
            )
        paginator = self.get_paginator(queryset, page_size)
        paginator.count = self.list_count(queryset)
        try:
            page = paginator.page(self.request.GET.get(self.page_kwarg) or 1)
        except InvalidPage:
            raise NoSuchPage from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            category=self.category,
            categories=categories_on_record(self.request),
            search=self.filterset.search_query,
            alternate_links=[
                (format, self.address_with(format=format.key, page=None))
                for format in FORMATS.values()
            ],
            subscribe_fields=self.subscribe_fields(),
            **kwargs,
        )
        if context["search"]:
            search = search_for(self.request)
            add_highlights(search, context["object_list"], context["search"])
            context["search_releases_to_go"] = search.releases_to_go
            # A search is only there when the filters are valid, and so counted.
            found = context["paginator"].count
            if found <= HANDFUL:
                context["suggestion"] = self.kept(
                    "suggested-search",
                    lambda: suggested_search(search, self.search_criteria(), found),
                )
        if self.filterset.usable:
            context.update(self.facets)
        return context

    def subscribe_fields(self):
        """The hidden fields that tell the subscribe form which list it is on."""
        query = QueryDict(subscription_query(self.request.GET, self.category))
        fields = list(query.items())
        if self.category:
            fields.append(("category", self.category.slug))
        return fields


class CategoryReleaseListView(ReleaseListView):
    """The same list for one category, at /briefing-room/<category>/."""

    filterset_class = ReleaseFilter

    def chosen_category(self):
        return get_object_or_404(Category.objects.on_record(), slug=self.kwargs["category"])


class ArchiveMixin:
    """Narrow a list to the year (and month) in its address: /briefing-room/2021/06/.

    A period with no releases is a 404, so that crawlers do not walk empty years.
    """

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        queryset = super().get_queryset().filter(date__year=year)
        if month is not None:
            if not 1 <= month <= 12:
                raise Http404("No such month")
            queryset = queryset.filter(date__month=month)
        return queryset

    def period(self):
        """Return (first day, day after the last) of the year or month in the address."""
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if month is None:
            return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        start = datetime.date(year, month, 1)
        return start, (start + datetime.timedelta(days=31)).replace(day=1)

    def neighbouring_periods(self):
        """Return (previous, next): the nearest year or month either side that has
        releases, each as (its name, its address), or None."""
        start, end = self.period()
        releases = super().get_queryset()
        before = releases.filter(date__lt=start).order_by("-date").values_list("date").first()
        after = releases.filter(date__gte=end).order_by("date").values_list("date").first()
        return tuple(self.period_link(found[0]) if found else None for found in (before, after))

    def period_link(self, date):
        """Return (name, address) of the year or month, like this page's, holding *date*."""
        by_month = self.kwargs.get("month") is not None
        name = f"{date:%B %Y}" if by_month else str(date.year)
        arguments = [date.year, date.month] if by_month else [date.year]
        view = "month" if by_month else "year"
        if self.category is not None:
            view, arguments = f"category_{view}", [self.category.slug, *arguments]
        return name, reverse(f"releases:{view}", args=arguments)

    def get(self, request, *args, **kwargs):
        if not self.get_queryset().exists():
            raise Http404("No releases in this period")
        return super().get(request, *args, **kwargs)

    def search_criteria(self, *without):
        """The list's search criteria, within the year or month in the address."""
        criteria = super().search_criteria(*without)
        start, end = self.period()
        last = end - datetime.timedelta(days=1)
        return dataclasses.replace(
            criteria,
            first_day=max(criteria.first_day or start, start),
            last_day=min(criteria.last_day or last, last),
        )

    def archive_title(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        return f"{datetime.date(year, month, 1):%B %Y}" if month else str(year)

    def get_context_data(self, **kwargs):
        previous_period, next_period = self.neighbouring_periods()
        context = super().get_context_data(
            archive_title=self.archive_title(),
            previous_period=previous_period,
            next_period=next_period,
            **kwargs,
        )
        if self.kwargs.get("month") is None and self.filterset.usable:
            year = self.kwargs["year"]
            context["month_facet"] = self.kept("months", lambda: self.month_counts(year))
        return context

    def month_counts(self, year):
        """A FacetCount per month of *year* with releases in the list."""
        if not self.filterset.search_query:
            return month_counts(self.object_list, year)
        months = search_for(self.request).counts_by(self.search_criteria(), "month")
        return [
            FacetCount(month, f"{datetime.date(year, month, 1):%B}", months[month])
            for month in sorted(months)
        ]


class ArchiveListView(ArchiveMixin, ReleaseListView):
    """All releases of a year or a month."""


class CategoryArchiveListView(ArchiveMixin, CategoryReleaseListView):
    """One category's releases of a year or a month."""


class ReleaseAddressMixin:
    """Find the release at the address in the URL: published, or withdrawn with a notice."""

    context_object_name = "release"

    def get_object(self, queryset=None):
        try:
            date = datetime.date(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
        except ValueError:
            raise Http404("No such date") from None
        return get_object_or_404(
            Release.objects.on_record().select_related("category"),
            category__slug=self.kwargs["category"],
            date=date,
            slug=self.kwargs["slug"],
        )


class ReleaseDetailView(ReleaseAddressMixin, DetailView):
    """One release, at the path of its original permalink."""

    def get_context_data(self, **kwargs):
        release = self.object
        same_category = Release.objects.published().filter(category=release.category_id)
        neighbourhood = same_category.select_related("category").only(
            "title", "slug", "date", "published_at", "category__slug", "category__name"
        )
        older, newer = metadata.neighbours(release, neighbourhood)
        changes = release.public_changes().only("history_id", "history_date", "change_note")
        return super().get_context_data(
            **metadata.page_metadata(self.request, release),
            older=older,
            newer=newer,
            changes=list(changes),
            related=related_releases(release, version_for(self.request)),
            **kwargs,
        )


class ReleaseSourceView(ReleaseAddressMixin, DetailView):
    """One release as Markdown, in the file format the archive and the importer use."""

    def render_to_response(self, context, **response_kwargs):
        return HttpResponse(release_text(self.object), content_type="text/markdown; charset=utf-8")


class ReleaseChangeView(ReleaseAddressMixin, DetailView):
    """What one public correction changed in a release's text, word by word."""

    template_name = "releases/release_change.html"

    def get_context_data(self, **kwargs):
        revision = get_object_or_404(self.object.public_changes(), pk=self.kwargs["revision"])
        return super().get_context_data(
            comparison=revisions.compare(revision.prev_record, revision), **kwargs
        )
