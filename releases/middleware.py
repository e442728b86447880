"""Answer a release's old addresses with a permanent redirect to its page."""

from django.http import HttpResponsePermanentRedirect

from releases.models import Redirect, Release


class ReleaseRedirectMiddleware:
    """Turn a 404 at a release's old address (its original permalink path, or an
    address it had before an edit) into a 301 to where it is now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        redirect = (
            Redirect.objects.filter(old_path=request.path, release__in=Release.objects.on_record())
            .select_related("release__category")
            .first()
        )
        if redirect is None:
            return response
        return HttpResponsePermanentRedirect(redirect.release.get_absolute_url())
