"""Archive imports: duplicates, all-or-nothing runs, renamed keys, redirects, run records."""

import datetime
import gc
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand, OutputWrapper

from releases.addresses import kept_address
from releases.benchmarks.generator import ArchiveGenerator
from releases.importing import importer
from releases.importing.parsing import parse_release
from releases.importing.preparing import PreparedFile
from releases.importing.progress import ProgressBar
from releases.importing.storing import BatchWriter
from releases.models import ImportRun, Redirect, Release
from releases.search import updating
from tests.release_files import release_text, todays_archive_text

pytestmark = pytest.mark.django_db


def versioned(title, modified):
    """A release file whose title and modified_time vary, with one permalink."""
    text = release_text(title=title)
    return text.replace("title:", f"modified_time: {modified}\ntitle:")


@pytest.fixture
def small_batches(monkeypatch):
    """Two files a batch, so that a run of a few files spans several batches."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)


@pytest.mark.parametrize("newest_first", [True, False])
def test_duplicate_permalinks_keep_the_one_modified_last(run_import, write_release, newest_first):
    old = versioned("Old title", "2021-03-05 09:00:00-05:00")
    new = versioned("New title", "2021-03-06 09:00:00-05:00")
    first, second = (new, old) if newest_first else (old, new)
    write_release("a.md", content=first)
    path = write_release("b.md", content=second).parent
    status, out, _ = run_import(path)
    assert status == 0
    assert out.strip() == "created 1, updated 0, unchanged 0, superseded 1, failed 0"
    assert Release.objects.get().title == "New title"


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("rerun", [False, True])
def test_duplicates_in_different_batches_are_settled_the_same(
    run_import, write_release, small_batches, newest_first, rerun
):
    """Claims from earlier batches are read back from the run's records."""
    old = versioned("Old title", "2021-03-05 09:00:00-05:00")
    new = versioned("New title", "2021-03-06 09:00:00-05:00")
    write_release("a.md", content=new if newest_first else old)
    for number in range(3):
        write_release(f"b{number}.md", slug=f"filler-{number}")
    last = write_release("c.md", content=old if newest_first else new)
    winner, loser = (last.parent / "a.md", last) if newest_first else (last, last.parent / "a.md")
    if rerun:
        run_import(last.parent)
    status, out, _ = run_import(last.parent)
    assert status == 0
    # On a re-run, an older file read first rewrites the release before the
    # newer one restores it: that is one update, which the summary owns up to.
    winner_outcome = "created"
    if rerun:
        winner_outcome = "unchanged" if newest_first else "updated"
    expected = {"created": 3, "updated": 0, "unchanged": 0, "superseded": 1, "failed": 0}
    if rerun:
        expected.update(created=0, unchanged=3)
    expected[winner_outcome] += 1
    assert out.strip() == ", ".join(f"{outcome} {count}" for outcome, count in expected.items())
    assert Release.objects.get(slug="statement-on-the-harvest-festival").title == "New title"
    run = ImportRun.objects.latest()
    records = {row.path: row for row in run.files.all()}
    assert records[str(loser)].outcome == "superseded"
    assert records[str(loser)].reason == f"superseded by {winner}, modified later"
    assert records[str(winner)].outcome == winner_outcome
    assert len(records) == 5


def test_file_matching_half_a_stored_digest_is_read_again(run_import, write_release):
    path = write_release("a.md", title="From the file")
    run_import(path)
    digest = Release.objects.get().source_hash
    Release.objects.update(title="Edited by staff", source_hash=digest[:16] + "0" * 16)
    status, out, _ = run_import(path)
    assert status == 0
    assert out.strip() == "created 0, updated 1, unchanged 0, superseded 0, failed 0"
    assert Release.objects.get().title == "From the file"


def test_superseded_file_says_which_file_won(run_import, write_release):
    write_release("a.md", content=versioned("Old title", "2021-03-05 09:00:00-05:00"))
    newer = write_release("b.md", content=versioned("New title", "2021-03-06 09:00:00-05:00"))
    _, out, _ = run_import(newer.parent, verbosity=2)
    assert f"superseded: {newer.parent / 'a.md'} (superseded by {newer}, modified later)" in out


def test_without_modified_time_the_later_publication_wins(run_import, write_release):
    write_release("a.md", content=release_text(title="Later").replace("10:00:00", "11:00:00"))
    path = write_release("b.md", content=release_text(title="Earlier"))
    run_import(path.parent)
    assert Release.objects.get().title == "Later"


def test_atomic_run_with_a_bad_file_writes_nothing(write_release):
    write_release("good.md")
    path = write_release("bad.md", content="no front matter\n")
    message = "Nothing imported: 1 file\\(s\\) failed and --atomic was given"
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_release",
            str(path.parent),
            "--atomic",
            *("--jobs", "0", "--nice", "0"),
            stderr=io.StringIO(),
        )
    assert not Release.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.ROLLED_BACK
    assert run.files.count() == 2


def test_atomic_run_of_good_files_imports_them_all(run_import, write_release):
    write_release("one.md", slug="one")
    path = write_release("two.md", slug="two")
    status, _, _ = run_import(path.parent, atomic=True)
    assert status == 0
    assert Release.objects.count() == 2
    assert ImportRun.objects.get().status == ImportRun.Status.FINISHED


def test_todays_archive_imports_by_itself_and_the_summary_says_how_keys_were_read(
    run_import, write_release
):
    write_release("one.md", content=todays_archive_text())
    path = write_release("two.md", content=todays_archive_text(title="Second", slug="second"))
    status, out, err = run_import(path.parent)
    assert (status, err) == (0, "")
    release = Release.objects.get(slug="america-first-trade")
    assert release.permalink == "https://archive.example.org/articles/2025/02/america-first-trade/"
    assert (release.category.slug, release.category.name) == ("fact-sheets", "Fact Sheets")
    assert out.count("keys read as") == 1
    assert out.strip().endswith("failed 0; keys read as: tags → category, source_url → permalink")


def test_other_key_names_import_with_map(run_import, write_release):
    path = write_release(content=todays_archive_text().replace("title:", "headline:"))
    _, _, err = run_import(path)
    assert "title: missing or empty" in err
    status, out, _ = run_import(path, key_map=[("headline", "title")])
    assert status == 0
    assert Release.objects.get().title == "Fact Sheet: America First Trade"
    assert "keys read as: headline → title, tags → category, source_url → permalink" in out


def test_map_to_an_unknown_field_is_refused(write_release):
    with pytest.raises(CommandError, match="is not KEY=FIELD"):
        call_command("import_release", str(write_release()), "--map", "source_url=url")


def test_permalink_of_another_shape_redirects_to_the_release(client, run_import, write_release):
    run_import(write_release(content=todays_archive_text()))
    release = Release.objects.get()
    response = client.get("/articles/2025/02/america-first-trade/")
    assert response.status_code == 301
    assert response.url == "/briefing-room/fact-sheets/2025/02/03/america-first-trade/"
    assert release.get_absolute_url() == response.url
    assert client.get(response.url).status_code == 200
    assert client.get("/articles/2025/02/no-such-release/").status_code == 404
    without_slash = client.get("/articles/2025/02/america-first-trade")
    assert (without_slash.status_code, without_slash.url) == (301, release.get_absolute_url())


def test_an_import_keeps_none_of_its_files_addresses(client, run_import, write_release):
    """Each is asked once or twice in a run: kept, a large archive's addresses would
    fill every process of the import with tens of megabytes never asked again."""
    kept_address.cache_clear()
    write_release("trade.md", content=todays_archive_text())
    run_import(write_release("statement.md").parent)
    assert kept_address.cache_info().currsize == 0
    response = client.get("/articles/2025/02/america-first-trade/")
    assert response.url == "/briefing-room/fact-sheets/2025/02/03/america-first-trade/"


def test_release_moved_by_a_reimport_redirects_from_its_old_address(
    client, run_import, write_release
):
    path = write_release()
    run_import(path)
    old_address = Release.objects.get().get_absolute_url()
    write_release(content=release_text().replace("category: statements-releases", "category: blog"))
    run_import(path)
    release = Release.objects.get()
    assert release.category.slug == "blog"
    response = client.get(old_address)
    assert (response.status_code, response.url) == (301, release.get_absolute_url())
    assert Redirect.objects.filter(release=release).count() == 1


def test_each_run_is_recorded_with_its_files(run_import, write_release):
    write_release("good.md")
    path = write_release("bad.md", content="---\ntitle: [\n---\n")
    run_import(path.parent)
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.failed) == (ImportRun.Status.FINISHED, 1, 1)
    assert run.started_by.endswith("(manage.py import_release)")
    assert run.options["paths"] == [str(path.parent)]
    assert run.finished_at >= run.started_at
    files = {row.path: row for row in run.files.all()}
    assert files[str(path.parent / "good.md")].release == Release.objects.get()
    assert files[str(path)].outcome == "failed"
    assert files[str(path)].reason.startswith("line 3: invalid YAML")


def test_dry_run_is_not_recorded(run_import, write_release):
    run_import(write_release(), dry_run=True)
    assert not ImportRun.objects.exists()


def test_staff_see_runs_newest_first_and_filter_files_by_outcome(client, run_import, write_release):
    write_release("good.md")
    path = write_release("bad.md", content="nothing\n")
    run_import(path.parent)
    run_import(path.parent)
    client.force_login(get_user_model().objects.create_superuser("staff", "s@example.gov", "pw"))
    runs = client.get("/admin/releases/importrun/").context["cl"].result_list
    assert [run.unchanged for run in runs] == [1, 0]
    latest = runs[0]
    response = client.get(
        "/admin/releases/importedfile/", {"run__id__exact": latest.pk, "outcome__exact": "failed"}
    )
    assert [row.path for row in response.context["cl"].result_list] == [str(path)]


def test_run_page_links_each_count_to_those_files(client, publisher, run_import, write_release):
    write_release("good.md")
    bad = write_release("bad.md", content="nothing\n")
    run_import(bad.parent)
    run = ImportRun.objects.get()
    client.force_login(publisher)
    for page in (f"/admin/releases/importrun/{run.pk}/change/", "/admin/releases/importrun/"):
        links = {
            text: href.replace("&amp;", "&")
            for href, text in re.findall(r'<a href="([^"]+)">(\d+ \w+)</a>', client.get(page).text)
        }
        assert set(links) == {"1 created", "1 failed"}
        files = client.get(links["1 failed"]).context["cl"].result_list
        assert [row.path for row in files] == [str(bad)]


def test_run_page_and_undo_message_give_times_in_the_press_offices_zone(
    client, publisher, run_import, write_release
):
    # 04:30 in UTC is 00:30 in New York: the hour tells which zone a time is shown in.
    with time_machine.travel(datetime.datetime(2025, 3, 10, 4, 30, 15, tzinfo=datetime.UTC)):
        run_import(write_release())
    run = ImportRun.objects.get()
    client.force_login(publisher)
    page = client.get(f"/admin/releases/importrun/{run.pk}/change/").text
    assert "Times are America/New_York time" in page
    assert re.search(
        r"Started at:</label>\s*<div class=\"readonly\">March 10, 2025, 12:30 a\.m\.", page
    )
    assert re.search(
        r"Finished at:</label>\s*<div class=\"readonly\">March 10, 2025, 12:30 a\.m\.", page
    )
    undo = {"action": "undo", "_selected_action": [run.pk], "post": "yes"}
    done = client.post("/admin/releases/importrun/", undo, follow=True).text
    assert "Undid Import of March 10, 2025, 12:30 a.m. by " in done
    assert "04:30" not in page + done
    assert "00:30" not in page + done, "times are written one way, as the admin writes them"


def test_unchanged_file_keeps_a_staff_correction(run_import, write_release):
    path = write_release()
    run_import(path)
    Release.objects.update(title="Corrected by staff")
    _, out, _ = run_import(path)
    assert "unchanged 1" in out
    assert Release.objects.get().title == "Corrected by staff"


def test_a_run_of_many_batches_and_index_commits_imports_and_indexes_every_file_once(
    client, run_import, write_release, small_batches, monkeypatch
):
    """What bounds an import's memory (batches, index commits, rows read at a time)
    holds a few files at once; every file still counts, once, in each run."""
    monkeypatch.setattr(updating, "CHUNK", 3)
    monkeypatch.setattr(updating, "READ_ROWS", 2)
    for number in range(7):
        path = write_release(f"{number}.md", slug=f"release-{number}", body="On sorghum.\n")
    _, out, _ = run_import(path.parent)
    assert out.strip() == "created 7, updated 0, unchanged 0, superseded 0, failed 0"
    _, out, _ = run_import(path.parent)
    assert out.strip() == "created 0, updated 0, unchanged 7, superseded 0, failed 0"
    found = client.get("/briefing-room/", {"q": "sorghum"}).context["release_list"]
    assert sorted(release.slug for release in found) == [f"release-{n}" for n in range(7)]


@pytest.mark.slow  # worker processes, forked
def test_worker_processes_store_the_same_values(run_import, tmp_path):
    ArchiveGenerator(seed=3).write(tmp_path / "archive", 40)
    run_import(tmp_path / "archive", jobs=0)
    one_process = list(Release.objects.order_by("permalink").values())
    Release.objects.all().delete()
    status, out, _ = run_import(tmp_path / "archive", jobs=2)
    assert status == 0
    assert out.strip() == "created 40, updated 0, unchanged 0, superseded 0, failed 0"
    two_processes = list(Release.objects.order_by("permalink").values())
    ignored = {"id", "created_at", "updated_at"}
    strip = [{k: v for k, v in row.items() if k not in ignored} for row in one_process]
    assert strip == [{k: v for k, v in row.items() if k not in ignored} for row in two_processes]


def test_symlink_loops_are_reported_not_fatal(run_import, write_release):
    path = write_release("archive/one.md")
    (path.parent / "again").symlink_to(path.parent)
    status, out, err = run_import(path.parent)
    assert status == 1
    assert (
        err.strip()
        == f"{path.parent / 'again'}: symbolic link loop: this directory contains itself"
    )
    assert out.strip() == "created 1, updated 0, unchanged 0, superseded 0, failed 1"


def test_interrupted_import_keeps_whole_releases_and_a_rerun_finishes(
    run_import, write_release, small_batches, monkeypatch
):
    for number in range(5):
        path = write_release(f"{number}.md", slug=f"release-{number}")
    calls = []
    store = BatchWriter.store

    def interrupt_second_batch(self, writes):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return store(self, writes)

    monkeypatch.setattr(BatchWriter, "store", interrupt_second_batch)
    with pytest.raises(CommandError, match="Interrupted after created 2,") as interrupted:
        call_command(
            "import_release", str(path.parent), "--jobs", "0", "--nice", "0", stdout=io.StringIO()
        )
    assert interrupted.value.returncode == 130
    assert Release.objects.count() == 2
    assert ImportRun.objects.get().status == ImportRun.Status.INTERRUPTED
    monkeypatch.setattr(BatchWriter, "store", store)
    _, out, _ = run_import(path.parent)
    assert out.strip() == "created 3, updated 0, unchanged 2, superseded 0, failed 0"


@pytest.mark.slow
def test_killed_import_leaves_only_whole_releases(tmp_path):
    """Kill the real command midway, as a power cut or the OOM killer would."""
    archive = tmp_path / "archive"
    ArchiveGenerator(seed=5).write(archive, 2000)
    database = tmp_path / "killed.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    process = subprocess.Popen([*manage, "import_release", str(archive), "-v0"], env=env)
    deadline = time.monotonic() + 60
    while stored_count(database) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT permalink, title, body FROM releases_release").fetchall()
    assert 0 < len(rows) < 2000
    sources = (parse_release(path.read_bytes()) for path in archive.rglob("*.md"))
    written = {source.permalink: (source.title, source.body) for source in sources}
    assert all(written[permalink] == (title, body) for permalink, title, body in rows)
    result = subprocess.run(
        [*manage, "import_release", str(archive)], env=env, capture_output=True, text=True
    )
    created, unchanged = 2000 - len(rows), len(rows)
    assert result.stdout.strip() == (
        f"created {created}, updated 0, unchanged {unchanged}, superseded 0, failed 0"
    )


def stored_count(database):
    try:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT count(*) FROM releases_release").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_files_rate_and_time_left_on_a_terminal():
    ticks = iter([0.0, 2.0])
    stream = Terminal()
    bar = ProgressBar(OutputWrapper(stream), total=400, clock=lambda: next(ticks))
    bar.advance(100)
    assert (
        stream.getvalue()
        == "\r[######------------------] 100/400 files  25%  50 files/s  0:06 left"
    )


def test_progress_bar_is_not_drawn_in_the_error_colour():
    stream = Terminal()
    command = BaseCommand(stderr=stream, force_color=True)
    bar = ProgressBar(command.stderr, total=10)
    bar.advance(5)
    assert "\x1b[" not in stream.getvalue(), "red is for failures"
    command.stderr.write("a failure")
    assert "\x1b[31" in stream.getvalue()


def test_progress_bar_makes_way_for_a_message_on_a_terminal():
    stream = Terminal()
    bar = ProgressBar(OutputWrapper(stream), total=10)
    bar.clear()
    assert stream.getvalue() == "\r\x1b[K"


def test_progress_bar_is_quiet_when_not_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(OutputWrapper(stream), total=10)
    bar.advance(5)
    bar.close()
    assert stream.getvalue() == ""


def test_an_import_meeting_another_at_the_same_moment_reports_its_files_unchanged(
    monkeypatch, run_import, write_release
):
    for number in range(3):
        write_release(f"r{number}.md", slug=f"release-{number}", title=f"Release {number}")
    directory = write_release("r0.md", slug="release-0", title="Release 0").parent
    store_batch = BatchWriter.store_batch
    other_imports = []

    def other_import_first(writer, writes):
        # Between settling its batch and storing it, another import stores
        # the same files, as two imports started together would; the other
        # import's own batches are stored as usual.
        if not other_imports:
            other_imports.append("started")
            other_imports.append(run_import(directory))
        return store_batch(writer, writes)

    monkeypatch.setattr(BatchWriter, "store_batch", other_import_first)
    status, out, err = run_import(directory)
    _, (other_status, other_out, _) = other_imports
    assert other_status == 0
    assert "created 3" in other_out
    assert (status, err) == (0, "")
    assert "created 0, updated 0, unchanged 3" in out
    assert Release.objects.count() == 3


@pytest.mark.parametrize("jobs", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_an_import_holds_a_few_batches_of_files_whatever_the_archive(
    run_import, tmp_path, small_batches, monkeypatch, jobs
):
    # Ten batches: the files held at once must not grow with the batches stored.
    held = []
    write = BatchWriter.write

    def counting_write(self, batch):
        # Held: reachable. Garbage the collector has not come round to is not.
        gc.collect()
        held.append(sum(isinstance(thing, PreparedFile) for thing in gc.get_objects()))
        return write(self, batch)

    monkeypatch.setattr(BatchWriter, "write", counting_write)
    ArchiveGenerator(seed=5).write(tmp_path / "archive", 20)
    status, out, _ = run_import(tmp_path / "archive", jobs=jobs)
    assert status == 0
    assert out.strip() == "created 20, updated 0, unchanged 0, superseded 0, failed 0"
    assert len(held) == 10
    chunk = min(importer.CHUNK_FILES, importer.BATCH_SIZE)
    assert max(held) <= importer.BATCH_SIZE + importer.CHUNKS_IN_FLIGHT * chunk
