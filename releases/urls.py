"""Public addresses of the briefing room, mirroring the original permalinks."""

from django.urls import path, register_converter

from releases import views
from releases.converters import FixedWidthNumberConverter, YearConverter

register_converter(YearConverter, "yyyy")
register_converter(FixedWidthNumberConverter, "nn")

app_name = "releases"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("<slug:category>/", views.CategoryReleaseListView.as_view(), name="category"),
    path(
        "<slug:category>/<yyyy:year>/<nn:month>/<nn:day>/<slug:slug>/",
        views.ReleaseDetailView.as_view(),
        name="detail",
    ),
]
