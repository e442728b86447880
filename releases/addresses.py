"""Addresses of the site's pages, reversed once per value in each process.

Django's ``reverse()`` works an address out afresh at each call, and a release
page asked for ten of them on every render. The same values always give the
same address under one script prefix (the path the site is served under),
which is part of the key. An import asks each file's address once or twice,
and never again: it reverses them without keeping them (``kept=False``), or
each of its processes would fill the kept addresses with them.
"""

import functools

from django.urls import get_script_prefix, reverse

# Addresses kept: a few for each release of a large archive.
KEPT = 20_000


def address(name, *args, kept=True, **kwargs):
    """Return ``reverse(name, args=args, kwargs=kwargs)``, kept for the next call
    with the same values unless *kept* is false."""
    if not kept:
        return reverse(name, args=args, kwargs=kwargs)
    return kept_address(get_script_prefix(), name, args, tuple(kwargs.items()))


@functools.lru_cache(maxsize=KEPT)
def kept_address(prefix, name, args, kwargs):
    # reverse() begins the address with *prefix*: a key of its own.
    return reverse(name, args=args, kwargs=dict(kwargs))
