"""Public addresses of the briefing room, mirroring the original permalinks."""

from django.urls import path, register_converter

from releases import views
from releases.caching.pages import cached_page
from releases.converters import FixedWidthNumberConverter, YearConverter
from releases.lists import cached_list_page
from releases.transcripts.views import SpeakerIndexView, SpeakerView

register_converter(YearConverter, "yyyy")
register_converter(FixedWidthNumberConverter, "nn")

app_name = "releases"

# A release's address, as on the original site.
RELEASE = "<slug:category>/<yyyy:year>/<nn:month>/<nn:day>/<slug:slug>/"


def cached_path(route, view_class, name):
    """Route *route* to *view_class*, whose pages are served from the page cache."""
    return path(route, cached_page(view_class.as_view()), name=name)


def list_path(route, view_class, name):
    """Route *route* to the list *view_class*, filed in the page cache by its filters."""
    return path(route, cached_list_page(view_class.as_view()), name=name)


urlpatterns = [
    list_path("", views.ReleaseListView, "list"),
    # Speakers come before categories: "speakers" would otherwise read as a category.
    cached_path("speakers/", SpeakerIndexView, "speakers"),
    path(
        "speakers/<slug:slug>/", cached_page(SpeakerView.as_view(), reads=("page",)), name="speaker"
    ),
    # Years come before categories: "2021" would otherwise read as a category.
    list_path("<yyyy:year>/", views.ArchiveListView, "year"),
    list_path("<yyyy:year>/<nn:month>/", views.ArchiveListView, "month"),
    list_path("<slug:category>/", views.CategoryReleaseListView, "category"),
    list_path("<slug:category>/<yyyy:year>/", views.CategoryArchiveListView, "category_year"),
    list_path(
        "<slug:category>/<yyyy:year>/<nn:month>/", views.CategoryArchiveListView, "category_month"
    ),
    cached_path(RELEASE, views.ReleaseDetailView, "detail"),
    # The release as a Markdown file, beside its page: /<...>/<yyyy>/<mm>/<dd>/<slug>.md
    cached_path(f"{RELEASE[:-1]}.md", views.ReleaseSourceView, "source"),
    cached_path(f"{RELEASE}changes/<int:revision>/", views.ReleaseChangeView, "change"),
]
