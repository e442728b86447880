"""What staff see before readers do: a release as its page will look."""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from releases import metadata


def render_preview(request, release):
    """Render *release* (saved or not) with the public page's template, for staff only."""
    # Its body as posted, which its kept rendering does not hold yet.
    release.render()
    context = {
        "release": release,
        "preview": True,
        **metadata.page_metadata(request, release),
        "changes": list(release.public_changes()) if release.pk else [],
    }
    response = render(request, "releases/release_detail.html", context)
    response["X-Robots-Tag"] = "noindex"
    add_never_cache_headers(response)
    return response


def invalid(request, form):
    """Say why the posted changes cannot be previewed."""
    response = render(request, "admin/releases/release/preview_invalid.html", {"form": form})
    response.status_code = 400
    return response
