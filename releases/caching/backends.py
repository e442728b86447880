"""A Redis cache that the site can do without: when Redis is down or hung, the
cache answers as an empty one that keeps nothing, and tries Redis again soon.

Everything the site caches is derived from the database, so a miss costs a
render, never a wrong page. Short socket timeouts bound what a hung Redis
costs the request that finds it so; after that, requests skip Redis until
RETRY_SECONDS have passed, so one outage costs one slow request a process
every few seconds, and one line in the log when it starts and when it ends.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("briefing.cache")

RETRY_SECONDS = 2.0
# Seconds to connect, and to wait for an answer: a hung Redis costs no more.
SOCKET_TIMEOUT = 0.2


class Outage:
    """Whether this process finds Redis unreachable, and since when.

    One per process: a request that finds Redis down spares the requests
    after it the wait, until the next try.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since = None
        self.next_try = 0.0

    def skipping(self):
        """Whether to skip Redis now: it failed, and its next try has not come."""
        return self.down_since is not None and time.monotonic() < self.next_try

    def failed(self, error):
        with self.lock:
            now = time.monotonic()
            self.next_try = now + RETRY_SECONDS
            if self.down_since is None:
                self.down_since = now
                logger.warning("cache unreachable, serving without it: %s", error)

    def succeeded(self):
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is not None:
                down_for = time.monotonic() - self.down_since
                self.down_since = None
                logger.warning("cache reachable again after %.1f s", down_for)


OUTAGE = Outage()


def degrading(fallback):
    """Make a cache method answer *fallback*(arguments) instead of failing when Redis does."""

    def decorate(method):
        def call(self, *args, **kwargs):
            if OUTAGE.skipping():
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except RedisError as error:
                OUTAGE.failed(error)
                return fallback(*args, **kwargs)
            OUTAGE.succeeded()
            return result

        call.__name__ = method.__name__
        call.__doc__ = method.__doc__
        return call

    return decorate


def nothing(*args, **kwargs):
    return None


def refused(*args, **kwargs):
    return False


def added(*args, **kwargs):
    # As an empty cache would: nothing was under the key. Above all for a page's
    # render lock, which no request could otherwise take while Redis is down.
    return True


def default_of(key, default=None, version=None):
    return default


def no_values(keys, version=None):
    return {}


def none_stored(data, timeout=None, version=None):
    return list(data)


def counted_from_zero(key, delta=1, version=None):
    return delta


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache while Redis cannot be reached."""

    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": SOCKET_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
            # redis-py retries a failed command by default; one timeout is enough.
            "retry": Retry(NoBackoff(), 0),
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})

    get = degrading(default_of)(RedisCache.get)
    get_many = degrading(no_values)(RedisCache.get_many)
    has_key = degrading(refused)(RedisCache.has_key)
    add = degrading(added)(RedisCache.add)
    set = degrading(nothing)(RedisCache.set)
    set_many = degrading(none_stored)(RedisCache.set_many)
    touch = degrading(refused)(RedisCache.touch)
    delete = degrading(refused)(RedisCache.delete)
    delete_many = degrading(nothing)(RedisCache.delete_many)
    incr = degrading(counted_from_zero)(RedisCache.incr)
    clear = degrading(refused)(RedisCache.clear)

    def reachable(self):
        """Whether Redis answers now, asked afresh: for the readiness check."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except RedisError:
            return False
