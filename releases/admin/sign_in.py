"""Slow down password guessing at the admin's sign-in.

Every sign-in attempt is counted before its password is checked, in one
atomic increment, under two keys: its username from its client address, and
its client address alone. Past settings.BRIEFING_SIGN_IN_ATTEMPTS for the
pair, or ADDRESS_ATTEMPTS_FACTOR times that for the address (one client
trying many usernames), attempts are refused with a 429 until
settings.BRIEFING_SIGN_IN_WINDOW seconds from the first have passed. A
username alone is never locked: from another address its owner still signs
in. Signing in clears the pair's count, and gives back the attempt it
counted for the address: there only failures count, so that an office
behind one address is not paused by its own sign-ins, and no one valid
account wipes out the failures of someone guessing others. The counts are
shared by every app server when the cache is (Redis); while it cannot be
reached they lapse.
"""

import contextlib
import hashlib
import unicodedata

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse

from releases.clients import client_address

ADDRESS_ATTEMPTS_FACTOR = 4
# Set on a sign-in request whose attempt is counted for its address.
COUNTED_FOR_ADDRESS = "sign_in_counted_for_address"


def pair_key(address, username):
    # Hashed: usernames are free text, and cache keys must stay short and plain.
    # Normalised as Django normalises usernames (NFKC), so that fullwidth letters are plain.
    username = unicodedata.normalize("NFKC", username).strip().casefold()
    name = hashlib.blake2b(username.encode(), digest_size=16).hexdigest()
    return f"sign-in-attempts:pair:{address}:{name}"


def address_key(address):
    return f"sign-in-attempts:address:{address}"


def counted(key):
    """Count one more attempt under *key*, atomically; return the count."""
    window = settings.BRIEFING_SIGN_IN_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=window)
        return 1


def uncounted(key):
    """Take back one attempt counted under *key*, unless its window has ended since."""
    with contextlib.suppress(ValueError):
        if cache.decr(key) < 0:
            # It expired between Redis's check and its decrement: Redis made it
            # afresh at -1, never to expire.
            cache.delete(key)


def over_limit(request):
    """Count this sign-in attempt; return whether it is past a limit."""
    address = client_address(request)
    limit = settings.BRIEFING_SIGN_IN_ATTEMPTS
    pair = counted(pair_key(address, request.POST.get("username", "")))
    alone = counted(address_key(address))
    setattr(request, COUNTED_FOR_ADDRESS, True)
    return pair > limit or alone > limit * ADDRESS_ATTEMPTS_FACTOR


def forget_attempts(sender, request, user, **kwargs):
    """Clear the count of the pair that has just signed in, and take back the
    attempt counted for its address."""
    if request is None:
        return
    address = client_address(request)
    cache.delete(pair_key(address, user.get_username()))
    # Only a sign-in the limits counted: a test's or a script's login() was not.
    if getattr(request, COUNTED_FOR_ADDRESS, False):
        uncounted(address_key(address))


def connect():
    user_logged_in.connect(forget_attempts, dispatch_uid="forget-sign-in-attempts")


class SignInLimitMiddleware:
    """Refuse sign-in attempts past the limits, before their password is checked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signing_in = request.method == "POST" and request.path == reverse("admin:login")
        if signing_in and over_limit(request):
            return refused(request)
        return self.get_response(request)


def refused(request):
    minutes = max(1, settings.BRIEFING_SIGN_IN_WINDOW // 60)
    response = render(request, "admin/sign_in_refused.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(settings.BRIEFING_SIGN_IN_WINDOW)
    return response
