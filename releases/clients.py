"""The address of the client behind a request, through the proxies the site trusts.

Behind a load balancer every request comes from the balancer's address; the
client's is the one the nearest trusted proxy appended to X-Forwarded-For.
Addresses further left were written by the client itself, so only
settings.BRIEFING_TRUSTED_PROXIES entries from the right are believed.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """Return the address of the client that sent *request*."""
    proxies = settings.BRIEFING_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies and (address := ip_address(forwarded[-proxies])):
            return address
    return request.META.get("REMOTE_ADDR", "")


def ip_address(text):
    """Return *text* written as the IP address it is, or None if it is not one.

    With more proxies trusted than there are in front of the site, the entry
    read is the client's own words: anything but an address would become a
    limit's key. A zone (fe80::1%eth0) means nothing beyond one link, and could
    be any length, so an address with one is refused too.
    """
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return None if getattr(address, "scope_id", None) else str(address)
