"""Public addresses of the briefing room, mirroring the original permalinks."""

from django.urls import path, register_converter

from releases import views
from releases.caching.pages import cached_page
from releases.canonical import cached_list
from releases.converters import FixedWidthNumberConverter, YearConverter

register_converter(YearConverter, "yyyy")
register_converter(FixedWidthNumberConverter, "nn")

app_name = "releases"

urlpatterns = [
    path("", cached_list(views.ReleaseListView.as_view()), name="list"),
    # Years come before categories: "2021" would otherwise read as a category.
    path("<yyyy:year>/", cached_list(views.ArchiveListView.as_view()), name="year"),
    path("<yyyy:year>/<nn:month>/", cached_list(views.ArchiveListView.as_view()), name="month"),
    path("<slug:category>/", cached_list(views.CategoryReleaseListView.as_view()), name="category"),
    path(
        "<slug:category>/<yyyy:year>/",
        cached_list(views.CategoryArchiveListView.as_view()),
        name="category_year",
    ),
    path(
        "<slug:category>/<yyyy:year>/<nn:month>/",
        cached_list(views.CategoryArchiveListView.as_view()),
        name="category_month",
    ),
    path(
        "<slug:category>/<yyyy:year>/<nn:month>/<nn:day>/<slug:slug>/",
        cached_page(views.ReleaseDetailView.as_view()),
        name="detail",
    ),
    path(
        "<slug:category>/<yyyy:year>/<nn:month>/<nn:day>/<slug:slug>/changes/<int:revision>/",
        cached_page(views.ReleaseChangeView.as_view()),
        name="change",
    ),
]
