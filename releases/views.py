"""Public pages: release lists with filters, and one release at its permalink path."""

import datetime

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView
from django_filters.views import FilterView

from releases.filters import ReleaseDateFilter, ReleaseFilter
from releases.models import Category, Release
from releases.search import add_highlights

LIST_FIELDS = ("title", "slug", "date", "published_at", "modified_at", "category")


class ReleaseListView(FilterView):
    """The newest releases, 20 a page, narrowed by the filters in the query string."""

    filterset_class = ReleaseFilter
    paginate_by = 20
    template_name = "releases/release_list.html"
    category = None

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
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Release.objects.published().select_related("category").only(*LIST_FIELDS)

    def paginate_queryset(self, queryset, page_size):
        """Paginate like ListView, but show the nearest page for a bad page number."""
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            category=self.category,
            categories=Category.objects.all(),
            search=self.filterset.search_query,
            **kwargs,
        )
        if context["search"]:
            add_highlights(context["object_list"], context["search"])
        return context


class CategoryReleaseListView(ReleaseListView):
    """The same list for one category, at /briefing-room/<category>/."""

    filterset_class = ReleaseDateFilter

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["category"])
        return super().get_queryset().filter(category=self.category)


class ReleaseDetailView(DetailView):
    """One release, at the path of its original permalink."""

    context_object_name = "release"

    def get_object(self, queryset=None):
        try:
            date = datetime.date(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
        except ValueError:
            raise Http404("No such date") from None
        return get_object_or_404(
            Release.objects.published().select_related("category"),
            category__slug=self.kwargs["category"],
            date=date,
            slug=self.kwargs["slug"],
        )
