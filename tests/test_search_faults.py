"""Faults of the search index: its directory deleted while a server serves, a
process killed while writing it, two processes catching up at once.

Searches keep answering throughout; once the index has caught up it holds
every release exactly once, as the database has it now.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import tantivy

from releases.benchmarks.generator import ArchiveGenerator
from releases.benchmarks.gunicorn import child_env
from releases.search.directory import CURRENT
from releases.search.updating import CAUGHT_UP_IN_REQUEST, position
from tests.servers import (
    BASE_DIR,
    MANAGE,
    fresh_postgres_database,
    manage,
    running_gunicorn,
    searched,
)
from tests.services import require_postgres

pytestmark = pytest.mark.slow

# Three of catch_up's commits (updating.CHUNK) when every release changes.
RELEASES = CAUGHT_UP_IN_REQUEST * 2 + 500
ENVIRONMENT_URL = os.environ.get("DATABASE_URL", "")
ENGINES = ["sqlite", *(["postgresql"] if ENVIRONMENT_URL.startswith("postgres") else [])]
# A word in the generated releases' bodies (releases.benchmarks.generator.PROSE).
COMMON_WORD = "administration"
TIMEOUT = 180  # seconds
CATCH_UP = "from releases.search.updating import catch_up; catch_up()"
# Every release changes: its title gains a word, and the journal says so.
RETITLE = """
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from releases.models import Release
from releases.search import journal
with transaction.atomic():
    Release.objects.update(title=Concat("title", Value(" {word}")))
    journal.append(Release.objects.values_list("pk", flat=True))
"""
# Search until the index has caught up; then say what it holds.
HELD = """
import json, time, tantivy
from releases.models import Release
from releases.search.compiling import Criteria
from releases.search.engine import Search
from releases.search.query import parse_search
while (search := Search()).releases_to_go:
    time.sleep(0.2)
stored = list(Release.objects.values_list("pk", flat=True))
# The releases' own documents, not the speakers' beside them (schema.py).
releases = tantivy.Query.boolean_query([
    (tantivy.Occur.Must, tantivy.Query.all_query()),
    (tantivy.Occur.MustNot, tantivy.Query.exists_query("speaker")),
])
found = search.searcher.search(releases, len(stored) + 10, count=False)
indexed = search.searcher.fast_field_values("id", [address for _, address in found.hits])
word = search.count(Criteria(parse_search({word!r}), public=False))
print(json.dumps({{"indexed": indexed, "stored": stored, "word": word}}))
"""


@pytest.fixture(scope="module", params=ENGINES)
def database_url(request, tmp_path_factory):
    """A database of the engine under test holding RELEASES generated releases."""
    directory = tmp_path_factory.mktemp("search-faults")
    archive = directory / "archive"
    ArchiveGenerator().write(archive, RELEASES)
    if request.param == "sqlite":
        yield imported(f"sqlite:///{directory / 'faults.sqlite3'}", archive, directory)
        return
    require_postgres(ENVIRONMENT_URL)
    with fresh_postgres_database("briefing_search_faults", ENVIRONMENT_URL) as url:
        yield imported(url, archive, directory)


def imported(url, archive, directory):
    index = directory / "import-index"
    manage(url, "migrate", "-v0", BRIEFING_SEARCH_INDEX=index)
    manage(url, "import_release", archive, "-v0", timeout=600, BRIEFING_SEARCH_INDEX=index)
    return url


def run(database_url, index, script):
    return manage(database_url, "shell", "--no-imports", "-c", script, BRIEFING_SEARCH_INDEX=index)


def start(database_url, index, script):
    """Start manage.py shell running *script* on *index*; return its process."""
    return subprocess.Popen(
        [sys.executable, str(MANAGE), "shell", "--no-imports", "-c", script],
        cwd=BASE_DIR,
        env=child_env(database_url, BRIEFING_SEARCH_INDEX=str(index)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def held(database_url, index, word):
    """Catch *index* up by searching; return what it holds (see HELD)."""
    return json.loads(run(database_url, index, HELD.format(word=word)))


def assert_exact(holding):
    """The index holds each stored release once (and its position, id 0), and the
    retitled ones under their new title."""
    indexed = holding["indexed"]
    assert len(indexed) == len(set(indexed)), "a release is indexed twice"
    assert sorted(indexed) == [0, *sorted(holding["stored"])]
    assert holding["word"] == len(holding["stored"])


def index_position(index):
    """The last journal entry the index at *index* holds, read as a search would."""
    return position(tantivy.Index.open(str(index / CURRENT)).searcher())


def test_searches_answer_while_a_deleted_index_is_rebuilt(database_url, tmp_path):
    index = tmp_path / "index"
    with running_gunicorn(database_url, tmp_path, BRIEFING_SEARCH_INDEX=index) as (base, _):
        full = caught_up(base)
        shutil.rmtree(index)
        # Newest first: the same releases, on a page not in the cache yet.
        answers = [searched(base, COMMON_WORD, sort="newest")]
        answers.append(caught_up(base, sort="newest"))
    assert all(status == 200 for status, _, _ in answers), answers
    assert answers[-1] == full
    assert (index / CURRENT).is_dir()


def caught_up(base, **parameters):
    """Search *base* until it no longer says it is catching up; return its answer."""
    deadline = time.monotonic() + TIMEOUT
    while (answer := searched(base, COMMON_WORD, **parameters))[2]:
        assert answer[0] == 200, answer
        assert time.monotonic() < deadline, "the index did not catch up"
        time.sleep(0.5)
    assert answer[0] == 200, answer
    return answer


def test_a_process_killed_while_catching_up_loses_nothing(database_url, tmp_path):
    index = tmp_path / "index"
    run(database_url, index, CATCH_UP)
    before = index_position(index)
    run(database_url, index, RETITLE.format(word="Quetzal"))

    process = start(database_url, index, CATCH_UP)
    deadline = time.monotonic() + TIMEOUT
    while index_position(index) == before and process.poll() is None:
        assert time.monotonic() < deadline, "catch_up committed nothing"
        time.sleep(0.05)
    assert process.poll() is None, "catch_up ended before it could be killed"
    process.kill()  # one commit in, writing the next
    process.wait()

    assert_exact(held(database_url, index, "quetzal"))


@pytest.mark.parametrize("start_from", ["empty", "behind"])
def test_two_processes_catching_up_at_once_index_each_release_once(
    database_url, tmp_path, start_from
):
    index = tmp_path / "index"
    if start_from == "behind":
        run(database_url, index, CATCH_UP)
    run(database_url, index, RETITLE.format(word=f"Zanzibar{start_from}"))

    processes = [start(database_url, index, CATCH_UP) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=TIMEOUT) == 0, process.stderr.read().decode()

    assert_exact(held(database_url, index, f"zanzibar{start_from}"))
