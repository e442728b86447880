"""Public pages: release lists (search, filters, archives, other formats) and release pages."""

import datetime

from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView
from django_filters.views import FilterView

from releases import alternates, cursors, revisions, sharing
from releases.facets import (
    CategoryYearCounts,
    category_counts,
    month_counts,
    newest_first,
    year_counts,
)
from releases.filters import ReleaseDateFilter, ReleaseFilter
from releases.models import Category, Release
from releases.page_cache import remembered
from releases.paging import DeepPaginator
from releases.search import add_highlights, by_relevance, search_plans
from releases.subscriptions import subscription_query

LIST_FIELDS = ("title", "slug", "date", "published_at", "modified_at", "category", "permalink")
DATE_FILTERS = ("date_after", "date_before")


class ReleaseListView(FilterView):
    """The newest releases, 20 a page, narrowed by the filters in the query string."""

    filterset_class = ReleaseFilter
    paginate_by = 20
    template_name = "releases/release_list.html"
    category = None

    def dispatch(self, request, *args, **kwargs):
        if not request.GET.get("q", "").strip():
            return super().dispatch(request, *args, **kwargs)
        with search_plans():
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                # Rendered here, so that any query the template makes is planned alike.
                response.render()
            return response

    def get(self, request, *args, **kwargs):
        # A form submits its empty fields too; send the reader to the same
        # list without them, so that the address is clean to share.
        query = request.GET.copy()
        for key in list(query):
            values = [value for value in query.getlist(key) if value.strip()]
            if values:
                query.setlist(key, values)
            else:
                del query[key]
        if query != request.GET:
            return HttpResponseRedirect(
                f"{request.path}?{query.urlencode()}" if query else request.path
            )
        key = request.GET.get("format")
        if key is not None:
            return self.render_alternate(key)
        return super().get(request, *args, **kwargs)

    def render_alternate(self, key):
        """Answer with the list as a feed, JSON or CSV (``format=atom|rss|json|csv``)."""
        if key not in alternates.FORMATS:
            raise Http404("No such format")
        self.filterset = self.get_filterset(self.get_filterset_class())
        if not self.filterset.usable:
            errors = {name: list(messages) for name, messages in self.filterset.errors.items()}
            return JsonResponse(
                {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
            )
        releases = self.filterset.qs
        if key in alternates.FEED_CLASSES:
            # A feed is read for what is new, whatever the list's order.
            releases = releases.only(*LIST_FIELDS, "body").order_by(*Release._meta.ordering)
            page_url = self.address_with(format=None)
            return alternates.feed_response(
                key, self.request, self.list_title(), page_url, releases
            )
        if key == "csv":
            return alternates.csv_response(self.request, releases, "releases.csv")
        if self.filterset.ranked_by_relevance or self.page_kwarg in self.request.GET:
            _, page, _, _ = self.paginate_queryset(releases, self.paginate_by)
            return alternates.json_response(
                self.request, page, lambda number: self.address_with(page=number)
            )
        return self.json_read_on(releases)

    def json_read_on(self, releases):
        """Answer with a page of the list as JSON, with a cursor to the next (see cursors.py)."""
        try:
            results, cursor = cursors.read_on(
                releases, self.request.GET.get("cursor"), self.paginate_by
            )
        except cursors.CursorError as error:
            return JsonResponse({"errors": {"cursor": [str(error)]}}, status=400)
        count = remembered(self.request, "count", releases.count)
        next_url = self.address_with(cursor=cursor) if cursor else None
        return alternates.cursor_json_response(self.request, count, results, next_url)

    def address_with(self, **changes):
        """Return this list's absolute address with *changes* to its query (None removes)."""
        query = self.request.GET.copy()
        for key, value in changes.items():
            query.pop(key, None)
            if value is not None:
                query[key] = value
        suffix = f"?{query.urlencode()}" if query else ""
        return self.request.build_absolute_uri(f"{self.request.path}{suffix}")

    def list_title(self):
        """A title that says what this list holds, for its feeds."""
        parts = ["Briefing Room"]
        if self.category:
            parts.append(self.category.name)
        if self.kwargs.get("year"):
            parts.append(self.archive_title())
        if search := self.filterset.search_query:
            parts.append(f"“{search}”")
        return ": ".join(parts)

    def get_queryset(self):
        return Release.objects.published().select_related("category").only(*LIST_FIELDS)

    def get_paginator(self, queryset, per_page, **options):
        return DeepPaginator(queryset, per_page, rows=self.releases_by_id, **options)

    def releases_by_id(self, ids):
        """Read the releases with *ids*, as {id: release}, for a page of this list."""
        return Release.objects.select_related("category").only(*LIST_FIELDS).in_bulk(ids)

    def paginate_queryset(self, queryset, page_size):
        """Paginate like ListView, but show the nearest page for a bad page number.

        A search is shown best match first unless the reader asked for the newest.
        """
        if self.filterset.ranked_by_relevance:
            queryset = by_relevance(queryset, self.filterset.search_query)
        paginator = self.get_paginator(queryset, page_size)
        paginator.count = self.list_count(queryset)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            category=self.category,
            categories=Category.objects.all(),
            search=self.filterset.search_query,
            alternate_links=[
                (format, self.address_with(format=format.key, page=None))
                for format in alternates.FORMATS.values()
            ],
            subscribe_fields=self.subscribe_fields(),
            **kwargs,
        )
        if context["search"]:
            add_highlights(context["object_list"], context["search"])
        if self.filterset.usable:
            context.update(self.facets())
        return context

    def list_count(self, queryset):
        """The number of releases in the list: a sum of its facets' counts where they hold it."""
        if self.filterset.usable and not self.date_filtered():
            return sum(line.count for line in self.facets()["year_facet"])
        return remembered(self.request, "count", queryset.count)

    def date_filtered(self):
        return any(self.filter_value(name) for name in DATE_FILTERS)

    def filter_value(self, name):
        """The cleaned value of the filter *name*, or None: call on a usable filterset."""
        return self.filterset.form.cleaned_data.get(name) if self.filterset.is_bound else None

    def subscribe_fields(self):
        """The hidden fields that tell the subscribe form which list it is on."""
        query = QueryDict(subscription_query(self.request.GET, self.category))
        fields = list(query.items())
        if self.category:
            fields.append(("category", self.category.slug))
        return fields

    def facets(self):
        """Counts by category (unless one is chosen by the address) and by year.

        Each counts the list as filtered by everything but its own filter, so
        that the reader sees where else the search would lead.
        """
        if not hasattr(self, "facet_counts"):
            self.facet_counts = remembered(self.request, "facets", self.count_facets)
        return self.facet_counts

    def count_facets(self):
        """Count the facets afresh: see facets()."""
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

    def filtered_without(self, *names):
        data = self.request.GET.copy()
        for name in names:
            data.pop(name, None)
        return self.filterset_class(data, queryset=self.get_queryset()).qs


class CategoryReleaseListView(ReleaseListView):
    """The same list for one category, at /briefing-room/<category>/."""

    filterset_class = ReleaseDateFilter

    def get_queryset(self):
        if self.category is None:
            self.category = get_object_or_404(Category, slug=self.kwargs["category"])
        return super().get_queryset().filter(category=self.category)


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

    def get(self, request, *args, **kwargs):
        if not self.get_queryset().exists():
            raise Http404("No releases in this period")
        return super().get(request, *args, **kwargs)

    def archive_title(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        return f"{datetime.date(year, month, 1):%B %Y}" if month else str(year)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(archive_title=self.archive_title(), **kwargs)
        if self.kwargs.get("month") is None:
            year = self.kwargs["year"]
            context["month_facet"] = remembered(
                self.request, "months", lambda: month_counts(self.object_list, year)
            )
        return context


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
        older, newer = sharing.neighbours(release, neighbourhood)
        changes = release.public_changes().only("history_id", "history_date", "change_note")
        return super().get_context_data(
            **sharing.page_metadata(self.request, release),
            older=older,
            newer=newer,
            changes=list(changes),
            **kwargs,
        )


class ReleaseChangeView(ReleaseAddressMixin, DetailView):
    """What one public correction changed in a release's text, word by word."""

    template_name = "releases/release_change.html"

    def get_context_data(self, **kwargs):
        revision = get_object_or_404(self.object.public_changes(), pk=self.kwargs["revision"])
        return super().get_context_data(
            comparison=revisions.compare(revision.prev_record, revision), **kwargs
        )
