"""An import killed midway (kill -9, or SIGTERM from a service manager) is shown
as interrupted, with the counts of what it stored, and can be undone.

The import runs as its own process against a fresh database of the engine
under test, and is killed once it has stored its first batch.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from releases.benchmarks.generator import ArchiveGenerator
from releases.benchmarks.gunicorn import child_env
from tests.servers import BASE_DIR, MANAGE, fresh_postgres_database, manage
from tests.services import require_postgres

pytestmark = pytest.mark.slow

FILES = 3000  # six batches: the import is still going after its first
ENVIRONMENT_URL = os.environ.get("DATABASE_URL", "")
ENGINES = ["sqlite", *(["postgresql"] if ENVIRONMENT_URL.startswith("postgres") else [])]
# What staff would see of the run, read in a process of its own.
RUN_AS_STAFF_SEE_IT = """
import json
from releases.models import ImportRun, Release
ImportRun.objects.settle_abandoned()
run = ImportRun.objects.get()
print(json.dumps({"status": run.status, "created": run.created, "failed": run.failed,
                  "releases": Release.objects.count()}))
"""
UNDO = """
from releases.importing.undoing import undo_run
from releases.models import ImportRun, Release
print(undo_run(ImportRun.objects.get()), Release.objects.count(), ImportRun.objects.get().status)
"""


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
        manage(url, "migrate", "-v0")
        yield url
        return
    require_postgres(ENVIRONMENT_URL)
    with fresh_postgres_database("briefing_killed_imports", ENVIRONMENT_URL) as url:
        manage(url, "migrate", "-v0")
        yield url


def releases_stored(database_url):
    script = "from releases.models import Release; print(Release.objects.count())"
    return int(manage(database_url, "shell", "--no-imports", "-c", script))


def import_until_a_batch_is_stored(database_url, archive, timeout=180):
    """Start an import of *archive*; return its process once it has stored a batch."""
    process = subprocess.Popen(
        [sys.executable, str(MANAGE), "import_release", str(archive), "--jobs", "0", "-v0"],
        cwd=BASE_DIR,
        env=child_env(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout
    while releases_stored(database_url) == 0:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no batch was stored"
        time.sleep(0.2)
    return process


@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_killed_import_is_interrupted_with_its_counts_and_can_be_undone(
    database_url, tmp_path, sent
):
    archive = tmp_path / "archive"
    ArchiveGenerator().write(archive, FILES)
    process = import_until_a_batch_is_stored(database_url, archive)
    process.send_signal(sent)
    assert process.wait(timeout=60) != 0

    seen = json.loads(manage(database_url, "shell", "--no-imports", "-c", RUN_AS_STAFF_SEE_IT))
    assert seen["status"] == "interrupted"
    assert 0 < seen["releases"] < FILES
    assert seen["created"] == seen["releases"]
    assert seen["failed"] == 0

    undone = manage(database_url, "shell", "--no-imports", "-c", UNDO).split()
    assert undone[0] == str(seen["releases"])  # "N removed, 0 restored"
    assert undone[-2:] == ["0", "undone"]
