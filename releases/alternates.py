"""A list of releases in other formats: Atom and RSS feeds, JSON and CSV.

Every list, whatever its search and filters, answers in each format at its
own address with ``format=`` added; so any search is a feed to subscribe to,
data to fetch, or a spreadsheet to download.
"""

import csv
import dataclasses

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import feedgenerator
from django.utils.http import http_date

from releases.sharing import summary

FEED_ITEMS = 50
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
FEED_CLASSES = {"atom": feedgenerator.Atom1Feed, "rss": feedgenerator.Rss201rev2Feed}


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


def feed_response(key, request, title, page_url, releases):
    """Return the Atom or RSS feed (*key*) of *releases*, the newest FEED_ITEMS of a list.

    Each entry carries the release's opening words, and links to the release
    for the rest. Feed readers ask again every few minutes; with full text a
    feed ran to a megabyte, which costs them and this server more than a
    hundred list pages do.
    """
    releases = list(releases[:FEED_ITEMS])
    feed = FEED_CLASSES[key](
        title=title,
        link=page_url,
        description=f"{title}: statements, briefings, speeches and actions as they are issued.",
        language="en",
        feed_url=request.build_absolute_uri(),
        feed_guid=request.build_absolute_uri(),
        author_name="The Press Office",
    )
    for release in releases:
        feed.add_item(
            title=release.title,
            link=absolute(request, release.get_absolute_url()),
            description=summary(release),
            unique_id=release.permalink,
            unique_id_is_permalink=False,
            pubdate=release.published_at,
            updateddate=release.modified_at or release.published_at,
            categories=[release.category.name],
        )
    response = HttpResponse(feed.writeString("utf-8"), content_type=feed.content_type)
    response["Last-Modified"] = http_date(feed.latest_post_date().timestamp())
    return response


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
