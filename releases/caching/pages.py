"""Public pages served whole from the cache, and revalidated by ETag.

Every cached page is filed under the content version (``caching/version.py``),
so a save anywhere retires every cached page at once, on every app server.
"""

import collections
import functools
import hashlib
import threading
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response

from releases.caching.version import KEEP_SECONDS, current_version, last_seen_version
from releases.rendering import renderer_settings

# A render holds the readers of its page for at most this long, polling this often.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 5.0
RENDER_POLL_SECONDS = 0.02
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


# For cached_page's *reads*: every parameter files the page.
EVERY_PARAMETER = "every parameter"


def cached_page(view, reads=()):
    """Serve *view*'s 200 responses from the cache, with an ETag that answers 304s.

    *reads* names the query parameters the view reads: only they file a page,
    so that other parameters make no new copies of it. EVERY_PARAMETER files
    a page under its whole query, for a view that redirects any query not
    written its one way (a redirect is never kept, so junk makes no copies):
    a query answers the same whether or not its page is kept.
    """

    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.BRIEFING_PAGE_CACHE:
            return view(request, *args, **kwargs)
        # Noted first, for stale_copy, should the database not answer next.
        request.page_reads = reads
        version = request.content_version = current_version()
        address = page_address(request, reads)
        etag = f'"{version}-{address}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return revalidated(not_modified, etag)
        key = f"page:{version}:{address}"
        stored = LOCAL_PAGES.get(key) or cache.get(key)
        if stored is None:
            stored = rendered_once(key, lambda: render_and_keep(key, view, request, args, kwargs))
            if isinstance(stored, HttpResponseBase):
                return stored  # not a page to keep
        LOCAL_PAGES.put(key, stored)
        return revalidated(thawed(request, stored), etag)

    return serve


def render_and_keep(key, view, request, args, kwargs):
    """Render the page; return it as kept under *key*, or the response if it is not kept."""
    response = view(request, *args, **kwargs)
    if not cacheable(response):
        return response
    stored = freeze(response)
    cache.set(key, stored, KEEP_SECONDS)
    return stored


def rendered_once(key, render):
    """Return *render*() for the page *key*, or the page another request is rendering.

    After a save every page is rendered afresh. Many readers asking for one
    page at that moment would each render it: the first takes a lock, and
    the others wait for its copy, or render themselves if it has none to share.
    """
    lock = f"rendering:{key}"
    if cache.add(lock, 1, RENDER_LOCK_SECONDS):
        try:
            return render()
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        stored = cache.get(key)
        if stored is not None:
            return stored
        if cache.get(lock) is None:
            break  # rendered, and not a page to keep
    return render()


def page_address(request, reads):
    """Return the digest of *request*'s address, which files its page: the
    parameters in *reads*, in one order, so that their order does not matter.

    The host and scheme are in it: pages hold absolute links. So are the
    renderer's settings: a page holds bodies rendered under them.
    """
    keys = request.GET.keys() if reads == EVERY_PARAMETER else reads
    query = sorted((key, value) for key in keys for value in request.GET.getlist(key))
    address = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query)}"
    address = f"{renderer_settings()} {address}"
    return hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


def thawed(request, stored):
    """Return the response kept as *stored*, for *request* (HEAD: the headers alone)."""
    status, headers, content = stored
    if request.method == "HEAD":
        # The headers of the page without its body, as HTTP asks.
        headers = {**headers, "Content-Length": str(len(content))}
        content = b""
    return HttpResponse(content, status=status, headers=headers)


def stale_copy(request):
    """Return the copy of *request*'s page kept under the last version seen, or None.

    For when the database cannot say which version is current: the page may
    be older than the last save, and says so in its X-Served-Stale header.
    """
    reads = getattr(request, "page_reads", None)  # None: not a cached page
    version = last_seen_version() if reads is not None else None
    if version is None:
        return None
    key = f"page:{version}:{page_address(request, reads)}"
    stored = LOCAL_PAGES.get(key) or cache.get(key)
    if stored is None:
        return None
    response = thawed(request, stored)
    response["X-Served-Stale"] = "the database is unavailable; this copy may be out of date"
    response["Cache-Control"] = "no-store"
    return response


def cacheable(response):
    """Whether *response* is the same for every reader and can be kept whole."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
        and "no-store" not in response.get("Cache-Control", "")
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
