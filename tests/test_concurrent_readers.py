"""Readers keep getting pages while an import writes: real gunicorn, real import process.

Nothing is mocked. A fresh database is migrated and given a first small
archive; gunicorn serves it as production does (two workers); then
``manage.py import_release`` stores a larger archive in its own process while
reader threads fetch list, filtered, category and detail pages. Every reader
response must be a 200, and the list must show the new total afterwards.

SQLite (in WAL mode) is always tested; PostgreSQL too when DATABASE_URL names a
PostgreSQL server, in a database of its own that is dropped at the end.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from releases.archive_generator import ArchiveGenerator

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = BASE_DIR / "manage.py"
PG_DATABASE = "briefing_readers_test"

FIRST_COUNT = 200
SECOND_COUNT = 2_000
# The generator puts the file number in each slug: numbering the second
# archive from here keeps its permalinks apart from the first's.
SECOND_OFFSET = 100_000

READER_THREADS = 2
READER_TIMEOUT = 10  # seconds; above SQLite's 5 s busy timeout, so a lock shows as a 500
IMPORT_TIMEOUT = 120
MAX_REQUESTS_PER_READER = 20_000
MIN_OVERLAPPING_REQUESTS = 20

DETAIL_LINK = re.compile(r'href="(/briefing-room/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/[^"/]+/)"')
RESULT_COUNT = re.compile(r'<p class="result-count">(\d+) releases?</p>')

ENVIRONMENT_URL = os.environ.get("DATABASE_URL", "")
ENGINES = ["sqlite"]
if ENVIRONMENT_URL.startswith("postgres"):
    ENGINES.append("postgresql")


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path, lines=60):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"<could not read {path}: {error}>"
    return "\n".join(text.splitlines()[-lines:])


def child_env(database_url, **extra):
    env = {**os.environ, "DATABASE_URL": database_url, **extra}
    env.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
    env.pop("DJANGO_DEBUG", None)  # served as production serves it
    return env


def manage(database_url, *args, timeout=120):
    """Run manage.py *args* against *database_url*; fail the test unless it exits 0."""
    result = subprocess.run(
        [sys.executable, str(MANAGE), *map(str, args)],
        cwd=BASE_DIR,
        env=child_env(database_url),
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


def stop(process, timeout=10):
    """Terminate *process* (started by this test), then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@pytest.fixture
def database_url(request, tmp_path):
    """The URL of a fresh, empty database for the engine under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'readers.sqlite3'}"
        return

    import psycopg

    parts = urlsplit(ENVIRONMENT_URL)
    server_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    with psycopg.connect(server_url + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield f"{server_url}/{PG_DATABASE}"
    finally:
        with psycopg.connect(server_url + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


@pytest.fixture
def seeded_database(database_url, tmp_path):
    """*database_url*, migrated and holding a first small archive so pages have content."""
    manage(database_url, "migrate", "-v0")
    first = tmp_path / "first"
    ArchiveGenerator(seed=1).write(first, FIRST_COUNT)
    manage(database_url, "import_release", first, "-v0")
    return database_url


@pytest.fixture
def server(seeded_database, tmp_path):
    """gunicorn serving the seeded database with two workers; yields (base URL, error log)."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    assert manifest.exists(), (
        f"{manifest} is missing: production serves collected static files, "
        "run manage.py collectstatic (make setup) first"
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    port = free_port()
    error_log = tmp_path / "gunicorn-stderr.log"
    access_log = tmp_path / "gunicorn-access.log"
    with error_log.open("wb") as stderr, access_log.open("wb") as stdout:
        process = subprocess.Popen(
            [
                *command,
                "briefing.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
            cwd=BASE_DIR,
            env=child_env(seeded_database, DJANGO_ALLOWED_HOSTS="127.0.0.1"),
            stdout=stdout,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (
                f"gunicorn exited {process.returncode} while starting:\n{tail(error_log)}"
            )
            try:
                status, _ = fetch(f"{base}/briefing-room/", timeout=2)
                if status == 200:
                    break
            except OSError:
                status = None
            assert time.monotonic() < deadline, (
                f"gunicorn did not answer 200 within 20 s (last status {status}):\n"
                f"{tail(error_log)}"
            )
            time.sleep(0.1)
        yield base, error_log
    finally:
        stop(process)  # SIGTERM: gunicorn's graceful shutdown


class Reader(threading.Thread):
    """Fetch public pages in turn until *import_done* is set, recording every outcome."""

    def __init__(self, base, number, import_done, detail_paths):
        super().__init__(name=f"reader-{number}", daemon=True)
        self.base = base
        self.offset = number
        self.import_done = import_done
        self.detail_paths = detail_paths
        self.requests = 0
        self.overlapping = 0
        self.failures = []
        self.totals_seen = set()

    def paths(self):
        fixed = [
            "/briefing-room/",
            "/briefing-room/?category=press-briefings",
            "/briefing-room/press-briefings/",
            "/briefing-room/?page=3",
        ]
        step = self.offset
        while True:
            for path in fixed:
                yield path
                step += 1
                yield self.detail_paths[step % len(self.detail_paths)]

    def run(self):
        deadline = time.monotonic() + IMPORT_TIMEOUT
        paths = self.paths()
        while (
            not self.import_done.is_set()
            and self.requests < MAX_REQUESTS_PER_READER
            and time.monotonic() < deadline
        ):
            path = next(paths)
            url = self.base + path
            self.requests += 1
            try:
                status, body = fetch(url)
            except Exception as error:  # timeouts, refused or reset connections
                self.failures.append(f"{url}: {error!r}")
                continue
            if not self.import_done.is_set():
                self.overlapping += 1  # the import was running before and after this request
            if status != 200:
                self.failures.append(f"{url}: HTTP {status}")
                continue
            if path == "/briefing-room/":
                match = RESULT_COUNT.search(body)
                if match:
                    self.totals_seen.add(int(match[1]))
                # Newly imported releases join the detail pages read.
                self.detail_paths.extend(DETAIL_LINK.findall(body)[:3])


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
def test_readers_get_every_page_while_an_import_runs(seeded_database, server, tmp_path):
    database_url = seeded_database
    base, error_log = server
    second = tmp_path / "second"
    generator = ArchiveGenerator(seed=2)
    for number in range(SECOND_OFFSET, SECOND_OFFSET + SECOND_COUNT):
        generator.write_one(second, number)

    status, body = fetch(f"{base}/briefing-room/")
    assert status == 200
    assert f"{FIRST_COUNT} releases" in body
    detail_paths = DETAIL_LINK.findall(body)
    assert detail_paths, "the list page links no release"

    import_out = tmp_path / "import-stdout.log"
    import_err = tmp_path / "import-stderr.log"
    import_done = threading.Event()
    started = time.monotonic()
    with import_out.open("wb") as stdout, import_err.open("wb") as stderr:
        importer = subprocess.Popen(
            [sys.executable, str(MANAGE), "import_release", str(second), "-v0"],
            cwd=BASE_DIR,
            env=child_env(database_url),
            stdout=stdout,
            stderr=stderr,
        )
    readers = [Reader(base, number, import_done, detail_paths) for number in range(READER_THREADS)]
    try:
        for reader in readers:
            reader.start()
        try:
            returncode = importer.wait(timeout=IMPORT_TIMEOUT)
        except subprocess.TimeoutExpired:
            returncode = None
    finally:
        import_done.set()
        stop(importer)
        for reader in readers:
            reader.join(timeout=READER_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    print(
        f"import of {SECOND_COUNT} files took {elapsed:.1f} s; "
        f"{sum(r.requests for r in readers)} reader requests, "
        f"{sum(r.overlapping for r in readers)} while it ran; totals seen: "
        f"{sorted(set().union(*(r.totals_seen for r in readers)))}"
    )

    assert returncode == 0, (
        f"the import exited {returncode} after {elapsed:.1f} s\n"
        f"stdout:\n{tail(import_out)}\nstderr:\n{tail(import_err)}"
    )
    failures = [failure for reader in readers for failure in reader.failures]
    requests = sum(reader.requests for reader in readers)
    overlapping = sum(reader.overlapping for reader in readers)
    assert not failures, (
        f"{len(failures)} of {requests} reader requests failed during the import:\n"
        + "\n".join(failures[:30])
        + f"\n\ngunicorn stderr (tail):\n{tail(error_log)}"
    )
    assert overlapping >= MIN_OVERLAPPING_REQUESTS, (
        f"only {overlapping} of {requests} requests overlapped the {elapsed:.1f} s import"
    )
    final_total = FIRST_COUNT + SECOND_COUNT
    totals_seen = set().union(*(reader.totals_seen for reader in readers))
    assert any(FIRST_COUNT < total < final_total for total in totals_seen), (
        f"readers never saw a partly imported archive: totals seen {sorted(totals_seen)}"
    )

    stored = manage(
        database_url,
        "shell",
        "-v0",
        "-c",
        "from releases.models import Release; print(Release.objects.published().count())",
    )
    assert int(stored.split()[-1]) == final_total
    status, body = fetch(f"{base}/briefing-room/")
    assert status == 200
    assert RESULT_COUNT.search(body)[1] == str(final_total), (
        f"the list page does not show {final_total} releases"
    )
