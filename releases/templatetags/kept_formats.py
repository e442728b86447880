"""Addresses, static files' addresses and dates as ``{% url %}``, ``{% static %}`` and
``|date`` write them, kept per value in each process.

A release page wrote thirteen addresses and thirteen dates, and Django reverses
an address and formats a date afresh each time: together a fifth of the page's
first render. A page writes the same ones at every render, and a change to
another release leaves them as they were, so each is worked out once
(addresses in ``addresses.py``): the key holds everything the answer depends
on (a date's time zone and the language its month is named in). A static
file's address, its name with the digest of its content, is fixed until the
files are collected again, which restarts the server.
"""

import functools

from django import template
from django.template.defaultfilters import date as django_date
from django.templatetags.static import static
from django.utils.translation import get_language

from releases import addresses

register = template.Library()

# Values kept of each: a few per release page, for many thousands of releases.
KEPT = 20_000


@register.simple_tag
def address(name, *args):
    """Return the address of the view *name* with positional *args*, as ``{% url %}``."""
    return addresses.address(name, *args)


@register.simple_tag
@functools.lru_cache(maxsize=100)
def static_address(path):
    """Return the address of the static file *path*, as ``{% static %}``."""
    return static(path)


@register.filter(expects_localtime=True)
def kept_date(value, format_string):
    """Return *value* formatted as ``|date:format_string`` formats it."""
    if value in (None, ""):
        return ""
    zone = getattr(value, "tzinfo", None)
    offset = value.utcoffset() if zone is not None else None
    return formatted(value, zone, offset, format_string, get_language())


@functools.lru_cache(maxsize=KEPT)
def formatted(value, zone, offset, format_string, language):
    # Two aware times at one moment are equal in any zone, and 01:30 before and after
    # the clocks go back are equal in one: *zone* and *offset* tell them apart.
    return django_date(value, format_string)
