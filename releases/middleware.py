"""Answers the site gives around its views: a release's old addresses, and a
database that cannot be reached."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from releases.caching.pages import stale_copy
from releases.models import RENDERED_FIELDS, Redirect, Release

logger = logging.getLogger("briefing.database")

RETRY_AFTER_SECONDS = 30


class ReleaseRedirectMiddleware:
    """Turn a 404 at a release's old address (its original permalink path, or an
    address it had before an edit) into a 301 to where it is now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A path holding a NUL never gets here (briefing/null_characters.py).
        if response.status_code != 404:
            return response
        try:
            redirect = self.redirect_for(request.path)
        except (OperationalError, InterfaceError) as error:
            return database_unavailable(request, error)
        if redirect is None:
            return response
        return HttpResponsePermanentRedirect(redirect.release.get_absolute_url())

    def redirect_for(self, path):
        """Return the Redirect of a release on record from *path*, or None.

        An old address typed without its trailing slash finds it too, as the
        site's own pages do.
        """
        paths = [path] if path.endswith("/") else [path, f"{path}/"]
        redirects = Redirect.objects.filter(
            old_path__in=paths, release__in=Release.objects.on_record()
        )
        # Only the release's address: not its body, nor what it renders to.
        redirects = redirects.select_related("release__category").defer(
            "release__body", *(f"release__{field}" for field in RENDERED_FIELDS)
        )
        return redirects.order_by("-old_path").first()


class DatabaseOutageMiddleware:
    """Answer what the database cannot: with the cache's copy of the page if it has
    one, or a 503 that asks to come back; one line in the log, not a traceback.

    The next request tries the database again, so the site recovers by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return database_unavailable(request, exception)


def unavailable(request):
    """The 503 itself: JSON for the API, a plain page for people."""
    if request.path.startswith("/api/"):
        message = "The briefing room is temporarily unavailable: try again in a minute."
        return JsonResponse({"error": message}, status=503)
    return render(request, "503.html", status=503)


def database_unavailable(request, error):
    """Return the cached copy of *request*'s page, or a 503; log *error* in one line."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    logger.error("database unavailable for %s %s: %s", request.method, request.path, reason)
    response = stale_copy(request)
    if response is None:
        response = unavailable(request)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Kept by no cache on the way: the next request may be served.
        patch_cache_control(response, no_store=True)
    # Logged above, once: Django would log the 503 again.
    response._has_been_logged = True
    return response
