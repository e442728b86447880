"""The read-only JSON API: /api/releases/ (filters, search, pages) and /api/releases/<id>/."""

from django.http import JsonResponse
from django.urls import path, reverse

from releases.caching.pages import cached_page
from releases.formats import FORMATS, release_data
from releases.lists import cached_list
from releases.models import Release
from releases.views import ReleaseListView


class ReleaseApiListView(ReleaseListView):
    """The list pages' releases as JSON: the same query string, the same results."""

    def get(self, request, *args, **kwargs):
        asked = request.GET.get("format", "json")
        if asked != "json":
            page = reverse("releases:list")
            reason = (
                f"No format {asked!r}: the API answers JSON; the list page {page} "
                f"also comes as {', '.join(key for key in FORMATS if key != 'json')}."
            )
            return JsonResponse({"errors": {"format": [reason]}}, status=404)
        return super().get(request, *args, **kwargs)

    def requested_format(self):
        return "json"


def release_detail(request, pk):
    """One published release as JSON, with its Markdown body and the HTML rendered from it."""
    release = Release.objects.published().select_related("category").filter(pk=pk).first()
    if release is None:
        return JsonResponse({"error": f"No published release has id {pk}."}, status=404)
    data = release_data(request, release)
    data.update(body=release.body, body_html=release.body_html, turns=turns_data(release))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def turns_data(release):
    """The JSON of *release*'s turns, in order: who spoke, as printed and as a person,
    what they said (Markdown), and the anchor of the turn on its page."""
    return [
        {
            "speaker": turn.label,
            "person": {"name": turn.person.name, "slug": turn.person.slug} if turn.person else None,
            "text": turn.text,
            "anchor": turn.anchor,
        }
        for turn in release.turns.select_related("person").order_by("position")
    ]


app_name = "api"
urlpatterns = [
    path("releases/", cached_list(ReleaseApiListView.as_view()), name="releases"),
    path("releases/<int:pk>/", cached_page(release_detail), name="release"),
]
