"""A database that has just failed a request is left alone for a moment.

While PostgreSQL hangs, or drops packets, each new connection waits its whole
connect timeout (3 s) before it fails: a worker held that long by every
request would leave readers of cached pages queued behind it, though their
pages need no database. So once connecting or waiting for an answer has
failed, the requests of the next RETRY_SECONDS in this process fail at once,
as the outage they would meet, and ``DatabaseOutageMiddleware`` answers them
with the cached copy or a 503; the first request after that tries again. The
Redis cache backs off the same way (``caching/backends.py``). Only requests
are turned away, whose wait limit is in force: commands, which have none, never.
"""

import time

import psycopg

from releases.db import wait_limits

# Longer than a connect timeout (3 s): a worker trying again waits that long, and
# answers at once for this long after, so most of its time goes to readers.
RETRY_SECONDS = 5.0

# When this process may next try the database (time.monotonic()); 0: now. One
# assignment sets it: a thread reads the time before or after it, either sound.
_next_try = 0.0


def refuse_while_down():
    """Raise OperationalError if a request would try the database before its next try."""
    if wait_limits.limit() is not None and time.monotonic() < _next_try:
        raise psycopg.OperationalError(
            f"the database failed within the last {RETRY_SECONDS:g} s; not tried again yet"
        )


def failed():
    """Record that the database could not be reached or did not answer."""
    global _next_try
    _next_try = time.monotonic() + RETRY_SECONDS


def answered():
    """Record that the database was reached: every request may try it again."""
    global _next_try
    _next_try = 0.0
