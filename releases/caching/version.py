"""The content version: a token that changes whenever anything readers see changes.

Every cached page and every count kept for a list is filed under it. It
changes on every save readers could see (admin, import, undo:
``releases/changes.py``) and when a scheduled release's time comes: changing
it retires everything kept under the old one at once, on every app server, so
a reader never sees anything older than the last save. The one query a
request costs is the read of the token.
"""

import datetime
import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from releases.changes import content_changed
from releases.models import ContentVersion

KEEP_SECONDS = 24 * 60 * 60  # a day: what an old version filed simply ages out
LAST_SEEN_KEY = "content-version:last-seen"


def current_version():
    """Return the content version, moving it on if a scheduled release has gone live."""
    row = read_version()
    if row is None:
        return seen(content_changed())
    token, next_publication = row
    if next_publication is not None and next_publication <= timezone.now():
        return seen(content_changed())
    return seen(token)


class LastSeen:
    """The content version this process read last: what the cache is filed under
    when the database cannot be asked (see caching/pages.py: stale_copy)."""

    token = None


def seen(token):
    """Note *token* as the version read last, here and, when it changed, in the cache."""
    if token != LastSeen.token:
        LastSeen.token = token
        # Shared, so that a process started during an outage knows it too.
        cache.set(LAST_SEEN_KEY, token, KEEP_SECONDS)
    return token


def last_seen_version():
    """Return the content version read last by this process or another, or None."""
    return LastSeen.token or cache.get(LAST_SEEN_KEY)


def read_version():
    """Return (token, next publication) as stored, or None.

    Plain SQL: every request asks this, and building the ORM's query took
    longer than serving a cached page.
    """
    table = connection.ops.quote_name(ContentVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, next_publication FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    token, next_publication = row
    if isinstance(next_publication, str):
        next_publication = parse_datetime(next_publication)
    if next_publication is not None and timezone.is_naive(next_publication):
        # SQLite keeps times as UTC without saying so.
        next_publication = next_publication.replace(tzinfo=datetime.UTC)
    return token, next_publication


def version_for(request):
    """Return the content version for *request*, read once however often it is asked."""
    version = getattr(request, "content_version", None) or current_version()
    request.content_version = version
    return version


def computed_once(name, key, compute, version=None):
    """Return *compute*() for *key* (a string) under *name*, computed once per content version."""
    version = version or current_version()
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return cache.get_or_set(f"{name}:{version}:{digest}", compute, KEEP_SECONDS)
