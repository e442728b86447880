"""The content version: a token that changes whenever anything readers see changes.

Every cached page carries it, and every count kept for a list is filed under
it. It changes on every save readers could see (admin, import, undo:
``releases/changes.py``) and when a scheduled release's time comes: a page
kept under an older version is out of date at once, on every app server, and
is served for a few seconds more at most (``caching/freshness.py``). The one
query a request costs is the read of the token.
"""

import collections
import datetime
import hashlib
import itertools

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from releases.caching.freshness import Versions, listing_of, read_record
from releases.changes import content_changed
from releases.models import ContentVersion

KEEP_SECONDS = 24 * 60 * 60  # a day: what an old version filed simply ages out

# superseded: {token: when it was replaced}; heads: {token: the last journal entry it held};
# listing: the listing version (ContentVersion.listing)
VersionRow = collections.namedtuple("VersionRow", "token next_publication superseded heads listing")


def current_versions():
    """Return the Versions as stored, moved on first if a scheduled release has gone live."""
    row = read_version()
    if row is None or (row.next_publication and row.next_publication <= timezone.now()):
        content_changed()
        row = read_version()
    return Versions(row.token, row.superseded, row.heads, row.listing)


def current_version():
    """Return the content version, moving it on if a scheduled release has gone live."""
    return current_versions().current


def read_version():
    """Return the VersionRow as stored, or None.

    Plain SQL: every request asks this, and building the ORM's query took
    longer than serving a cached page.
    """
    table = connection.ops.quote_name(ContentVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token, next_publication, superseded, listing FROM {table} WHERE id = 1"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token, next_publication, superseded, listing = row
    if isinstance(next_publication, str):
        next_publication = parse_datetime(next_publication)
    if next_publication is not None and timezone.is_naive(next_publication):
        # SQLite keeps times as UTC without saying so.
        next_publication = next_publication.replace(tzinfo=datetime.UTC)
    record = read_record(superseded)
    heads = {version: head for version, (_, head) in record.items() if head is not None}
    times = {version: when for version, (when, _) in record.items()}
    return VersionRow(token, next_publication, times, heads, listing_of(listing, token))


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


class HeldPerVersion:
    """computed_once() for data every first render asks for, held in this process too.

    What was asked under the two versions asked for last is held, up to *most*
    values each, so a page rendered again under the same version does not fetch
    it from the shared cache (a round trip, and unpickling it: a twentieth of a
    list's render); a new version fetches each once per process. Two: a list
    without a search asks under the listing version, while other pages ask
    under the content version. The values are shared by every request of the
    process: their users must not change them.
    """

    def __init__(self, most):
        self.most = most
        self.held = {}  # version: {(name, key): value}
        self.asked = {}  # version: when it was last asked for, as a count
        self.counter = itertools.count()

    def get(self, name, key, compute, version):
        """Return computed_once(*name*, *key*, *compute*, *version*)."""
        self.asked[version] = next(self.counter)
        held = self.held  # replaced whole, never changed: another thread reads one or the other
        values = held.get(version)
        if values is None:
            values = {}
            # The other version asked for last stays.
            other = max(held, key=self.last_asked, default=None)
            self.held = {version: values, **({other: held[other]} if other else {})}
            self.asked = {kept: self.last_asked(kept) for kept in self.held}
        value = values.get((name, key), MISSING)
        if value is MISSING:
            if len(values) >= self.most:
                values.clear()
            value = values[name, key] = computed_once(name, key, compute, version)
        return value

    def last_asked(self, version):
        return self.asked.get(version, -1)


MISSING = object()
