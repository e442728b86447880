"""Slow down password guessing at the admin's sign-in.

Failed sign-ins are counted in the cache, by address and by username. Once
either count reaches settings.BRIEFING_SIGN_IN_ATTEMPTS within
settings.BRIEFING_SIGN_IN_WINDOW seconds, further attempts are refused with
a 429 until the window has passed, before the password is even checked. The
counts are shared by every app server when the cache is (Redis).
"""

import hashlib

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse


def failure_keys(request, username):
    """Return the cache keys counting failures from *request*'s address and for *username*."""
    address = request.META.get("REMOTE_ADDR", "")
    # Hashed: usernames are free text, and cache keys must stay short and plain.
    name = hashlib.blake2b(username.strip().lower().encode(), digest_size=16).hexdigest()
    return [f"sign-in-failures:address:{address}", f"sign-in-failures:user:{name}"]


def count_failure(sender, credentials, request=None, **kwargs):
    """Count one failed sign-in against its address and its username."""
    if request is None:
        return
    for key in failure_keys(request, credentials.get("username", "")):
        cache.add(key, 0, timeout=settings.BRIEFING_SIGN_IN_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start again
            cache.set(key, 1, timeout=settings.BRIEFING_SIGN_IN_WINDOW)


def connect():
    user_login_failed.connect(count_failure, dispatch_uid="count-sign-in-failure")


class SignInLimitMiddleware:
    """Refuse sign-in attempts from an address or for a username that failed too often."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == reverse("admin:login"):
            keys = failure_keys(request, request.POST.get("username", ""))
            failures = cache.get_many(keys).values()
            if any(count >= settings.BRIEFING_SIGN_IN_ATTEMPTS for count in failures):
                return refused(request)
        return self.get_response(request)


def refused(request):
    minutes = max(1, settings.BRIEFING_SIGN_IN_WINDOW // 60)
    response = render(request, "admin/sign_in_refused.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(settings.BRIEFING_SIGN_IN_WINDOW)
    return response
