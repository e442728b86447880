"""Real servers for the tests: gunicorn as production runs it, manage.py in its own
process, fresh PostgreSQL databases, and plain HTTP requests to them."""

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings

from releases.benchmarks import gunicorn as serving
from releases.benchmarks.gunicorn import child_env

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = BASE_DIR / "manage.py"
READER_TIMEOUT = 10  # seconds; above SQLite's 5 s busy timeout, so a lock shows as a 500
EDITOR_PASSWORD = "a-long-passphrase"  # of the editor set_up_site makes
RESULT_COUNT = re.compile(r'<p class="result-count">([\d,]+) release')
CATCHING_UP = "Search is catching up"
POSTGRES_SERVER = os.environ.get("BRIEFING_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the response it is, rather than following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy from the environment: the server is on this machine.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(url, timeout=READER_TIMEOUT):
    """Return (status, body text) of a GET of *url*; HTTP errors are returned, not raised."""
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", "replace")


def within_the_bound(read, shows):
    """Return read() once shows() holds of it, asking again until the freshness bound
    (BRIEFING_STALE_SECONDS) has passed: until then a reader other than the staff
    member who made a change may be served the copy from before it."""
    deadline = time.monotonic() + settings.BRIEFING_STALE_SECONDS + 1
    while not shows(result := read()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return result


def searched(base, text, **parameters):
    """Search the public list at *base* for *text*; return (status, count shown or None,
    whether the page says the search is catching up)."""
    status, page = fetch(f"{base}/briefing-room/?{urlencode({'q': text, **parameters})}")
    count = RESULT_COUNT.search(page)
    return status, count and int(count[1].replace(",", "")), CATCHING_UP in page


def manage(database_url, *args, timeout=120, **environment):
    """Run manage.py *args* against *database_url*; fail the test unless it exits 0."""
    result = subprocess.run(
        [sys.executable, str(MANAGE), *map(str, args)],
        cwd=BASE_DIR,
        env=child_env(database_url, **environment),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


@contextlib.contextmanager
def running_gunicorn(database_url, log_directory, name="gunicorn", **environment):
    """gunicorn as production runs it, serving *database_url*; yields (base URL, log path)."""
    log = Path(log_directory, f"{name}.log")
    with serving.running_gunicorn(database_url, log, **environment) as base:
        yield base, log


@contextlib.contextmanager
def fresh_postgres_database(name, server_url=POSTGRES_SERVER):
    """Create a PostgreSQL database named for *name* and this test process (dropping any
    left over); yield its URL; drop it. Two test runs at once, from two checkouts, on one
    server, each have their own."""
    import psycopg

    name = f"{name}_{os.getpid()}"
    parts = urlsplit(server_url)
    server = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def set_up_site(database_url, **environment):
    """Migrate *database_url*, import the fixtures and make a staff member."""
    manage(database_url, "migrate", "-v0", **environment)
    manage(database_url, "import_release", Path("fixtures"), "-v0", **environment)
    manage(
        database_url,
        "createsuperuser",
        "--noinput",
        "--username=editor",
        "--email=editor@example.gov",
        DJANGO_SUPERUSER_PASSWORD=EDITOR_PASSWORD,
        **environment,
    )
