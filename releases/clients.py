"""The address of the client behind a request, through the proxies the site trusts.

Behind a load balancer every request comes from the balancer's address; the
client's is the one the nearest trusted proxy appended to X-Forwarded-For.
Addresses further left were written by the client itself, so only
settings.BRIEFING_TRUSTED_PROXIES entries from the right are believed.
"""

from django.conf import settings


def client_address(request):
    """Return the address of the client that sent *request*."""
    proxies = settings.BRIEFING_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
