"""A liveness check for load balancers: the app answers, and nothing else is touched."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request):
    """Answer "ok" without touching the database or the cache."""
    return HttpResponse("ok\n", content_type="text/plain")
