"""Every feed of the briefing room, through Django's syndication framework.

Any list, whatever its search and filters, is a feed at its own address with
``format=atom`` or ``format=rss``; the corrections feed follows each public
correction to a release.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from releases.models import Release, change_path

FEED_ITEMS = 50
FEED_TYPES = {"atom": Atom1Feed, "rss": Rss201rev2Feed}


class IssuedFeed(Feed):
    """A feed whose author is who issues the releases (``BRIEFING_PUBLISHER``)."""

    def author_name(self):
        return settings.BRIEFING_PUBLISHER


class ListFeed(IssuedFeed):
    """The newest FEED_ITEMS releases of one list, as Atom or RSS.

    Each entry carries the release's opening words and links to the release
    for the rest: feed readers ask again every few minutes, and a feed of
    whole bodies costs them and this server more than many list pages do.
    """

    def __init__(self, key, title, link, releases):
        self.feed_type = FEED_TYPES[key]
        self.title, self.link, self.releases = title, link, releases
        self.description = (
            f"{title}: statements, briefings, speeches and actions as they are issued."
        )

    def get_object(self, request, *args, **kwargs):
        return request

    def feed_url(self, request):
        return request.build_absolute_uri()

    def feed_guid(self, request):
        return request.build_absolute_uri()

    def items(self):
        return self.releases[:FEED_ITEMS]

    def item_title(self, release):
        return release.title

    def item_description(self, release):
        return release.summary

    def item_guid(self, release):
        return release.permalink

    item_guid_is_permalink = False

    def item_pubdate(self, release):
        return release.published_at

    def item_updateddate(self, release):
        return release.modified_at or release.published_at

    def item_categories(self, release):
        return [release.category.name]


class CorrectionsFeed(IssuedFeed):
    """The newest public corrections, each with its note and a link to what changed."""

    feed_type = Atom1Feed
    title = "Briefing Room: corrections"
    subtitle = (
        "Each correction to a published release, with its note and a link to the words it changed."
    )

    def link(self):
        return reverse("releases:list")

    def items(self):
        published = Release.objects.published().values("pk")
        changes = list(
            Release.history.exclude(change_note="")
            .filter(id__in=published)
            .only("history_id", "history_date", "change_note", "id")
            .order_by("-history_date", "-history_id")[:FEED_ITEMS]
        )
        releases = Release.objects.select_related("category").only(
            "title", "slug", "date", "category__slug", "category__name"
        )
        releases = releases.in_bulk({change.id for change in changes})
        return [(change, releases[change.id]) for change in changes]

    def item_title(self, item):
        return f"Correction: {item[1].title}"

    def item_description(self, item):
        return item[0].change_note

    def item_link(self, item):
        change, release = item
        return change_path(release, change.pk)

    def item_pubdate(self, item):
        return item[0].history_date

    def item_updateddate(self, item):
        return item[0].history_date

    def item_categories(self, item):
        return [item[1].category.name]
