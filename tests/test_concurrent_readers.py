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
import subprocess
import sys
import threading
import time

import pytest

from releases.benchmarks.generator import ArchiveGenerator
from releases.benchmarks.gunicorn import child_env, stop, tail
from tests.servers import (
    BASE_DIR,
    MANAGE,
    READER_TIMEOUT,
    fetch,
    fresh_postgres_database,
    manage,
    running_gunicorn,
)
from tests.services import require_postgres

pytestmark = pytest.mark.slow

PG_DATABASE = "briefing_readers_test"

FIRST_COUNT = 200
SECOND_COUNT = 2_000
# The generator puts the file number in each slug: numbering the second
# archive from here keeps its permalinks apart from the first's.
SECOND_OFFSET = 100_000

READER_THREADS = 2
IMPORT_TIMEOUT = 120
MAX_REQUESTS_PER_READER = 20_000
MIN_OVERLAPPING_REQUESTS = 20

DETAIL_LINK = re.compile(r'href="(/briefing-room/[a-z0-9-]+/\d{4}/\d{2}/\d{2}/[^"/]+/)"')
RESULT_COUNT = re.compile(r'<p class="result-count">([\d,]+) releases?</p>')

ENVIRONMENT_URL = os.environ.get("DATABASE_URL", "")
ENGINES = ["sqlite"]
if ENVIRONMENT_URL.startswith("postgres"):
    ENGINES.append("postgresql")


@pytest.fixture
def database_url(request, tmp_path):
    """The URL of a fresh, empty database for the engine under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'readers.sqlite3'}"
        return
    require_postgres(ENVIRONMENT_URL)
    with fresh_postgres_database(PG_DATABASE, ENVIRONMENT_URL) as url:
        yield url


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
    with running_gunicorn(seeded_database, tmp_path) as (base, log):
        yield base, log


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
                    self.totals_seen.add(int(match[1].replace(",", "")))
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
    assert RESULT_COUNT.search(body)[1] == f"{final_total:,}", (
        f"the list page does not show {final_total} releases"
    )
