"""Public pages served whole from the cache, and revalidated by ETag.

Each page is kept under its address, with the content version it was
rendered under (``caching/version.py``). A copy of the current version is
served as it is. A copy of a version gone by is served while it is at most
BRIEFING_STALE_SECONDS behind the change that superseded it; once the copy
is half that old, one request, the first to take the page's lock, renders
the new copy, and no other reader waits for it (stale-while-revalidate,
``caching/freshness.py``).
A signed-in staff member is never served a copy of a version gone by.
"""

import collections
import contextlib
import functools
import hashlib
import socket
import threading
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response

from releases.caching.freshness import due_for_render, sees_changes_at_once
from releases.caching.version import KEEP_SECONDS, current_versions
from releases.rendering import renderer_settings

# A render holds the lock on its page for at most this long; readers with no
# copy they may be served wait for it at most this long, polling this often.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 5.0
RENDER_POLL_SECONDS = 0.02
# Held by the one render on this server of a copy due for it but not overdue
# (caching/freshness.py): after a change every page falls due at once, and
# their renders together held every worker while readers queued.
EARLY_RENDER = f"rendering-early:{socket.gethostname()}"
# Headers that belong to one response, never to a copy served to someone else.
PRIVATE_HEADERS = {"set-cookie", "vary"}

# A kept page: the content version it was rendered under, its response, and
# when it was rendered (a Unix time, taken with the version), or when a render
# in its place last gave nothing to keep. A copy kept without that time counts
# as rendered long ago.
Copy = collections.namedtuple("Copy", "version status headers content rendered_at", defaults=(0.0,))


class LocalPages:
    """The pages this process served last, in its own memory, before the shared cache.

    A crowd reloads a few pages: kept here, they cost no trip to Redis while
    their version is current. At most *budget* bytes of pages are kept, none
    larger than *largest*.
    """

    def __init__(self, budget, largest):
        self.budget, self.largest = budget, largest
        self.pages = collections.OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, address):
        with self.lock:
            copy = self.pages.get(address)
            if copy is not None:
                self.pages.move_to_end(address)
            return copy

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0

    def put(self, address, copy):
        """Keep *copy* as the page at *address*, in place of any other."""
        if len(copy.content) > self.largest:
            return
        with self.lock:
            replaced = self.pages.pop(address, None)
            if replaced is not None:
                self.size -= len(replaced.content)
            self.pages[address] = copy
            self.size += len(copy.content)
            while self.size > self.budget:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped.content)


# The hot pages of a process: room for many list and release pages at once,
# while a rare outsized page is left to the shared cache alone.
LOCAL_PAGES = LocalPages(budget=32 * 1024 * 1024, largest=2 * 1024 * 1024)


# For cached_page's *reads*: every parameter files the page.
EVERY_PARAMETER = "every parameter"


def cached_page(view, reads=(), listing_only=None):
    """Serve *view*'s 200 responses from the cache, with an ETag that answers 304s.

    *reads* names the query parameters the view reads: only they file a page,
    so that other parameters make no new copies of it. EVERY_PARAMETER files
    a page under its whole query, for a view that redirects any query not
    written its one way (a redirect is never kept, so junk makes no copies):
    a query answers the same whether or not its page is kept.
    A page for which *listing_only*(request) is true shows nothing but what
    lists show of releases: it is kept under the listing version, which a
    change to bodies alone leaves as it was (``caching/version.py``).
    """

    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.BRIEFING_PAGE_CACHE:
            return view(request, *args, **kwargs)
        # Noted first, for stale_copy, should the database not answer next.
        request.page_reads = reads
        # Taken before the version is read: a copy is never younger than its label.
        started = time.time()
        versions = current_versions()
        if listing_only is not None and listing_only(request):
            versions = versions.of_listing()
        request.content_version = versions.current
        request.content_versions = versions
        address = page_address(request, reads)
        not_modified = unchanged(request, versions.current, address)
        if not_modified is not None:
            return not_modified
        render = functools.partial(
            render_and_keep, address, (versions.current, started), view, request, args, kwargs
        )
        copy = copy_to_serve(request, address, versions, render)
        if isinstance(copy, HttpResponseBase):
            return copy  # not a page to keep
        return unchanged(request, copy.version, address) or served(request, copy, address)

    return serve


def copy_to_serve(request, address, versions, render):
    """Return the copy of the page at *address* to serve *request*: kept, or rendered.

    A copy of a version gone by is served as it is while it is younger than
    half the bound, or while a render of the new one is under way elsewhere,
    or, until it is overdue, while the server renders another such page; if
    none is, this request renders it. Staff never get one: they render the
    page themselves rather than wait for another's render.
    A response that is not a page to keep is returned as it is; the copy
    from before then stands for another half bound (while its version lets
    it be served): a search rendered while the index catches up is not kept,
    and would otherwise be rendered again by every reader.
    """
    copy = servable_copy(address, versions)
    if copy is not None and copy.version == versions.current:
        return copy
    if sees_changes_at_once(request):
        return render()
    if copy is None:
        return rendered_once(address, versions, render)
    if not due_for_render(copy.rendered_at):
        return copy
    rendered = rendered_if_first(
        address,
        functools.partial(rendered_or_standing, address, copy, render),
        in_turn=not versions.overdue(copy.version),
    )
    return copy if rendered is None else rendered


def rendered_or_standing(address, copy, render):
    """Return *render*(); if it gives nothing to keep, keep *copy* as rendered now.

    Called under the page's lock: no other render's copy is overwritten.
    """
    rendered = render()
    if isinstance(rendered, HttpResponseBase):
        keep(address, copy._replace(rendered_at=time.time()))
    return rendered


def servable_copy(address, versions):
    """Return the freshest copy of the page at *address* that *versions* let be served, or None.

    This process's copy first: while it is current, or of a version gone by
    but not yet due for a render, it spares a trip to the cache. (While the
    content changes every second, no copy is current for long, and every
    request would otherwise fetch the shared copy.)
    """
    local = LOCAL_PAGES.get(address)
    if local is not None and (
        local.version == versions.current
        or (versions.servable(local.version) and not due_for_render(local.rendered_at))
    ):
        return local
    copies = [
        copy
        for copy in (shared_copy(address), local)
        if copy is not None and versions.servable(copy.version)
    ]
    if not copies:
        return None
    freshest = min(copies, key=lambda copy: (versions.behind(copy.version), -copy.rendered_at))
    LOCAL_PAGES.put(address, freshest)
    return freshest


def shared_copy(address):
    """Return the copy of the page at *address* in the shared cache, or None."""
    stored = cache.get(page_key(address))
    return None if stored is None else Copy(*stored)


def page_key(address):
    return f"page:{address}"


def render_and_keep(address, label, view, request, args, kwargs):
    """Render the page; return it as kept at *address* under *label* (the version and
    the time it was read), or the response if it is not kept."""
    response = view(request, *args, **kwargs)
    if not cacheable(response):
        return response
    version, rendered_at = label
    shown = getattr(response, "content_version", version)
    if shown != version:
        # A search answered by an index catching up shows a version gone by, and
        # is kept as that version's; never in place of a copy further on (another
        # server's index may be), which stands instead, as rendered now.
        versions = request.content_versions
        standing = shared_copy(address)
        if standing is not None and versions.newer(standing.version, shown):
            return keep(address, standing._replace(rendered_at=time.time()))
    return keep(address, Copy(shown, *freeze(response), rendered_at))


def keep(address, copy):
    """Keep *copy* as the page at *address*, in the cache and in this process; return it."""
    cache.set(page_key(address), tuple(copy), KEEP_SECONDS)
    LOCAL_PAGES.put(address, copy)
    return copy


def rendered_if_first(address, render, in_turn=False):
    """Return *render*() if no other request is rendering the page at *address*, and,
    *in_turn*, no other early render is under way on this server; or None."""
    locks = [f"rendering:{address}", *([EARLY_RENDER] if in_turn else [])]
    with contextlib.ExitStack() as held:
        if not all(held.enter_context(taken(lock)) for lock in locks):
            return None
        return render()


@contextlib.contextmanager
def taken(lock):
    """Take *lock* in the cache for at most RENDER_LOCK_SECONDS; yield whether this
    request holds it, and give it back after."""
    holds = cache.add(lock, 1, RENDER_LOCK_SECONDS)
    try:
        yield holds
    finally:
        if holds:
            cache.delete(lock)


def rendered_once(address, versions, render):
    """Return *render*() for the page at *address*, or the copy another request renders.

    With no copy to serve, many readers asking for one page at once would each
    render it: the first takes the lock, and the others wait for a copy
    *versions* let be served, or render themselves if none comes.
    """
    rendered = rendered_if_first(address, render)
    if rendered is not None:
        return rendered
    lock = f"rendering:{address}"
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        copy = shared_copy(address)
        if copy is not None and versions.servable(copy.version):
            return copy
        if cache.get(lock) is None:
            break  # rendered, and not a page to keep
    return render()


def page_address(request, reads):
    """Return the digest of *request*'s address, which files its page: the
    parameters in *reads*, in one order, so that their order does not matter.

    The host and scheme are in it: pages hold absolute links. So are the
    renderer's settings, as a page holds bodies rendered under them, and the
    publisher, whom release pages and feeds name.
    """
    keys = request.GET.keys() if reads == EVERY_PARAMETER else reads
    query = sorted((key, value) for key in keys for value in request.GET.getlist(key))
    address = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query)}"
    address = f"{renderer_settings()} {settings.BRIEFING_PUBLISHER} {address}"
    return hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


def thawed(request, copy):
    """Return the response kept as *copy*, for *request* (HEAD: the headers alone)."""
    content, headers = copy.content, copy.headers
    if request.method == "HEAD":
        # The headers of the page without its body, as HTTP asks.
        headers = {**headers, "Content-Length": str(len(content))}
        content = b""
    return HttpResponse(content, status=copy.status, headers=headers)


def unchanged(request, version, address):
    """Return a 304 if *request* holds the copy of the page at *address* kept under
    *version*, or None."""
    etag = page_etag(version, address)
    not_modified = get_conditional_response(request, etag=etag)
    return None if not_modified is None else revalidated(not_modified, etag)


def served(request, copy, address):
    """Return *copy* as the response to *request*, with its own ETag."""
    return revalidated(thawed(request, copy), page_etag(copy.version, address))


def page_etag(version, address):
    return f'"{version}-{address}"'


def stale_copy(request):
    """Return the copy kept of *request*'s page, whatever its version, or None.

    For when the database cannot say which version is current: the page may
    be older than the last save, and says so in its X-Served-Stale header.
    """
    reads = getattr(request, "page_reads", None)  # None: not a cached page
    if reads is None:
        return None
    address = page_address(request, reads)
    copy = shared_copy(address) or LOCAL_PAGES.get(address)
    if copy is None:
        return None
    response = thawed(request, copy)
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
