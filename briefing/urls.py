"""Top-level URLs: the public briefing room, its JSON API and the staff admin."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import RedirectView

from briefing.health import health
from releases import subscription_views
from releases.corrections import CorrectionsFeed
from releases.page_cache import cached_page
from releases.robots import robots_txt
from releases.sitemaps import SITEMAPS

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="releases:list"), name="home"),
    path("briefing-room/", include("releases.urls")),
    path("api/", include("releases.api")),
    path("corrections/feed/", cached_page(CorrectionsFeed()), name="corrections-feed"),
    path("subscriptions/", subscription_views.subscribe, name="subscribe"),
    path(
        "subscriptions/<str:token>/confirm/",
        subscription_views.confirm,
        name="subscription-confirm",
    ),
    path(
        "subscriptions/<str:token>/unsubscribe/",
        subscription_views.unsubscribe,
        name="subscription-unsubscribe",
    ),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("robots.txt", cached_page(robots_txt), name="robots"),
    path(
        "sitemap.xml",
        cached_page(sitemap_views.index),
        {"sitemaps": SITEMAPS},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]
