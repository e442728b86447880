"""Health checks for load balancers: liveness (the app answers) and readiness
(the database and the cache answer too)."""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def health(request):
    """Answer "ok" without touching the database or the cache."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
@never_cache
def ready(request):
    """Answer 200 while the database and the cache answer, 503 naming what does not."""
    down = [name for name, check in CHECKS if not check()]
    if down:
        response = HttpResponse(
            f"not ready: {' and '.join(down)} unreachable\n", content_type="text/plain", status=503
        )
        # An answer, not an error: a load balancer asks every few seconds.
        response._has_been_logged = True
        return response
    return HttpResponse("ready\n", content_type="text/plain")


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def cache_answers():
    """Whether the shared cache answers; a cache in this process's memory always does."""
    reachable = getattr(cache, "reachable", None)
    return reachable() if reachable else True


CHECKS = [("database", database_answers), ("cache", cache_answers)]
