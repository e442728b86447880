"""Top-level URLs: the public briefing room, its JSON API and the staff admin."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import RedirectView

from briefing import health
from releases.caching.pages import cached_page
from releases.feeds import CorrectionsFeed
from releases.sitemaps import SITEMAPS, robots_txt

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="releases:list"), name="home"),
    path("briefing-room/", include("releases.urls")),
    path("api/", include("releases.api")),
    path("corrections/feed/", cached_page(CorrectionsFeed()), name="corrections-feed"),
    path("subscriptions/", include("releases.subscriptions.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="ready"),
    path("robots.txt", cached_page(robots_txt), name="robots"),
    path(
        "sitemap.xml",
        cached_page(sitemap_views.index),
        {"sitemaps": SITEMAPS},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(sitemap_views.sitemap, reads=("p",)),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]
