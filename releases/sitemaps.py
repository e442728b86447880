"""sitemap.xml and robots.txt: what crawlers should read, and what they should leave."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import Coalesce, ExtractYear
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from releases.models import Category, Release


class ReleaseSitemap(Sitemap):
    """Every release readers can see, oldest first so that pages of the sitemap stay put."""

    limit = 10_000

    def items(self):
        return (
            Release.objects.published()
            .select_related("category")
            .only("slug", "date", "published_at", "modified_at", "category__slug")
            .order_by("pk")
        )

    def lastmod(self, release):
        return release.modified_at or release.published_at

    def get_latest_lastmod(self):
        # One aggregate, where Django's default would load every release.
        latest = Coalesce("modified_at", "published_at")
        return Release.objects.published().aggregate(latest=Max(latest))["latest"]


class ListSitemap(Sitemap):
    """The briefing room, each category, and each year's archive."""

    changefreq = "daily"

    def items(self):
        published = Release.objects.published()
        years = published.annotate(year=ExtractYear("date")).values_list("year", flat=True)
        categories = Category.objects.filter(releases__in=published).distinct()
        return [
            reverse("releases:list"),
            *(category.get_absolute_url() for category in categories.order_by("slug")),
            *(reverse("releases:year", args=[year]) for year in years.distinct().order_by("year")),
        ]

    def location(self, path):
        return path


SITEMAPS = {"releases": ReleaseSitemap, "lists": ListSitemap}


@require_GET
def robots_txt(request):
    """Crawl the releases and lists, not the admin, the API or endless query strings."""
    sitemap = request.build_absolute_uri(reverse("sitemap-index"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        # Searches, filters and formats make endless addresses; the sitemap
        # lists every release and archive instead.
        "Disallow: /*?",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
