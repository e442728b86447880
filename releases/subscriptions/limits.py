"""Limits on subscribing, so that the form cannot be used to flood an inbox or the mail server.

A client may start SUBSCRIPTIONS_PER_CLIENT subscriptions an hour, and one
address is sent CONFIRMATIONS_PER_ADDRESS confirmation mails a day; a repeat
request for a pending subscription mails nothing within RESEND_AFTER of the
last mail. Counts are kept in the shared cache (django-ratelimit); with the
cache unreachable they lapse rather than refuse readers.
"""

import datetime
import hashlib

from django.utils import timezone
from django_ratelimit.core import get_usage

from releases.clients import client_address

SUBSCRIPTIONS_PER_CLIENT = "20/h"
CONFIRMATIONS_PER_ADDRESS = "5/d"
RESEND_AFTER = datetime.timedelta(minutes=10)


def by_client(group, request):
    return client_address(request)


def by_address(group, request):
    # Hashed: addresses are personal, and cache keys must stay short and plain.
    email = request.POST.get("email", "").strip().lower()
    return hashlib.blake2b(email.encode(), digest_size=16).hexdigest()


def wait_for(request, group, key, rate, increment=True):
    """Count one more of *group* for *request* (unless not *increment*); return the
    seconds to wait if it is over *rate*."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=increment)
    if usage is None:
        return None
    # Counted first, the count may reach the limit; asked only, it must stay below it.
    over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    return max(1, usage["time_left"]) if over else None


def client_wait(request):
    """Seconds this client must wait before subscribing again, or None."""
    return wait_for(request, "subscribe-client", by_client, SUBSCRIPTIONS_PER_CLIENT)


def address_wait(request):
    """Seconds before another confirmation may be mailed to this address, or None."""
    return wait_for(
        request, "confirm-address", by_address, CONFIRMATIONS_PER_ADDRESS, increment=False
    )


def count_mail(request):
    """Count a confirmation mailed to this address: only mails sent count."""
    get_usage(
        request,
        group="confirm-address",
        key=by_address,
        rate=CONFIRMATIONS_PER_ADDRESS,
        increment=True,
    )


def mailed_lately(subscription):
    """Whether *subscription*'s confirmation was mailed within RESEND_AFTER."""
    sent = subscription.confirmation_sent_at
    return sent is not None and timezone.now() - sent < RESEND_AFTER
