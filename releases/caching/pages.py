"""Public pages served whole from the cache, and revalidated by ETag.

Every cached page is filed under the content version (``caching/version.py``),
so a save anywhere retires every cached page at once, on every app server.
"""

import collections
import functools
import hashlib
import threading

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from releases.caching.version import KEEP_SECONDS, current_version

# Headers that belong to one response, never to a copy served to someone else.
PRIVATE_HEADERS = {"set-cookie", "vary"}


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

    def put(self, key, stored):
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


# The hot pages of a process: room for many list and release pages at once,
# while a rare outsized page is left to the shared cache alone.
LOCAL_PAGES = LocalPages(budget=32 * 1024 * 1024, largest=2 * 1024 * 1024)


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
                cache.set(key, stored, KEEP_SECONDS)
            LOCAL_PAGES.put(key, stored)
        status, headers, content = stored
        if request.method == "HEAD":
            # The headers of the page without its body, as HTTP asks.
            headers = {**headers, "Content-Length": str(len(content))}
            content = b""
        return revalidated(HttpResponse(content, status=status, headers=headers), etag)

    return serve


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
