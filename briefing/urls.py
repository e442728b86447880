"""Top-level URLs: the public briefing room, its JSON API and the staff admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="releases:list"), name="home"),
    path("briefing-room/", include("releases.urls")),
    path("api/", include("releases.api")),
    path("admin/", admin.site.urls),
]
