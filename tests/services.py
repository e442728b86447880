"""The services some tests need beyond Python: Chromium, wrk, PostgreSQL and redis-server.

A test asks for each through one of the ``require_`` functions below. Where the
service is missing the test is skipped with the reason and how to install it;
under CI (``CI`` set, as ``.ci/run`` runs) it fails instead, so that a green run
never hides a test that did not run.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CONNECT_TIMEOUT = 3  # seconds; a service on this machine answers at once or not at all


def under_ci():
    """Whether this run is CI's, where every test must run."""
    return os.environ.get("CI", "").lower() not in {"", "0", "false"}


def require_service(name, available, install_hint):
    """Go on if *available*; otherwise fail under CI, or skip saying what is missing."""
    __tracebackhide__ = True  # report the test that asked, not this line
    if available:
        return
    reason = f"{name} is not available ({install_hint})"
    if under_ci():
        pytest.fail(f"{reason}; CI runs every test")
    pytest.skip(reason)


def require_chromium():
    """Debian's Chromium, which Playwright drives (never a downloaded browser)."""
    __tracebackhide__ = True
    require_service(f"Chromium at {CHROMIUM}", CHROMIUM.exists(), "apt-get install chromium")


def require_wrk():
    """Debian's wrk, the serving benchmark's load generator."""
    __tracebackhide__ = True
    require_service("wrk", shutil.which("wrk") is not None, "apt-get install wrk")


def require_postgres(server_url):
    """A PostgreSQL server at *server_url* that lets us in."""
    __tracebackhide__ = True
    require_service(
        f"PostgreSQL at {server_url}",
        postgres_answers(server_url),
        "apt-get install postgresql, or set BRIEFING_TEST_POSTGRES to a server",
    )


def require_redis_server():
    """Debian's redis-server, which the tests start on a port of their own."""
    __tracebackhide__ = True
    found = shutil.which("redis-server") is not None
    require_service("redis-server", found, "apt-get install redis-server")


def postgres_answers(server_url):
    """Whether the server at *server_url* accepts a connection to its postgres database."""
    parts = urlsplit(server_url)
    try:
        with psycopg.connect(
            urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")),
            connect_timeout=CONNECT_TIMEOUT,
        ):
            return True
    except psycopg.OperationalError:
        return False
