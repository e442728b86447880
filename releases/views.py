"""Public pages: release lists (search, filters, archives, other formats) and release pages."""

import datetime
import functools

from django.core.paginator import InvalidPage
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import DetailView
from django_filters.views import FilterView

from releases import citations, metadata, revisions
from releases.caching.version import version_for
from releases.db import page_reads
from releases.exporting import release_text, withdrawal_notice
from releases.facets import linked_facets
from releases.filters import ReleaseFilter, ReleaseFilterWithCategory, categories_on_record
from releases.formats import FORMATS, ListFormatsMixin
from releases.lists import ListedReleases, Period, ReleaseList, page_releases, page_rows
from releases.models import Release
from releases.pagination import DeepPaginator
from releases.record_dates import FIRST_YEAR, LAST_YEAR
from releases.search.engine import search_for
from releases.search.highlights import OPENING_READ, add_highlights
from releases.search.related import related_releases
from releases.search.suggestions import HANDFUL, suggested_search
from releases.search.turn_snippets import add_turn_snippets
from releases.timeline import timeline


class NoSuchPage(Exception):
    """The page number asked for is not a page of the list."""


class ReleaseListView(ListFormatsMixin, FilterView):
    """The newest releases, 20 a page, narrowed by the filters in the query string.

    Everything the address asks for is read once, into a ReleaseList
    (``lists.py``): the page and every other format ask it.
    """

    filterset_class = ReleaseFilterWithCategory
    paginate_by = 20
    template_name = "releases/release_list.html"
    context_object_name = "release_list"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.category = self.chosen_category()

    def chosen_category(self):
        """The category the address names, or None: this list has none."""
        return None

    def period(self):
        """The year or month the address names, or None: this list spans them all."""
        return None

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.list = ReleaseList(
            self.filterset, category=self.category, period=self.period(), request=request
        )
        key = self.requested_format()
        if self.list.usable:
            address = self.list.canonical_address(cursor=key == "json")
            if address is not None:
                # A slug given up has moved for good, as the speaker's page has.
                moved = self.list.speaker_moved()
                return (HttpResponsePermanentRedirect if moved else HttpResponseRedirect)(address)
        try:
            response = self.render_list() if key is None else self.render_format(key)
        except NoSuchPage:
            return self.no_such_page(key)
        if self.list.catching_up():
            # Found in a search index still catching up: the content of a version
            # gone by, kept as a copy of it (or, if none may be served, not kept):
            # every reader rendering it again until the index caught up would
            # make each wait for their own render.
            version = self.list.version_answered()
            if version is None:
                response["Cache-Control"] = "no-store"
            else:
                response.content_version = version
        return response

    def requested_format(self):
        """The format asked for (``format=``), or None for the page itself."""
        return self.list.paging("format")

    def render_list(self):
        """Render the page: the list, or why its filters cannot be applied (a 400)."""
        usable = self.list.usable
        self.object_list = self.list.results() if usable else Release.objects.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context, status=200 if usable else 400)

    def no_such_page(self, key):
        """Answer a page number the list does not have with a 404 that leads to its first page."""
        first_page = self.list.address_with(page=None, cursor=None)
        if key is not None:
            reason = f"This list has no such page; its first page is {first_page}"
            return JsonResponse({"errors": {"page": [reason]}}, status=404)
        context = {"first_page": first_page, "category": self.category}
        return TemplateResponse(self.request, "releases/no_such_page.html", context, status=404)

    def get_queryset(self):
        # The FilterSet validates the query string; the ReleaseList applies it.
        return Release.objects.none()

    def get_paginator(self, queryset, per_page, **options):
        window = None
        if isinstance(queryset, ListedReleases) and self.requested_format() is None:
            # A page of a list (not a search's, nor in JSON) reads its ids and
            # rows in one statement.
            window = functools.partial(queryset.window, categories=self.categories())
        return DeepPaginator(queryset, per_page, rows=self.releases_by_id, window=window, **options)

    def releases_by_id(self, ids):
        """Read the public releases among *ids*, as {id: release}, for a page of this
        list (``page_rows``). A search's page reads its bodies' openings with them, for
        its snippets (one scoped to a speaker reads that person's turns instead); a
        page in JSON reads more of each (``page_releases``)."""
        if self.requested_format() is not None:
            return page_releases(ids, self.categories())
        opening = 0
        if self.list.search is not None and self.list.value("speaker") is None:
            opening = OPENING_READ
        return page_rows(ids, self.categories(), opening=opening)

    def paginate_queryset(self, queryset, page_size):
        """Paginate the list's results like ListView; a page number the list lacks
        raises NoSuchPage."""
        paginator = self.get_paginator(queryset, page_size)
        paginator.count = self.list.count()
        try:
            page = paginator.page(self.list.paging("page") or 1)
        except InvalidPage:
            raise NoSuchPage from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            category=self.category,
            categories=self.categories(),
            search=self.list.search,
            speaker=self.list.value("speaker") if self.list.usable else None,
            alternate_links=self.alternate_links(),
            subscribe_fields=self.subscribe_fields(),
            **kwargs,
        )
        if context["search"]:
            self.add_search_context(context)
        elif self.list.usable and self.list.indexed:
            context["search_releases_to_go"] = search_for(self.request).releases_to_go
        if self.list.usable:
            context.update(linked_facets(self.list.facets, self.request.GET))
            context["timeline"] = timeline(self.list.facets["month_counts"], self.request.GET)
        return context

    def add_search_context(self, context):
        """Mark the page's matches, say whether search is catching up, and offer a
        correction where the search finds a handful."""
        search = search_for(self.request)
        if speaker := self.list.value("speaker"):
            add_turn_snippets(context["object_list"], context["search"], speaker.pk)
        else:
            add_highlights(search, context["object_list"], context["search"])
        context["search_releases_to_go"] = search.releases_to_go
        # A search is only there when the filters are valid, and so counted.
        found = context["paginator"].count
        if found <= HANDFUL:
            context["suggestion"] = self.list.kept(
                "suggested-search", lambda: suggested_search(search, self.list.criteria(), found)
            )

    def categories(self):
        """The categories on record, by name, read once for this request."""
        return categories_on_record(self.request)

    def alternate_links(self):
        """The list in each other format: its media type, its name and its address.

        As dicts, which the template reads at the first try: it asks any other
        object for a key first, and a refusal costs several times a lookup.
        """
        return [
            {
                "media_type": format.media_type,
                "name": format.name,
                "url": self.list.address_with(format=format.key, page=None),
            }
            for format in FORMATS.values()
        ]

    def subscribe_fields(self):
        """The hidden fields that tell the subscribe form which list it is on."""
        query = QueryDict(self.list.alert_query())
        fields = list(query.items())
        if self.category:
            fields.append(("category", self.category.slug))
        return fields


class CategoryReleaseListView(ReleaseListView):
    """The same list for one category, at /briefing-room/<category>/."""

    filterset_class = ReleaseFilter

    def chosen_category(self):
        slug = self.kwargs["category"]
        for category in categories_on_record(self.request):
            if category.slug == slug:
                return category
        raise Http404("No category on record at this address")


class ArchiveMixin:
    """Narrow a list to the year (and month) in its address: /briefing-room/2021/06/.

    A period with no releases is a 404, so that crawlers do not walk empty years.
    """

    def period(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if month is not None and not 1 <= month <= 12:
            raise Http404("No such month")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            # No release has a date there (record_dates.py); 9999's last month has no end.
            raise Http404("No releases in this period")
        return Period.of(year, month)

    def in_address(self):
        """The releases of the category in the address, if any, in every period."""
        releases = Release.objects.published()
        if self.category is not None:
            releases = releases.filter(category=self.category)
        return releases

    def neighbouring_periods(self):
        """Return (previous, next): the nearest year or month either side that has
        releases, each as (its name, its address), or None."""
        period, releases = self.list.period, self.in_address()
        before = releases.filter(date__lt=period.first_day).order_by("-date")
        after = releases.filter(date__gt=period.last_day).order_by("date")
        found = (before.values_list("date").first(), after.values_list("date").first())
        return tuple(self.period_link(date[0]) if date else None for date in found)

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
        period = self.period()
        within = self.in_address().filter(date__range=(period.first_day, period.last_day))
        if not within.exists():
            raise Http404("No releases in this period")
        return super().get(request, *args, **kwargs)

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
        if self.kwargs.get("month") is None and self.list.usable:
            context["month_facet"] = self.list.month_facet(self.kwargs["year"])
        return context


class ArchiveListView(ArchiveMixin, ReleaseListView):
    """All releases of a year or a month."""


class CategoryArchiveListView(ArchiveMixin, CategoryReleaseListView):
    """One category's releases of a year or a month."""


class ReleaseAddressMixin:
    """Find the release at the address in the URL: published, or withdrawn with a notice."""

    context_object_name = "release"
    # The fields this page never reads, left unread.
    deferred = ()

    def get_object(self, queryset=None):
        try:
            date = datetime.date(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
        except ValueError:
            raise Http404("No such date") from None
        category, slug = self.kwargs["category"], self.kwargs["slug"]
        release = page_reads.release_at(category, date, slug, self.deferred)
        if release is None:
            raise Http404("No release is on record at this address")
        return release


class ReleaseDetailView(ReleaseAddressMixin, DetailView):
    """One release, at the path of its original permalink."""

    # The page shows the body's HTML, never its text, which only the index reads.
    deferred = ("rendered_text",)

    def get_context_data(self, **kwargs):
        release = self.object
        older, newer = page_reads.neighbours(release)
        cited, styles = citations.cite(release)
        return super().get_context_data(
            **metadata.page_metadata(self.request, release),
            cited=cited,
            citations=styles,
            older=older,
            newer=newer,
            changes=page_reads.public_changes(release),
            related=related_releases(release, version_for(self.request)),
            **kwargs,
        )


class ReleaseSourceView(ReleaseAddressMixin, DetailView):
    """One release as Markdown, in the file format the archive and the importer use; a
    withdrawn release's says so atop its body, as its page does."""

    def render_to_response(self, context, **response_kwargs):
        text = release_text(self.object, notice=withdrawal_notice(self.object))
        return HttpResponse(text, content_type="text/markdown; charset=utf-8")


class ReleaseChangeView(ReleaseAddressMixin, DetailView):
    """What one public correction changed in a release's text, word by word."""

    template_name = "releases/release_change.html"

    def get_context_data(self, **kwargs):
        revision = get_object_or_404(self.object.public_changes(), pk=self.kwargs["revision"])
        return super().get_context_data(
            comparison=revisions.compare(revision.prev_record, revision), **kwargs
        )
