"""The corrections feed: one Atom entry for each public correction to a release."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from releases.models import Release, change_path

FEED_LENGTH = 50


class CorrectionsFeed(Feed):
    """The newest public corrections, each with its note and a link to what changed."""

    feed_type = Atom1Feed
    title = "Briefing Room: corrections"
    subtitle = "Each correction to a published release, with its note and the words it changed."

    def link(self):
        return reverse("releases:list")

    def items(self):
        published = Release.objects.published().values("pk")
        changes = list(
            Release.history.exclude(change_note="")
            .filter(id__in=published)
            .only("history_id", "history_date", "change_note", "id")
            .order_by("-history_date", "-history_id")[:FEED_LENGTH]
        )
        releases = Release.objects.select_related("category").in_bulk({c.id for c in changes})
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
