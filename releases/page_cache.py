"""Public pages served from the shared cache, and revalidated by ETag.

Every cached page is filed under the content version, a token in the
database that changes on every save readers could see (admin, import, undo)
and when a scheduled release's time comes. Changing it retires all cached
pages at once, on every app server, so a reader never gets a page older than
the last save; the one query a request costs is the read of that token.
"""

import collections
import datetime
import functools
import hashlib
import secrets
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_etags

from releases.models import Category, ContentVersion, Release

PAGE_TIMEOUT = 24 * 60 * 60  # a day: retired pages simply age out
# Headers that belong to one response, never to a copy served to someone else.
PRIVATE_HEADERS = {"set-cookie", "vary"}
# Query parameters that change which page of a list is shown, not what it holds.
LIST_INDEPENDENT = {"page", "cursor", "sort", "format"}


class LocalPages:
    """The pages this process served last, in its own memory, before the shared cache.

    A crowd reloads a few pages: kept here, they cost no trip to Redis. The
    keys hold the content version, so a copy here is never staler than Redis's.
    At most *budget* bytes of pages are kept, none larger than *largest*.
    """

    def __init__(self, budget, largest):
        self.budget, self.largest = budget, largest
        self.pages = collections.OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            stored = self.pages.get(key)
            if stored is not None:
                self.pages.move_to_end(key)
            return stored

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0

    def keep(self, key, stored):
        length = len(stored[2])
        if length > self.largest:
            return
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
                return
            self.pages[key] = stored
            self.size += length
            while self.size > self.budget:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped[2])


# Feeds with full text run to a megabyte; 32 MB a process holds the hot pages.
LOCAL_PAGES = LocalPages(budget=32 * 1024 * 1024, largest=2 * 1024 * 1024)


def connect():
    """Change the content version whenever a release or a category is saved or deleted."""
    for model in (Release, Category):
        for signal in (post_save, post_delete):
            signal.connect(content_changed, sender=model, dispatch_uid=f"pages-{model.__name__}")


def current_version():
    """Return the content version, moving it on if a scheduled release has gone live."""
    row = read_version()
    if row is None:
        return content_changed()
    token, next_publication = row
    if next_publication is not None and next_publication <= timezone.now():
        return content_changed()
    return token


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


def content_changed(**signal_arguments):
    """Give the content a new version, so that no cached page is served again; return it.

    Called in the transaction that saves the change, so the two commit together.
    """
    token = secrets.token_hex(8)
    upcoming = Release.objects.filter(
        status=Release.Status.PUBLISHED, published_at__gt=timezone.now()
    ).aggregate(next=Min("published_at"))["next"]
    ContentVersion.objects.update_or_create(
        pk=1, defaults={"token": token, "next_publication": upcoming}
    )
    return token


def cached_page(view):
    """Serve *view*'s 200 responses from the cache, with an ETag that answers 304s."""

    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.BRIEFING_PAGE_CACHE:
            return view(request, *args, **kwargs)
        version = request.content_version = current_version()
        # The host and scheme are in the key: pages hold absolute links.
        address = hashlib.blake2b(request.build_absolute_uri().encode(), digest_size=12)
        etag = f'"{version}-{address.hexdigest()}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return revalidated(HttpResponseNotModified(), etag)
        key = f"page:{version}:{address.hexdigest()}"
        stored = LOCAL_PAGES.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is None:
                response = view(request, *args, **kwargs)
                if not cacheable(response):
                    return response
                stored = freeze(response)
                cache.set(key, stored, PAGE_TIMEOUT)
            LOCAL_PAGES.keep(key, stored)
        status, headers, content = stored
        if request.method == "HEAD":
            # The headers of the page without its body, as HTTP asks.
            headers = {**headers, "Content-Length": str(len(content))}
            content = b""
        return revalidated(HttpResponse(content, status=status, headers=headers), etag)

    return serve


def remembered(request, name, compute):
    """Return *compute*() for the list at *request*'s address, kept until the content changes.

    Counts and facets over a whole archive cost more than rendering the page:
    a list's page 2 and its other orders share them, and so does a page
    rendered afresh with the page cache off.
    """
    version = getattr(request, "content_version", None) or current_version()
    request.content_version = version
    query = sorted(
        (key, values) for key, values in request.GET.lists() if key not in LIST_INDEPENDENT
    )
    return kept(name, f"{request.path}?{query}", compute, version)


def kept(name, key, compute, version=None):
    """Return *compute*() for *key* (a string) under *name*, kept until the content changes."""
    version = version or current_version()
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return cache.get_or_set(f"{name}:{version}:{digest}", compute, PAGE_TIMEOUT)


def cacheable(response):
    """Whether *response* is the same for every reader and can be kept whole."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
    )


def freeze(response):
    """Return (status, headers, content): what the cache keeps of *response*."""
    headers = {
        name: value for name, value in response.items() if name.lower() not in PRIVATE_HEADERS
    }
    return response.status_code, headers, response.content


def revalidated(response, etag):
    """Mark *response* as storable by browsers and proxies, but only after asking again."""
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return response
