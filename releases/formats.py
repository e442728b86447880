"""A list of releases in other formats: JSON and CSV here, Atom and RSS in feeds.py.

Every list, whatever its search and filters, answers in each format at its
own address with ``format=`` added; so any search is a feed to subscribe to,
data to fetch, or a spreadsheet to download.
"""

import csv
import dataclasses

from django.http import HttpResponseNotFound, JsonResponse, StreamingHttpResponse

from releases import pagination
from releases.feeds import FEED_TYPES, ListFeed
from releases.lists import LIST_FIELDS

CSV_COLUMNS = ["id", "title", "category", "date", "published_at", "modified_at", "url", "permalink"]


@dataclasses.dataclass(frozen=True)
class Format:
    """One alternate format: its ``format=`` value, media type and name for people."""

    key: str
    media_type: str
    name: str


FORMATS = {
    format.key: format
    for format in [
        Format("atom", "application/atom+xml", "Atom feed"),
        Format("rss", "application/rss+xml", "RSS feed"),
        Format("json", "application/json", "JSON"),
        Format("csv", "text/csv", "CSV"),
    ]
}


def absolute(request, path):
    return request.build_absolute_uri(path)


def release_data(request, release):
    """The JSON of a release in a list."""
    return {
        "id": release.pk,
        "title": release.title,
        "category": {"slug": release.category.slug, "name": release.category.name},
        "date": release.date.isoformat(),
        "published_at": release.published_at.isoformat(),
        "modified_at": release.modified_at.isoformat() if release.modified_at else None,
        "url": absolute(request, release.get_absolute_url()),
        "permalink": release.permalink,
    }


def json_response(request, page, page_url_for):
    """Return a page of a list as JSON: its count, the next and previous pages, the releases."""
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": page_url_for(page.next_page_number()) if page.has_next() else None,
            "previous": page_url_for(page.previous_page_number()) if page.has_previous() else None,
            "results": [release_data(request, release) for release in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def cursor_json_response(request, count, releases, next_url):
    """Return a stretch of a list as JSON: its count, the link to read on, the releases."""
    return JsonResponse(
        {
            "count": count,
            "next": next_url,
            "results": [release_data(request, release) for release in releases],
        },
        json_dumps_params={"ensure_ascii": False},
    )


class Echo:
    """A file-like object whose write() returns what it is given, for streaming CSV."""

    def write(self, value):
        return value


def csv_response(request, releases, filename):
    """Return every release of a list as CSV, streamed a row at a time."""
    writer = csv.writer(Echo())
    # Asked once in the view, before the download starts: a database that does not
    # answer is then an outage answered with a 503 (DatabaseOutageMiddleware), not
    # a download that stops after its header.
    releases.exists()

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for release in releases.iterator(chunk_size=2000):
            data = release_data(request, release)
            yield writer.writerow(
                [
                    data["id"],
                    data["title"],
                    release.category.name,
                    data["date"],
                    data["published_at"],
                    data["modified_at"] or "",
                    data["url"],
                    data["permalink"],
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ListFormatsMixin:
    """Answer a list as a feed, JSON or CSV (``format=atom|rss|json|csv``).

    Shared by the list pages and the JSON API, so that one query string gives
    the same releases in every format: each reads them from the view's
    ReleaseList (``self.list``).
    """

    def render_format(self, key):
        if key not in FORMATS:
            formats = ", ".join(FORMATS)
            return HttpResponseNotFound(
                f"No format {key!r}: this list comes as {formats}.\n",
                content_type="text/plain; charset=utf-8",
            )
        if not self.list.usable:
            return filter_errors(self.filterset)
        if key != "json" and self.list.paging("page") is not None:
            # A feed or CSV reads the list whatever the page; a page the list lacks
            # is none the less a 404, as on the page, not one more copy to keep.
            self.paginate_queryset(self.list.results(), self.paginate_by)
        releases = self.list.releases()
        if key in FEED_TYPES:
            # A feed is read for what is new, whatever the list's order.
            releases = releases.only(*LIST_FIELDS, "rendered_summary", "rendered_under")
            feed = ListFeed(key, self.list_title(), self.list.address_with(format=None), releases)
            return feed(self.request)
        if key == "csv":
            return csv_response(self.request, releases, "releases.csv")
        if self.list.ranked_by_relevance or self.list.paging("page") is not None:
            if self.list.paging("cursor") is not None:
                # Read by page, where a cursor means nothing: one address per query.
                message = "Not used with page or with a search by best match: leave it out."
                return JsonResponse({"errors": {"cursor": [message]}}, status=400)
            _, page, _, _ = self.paginate_queryset(self.list.results(), self.paginate_by)
            return json_response(
                self.request, page, lambda number: self.list.address_with(page=number)
            )
        return self.json_read_on(releases)

    def json_read_on(self, releases):
        """Answer with a stretch of the list as JSON, with a cursor to the next."""
        try:
            results, cursor = pagination.read_on(
                releases, self.list.paging("cursor"), self.paginate_by
            )
        except pagination.CursorError as error:
            return JsonResponse({"errors": {"cursor": [str(error)]}}, status=400)
        count = self.list.kept("count", releases.count)
        next_url = self.list.address_with(cursor=cursor) if cursor else None
        return cursor_json_response(self.request, count, results, next_url)

    def list_title(self):
        """A title that says what this list holds, for its feeds."""
        parts = ["Briefing Room"]
        if self.category:
            parts.append(self.category.name)
        if self.kwargs.get("year"):
            parts.append(self.archive_title())
        if search := self.list.search:
            parts.append(search.quoted)
        if self.list.usable and (speaker := self.list.value("speaker")):
            parts.append(f"said by {speaker.name}" if search else speaker.name)
        return ": ".join(parts)


def filter_errors(filterset):
    """Return the 400 that says, field by field, why *filterset*'s values are refused."""
    errors = {name: list(messages) for name, messages in filterset.errors.items()}
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
