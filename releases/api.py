"""The read-only JSON API: /api/releases/ (filters, search, pages), /api/releases/<id>/
and /api/speakers/."""

from django.core.paginator import InvalidPage, Paginator
from django.http import JsonResponse
from django.urls import path, reverse

from releases.caching.pages import cached_page
from releases.caching.version import version_for
from releases.formats import FORMATS, release_data
from releases.lists import cached_list
from releases.models import Release
from releases.transcripts.appearances import everyone
from releases.views import ReleaseListView

# People a page of /api/speakers/: the archive names a few hundred.
SPEAKERS_PER_PAGE = 100


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


def speaker_list(request):
    """Everyone the transcripts name, most releases first, with their counts, a page at a time."""
    paginator = Paginator(everyone(version_for(request)), SPEAKERS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        reason = f"No such page: the pages of speakers run from 1 to {paginator.num_pages}."
        return JsonResponse({"errors": {"page": [reason]}}, status=404)

    def page_url(number):
        return request.build_absolute_uri(f"{reverse('api:speakers')}?page={number}")

    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [speaker_data(request, person) for person in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def speaker_data(request, person):
    """The JSON of a person's Appearances: who they are, how often and when they speak."""
    releases = f"{reverse('api:releases')}?speaker={person.slug}"
    return {
        "name": person.name,
        "slug": person.slug,
        "role": person.role,
        "releases": person.releases,
        "turns": person.turns,
        "first_appearance": person.first.isoformat() if person.first else None,
        "last_appearance": person.last.isoformat() if person.last else None,
        "url": request.build_absolute_uri(reverse("releases:speaker", args=[person.slug])),
        "releases_url": request.build_absolute_uri(releases),
    }


app_name = "api"
urlpatterns = [
    path("releases/", cached_list(ReleaseApiListView.as_view()), name="releases"),
    path("releases/<int:pk>/", cached_page(release_detail), name="release"),
    path("speakers/", cached_page(speaker_list, reads=("page",)), name="speakers"),
]
