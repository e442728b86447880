"""manage.py import_release: exact values, idempotent runs, and bad files that change nothing."""

import datetime
import os
import re
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command

from releases.benchmarks.gunicorn import child_env
from releases.importing import importer
from releases.importing.parsing import MAX_RELEASE_BYTES
from releases.models import Category, Release
from releases.search import directory, journal, updating
from tests.release_files import BAD_FILES, SEED, release_text
from tests.servers import manage

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def database_snapshot():
    """Every stored release and category, serialized, to prove nothing changed."""
    return serializers.serialize("json", [*Category.objects.all(), *Release.objects.all()])


def test_seed_is_stored_with_exact_values(run_import):
    status, out, _ = run_import(SEED)
    release = Release.objects.get()
    assert status == 0
    assert out.strip() == "created 1, updated 0, unchanged 0, superseded 0, failed 0"
    assert release.title == (
        "Statement by Senior Advisor and Chief Spokesperson Symone Sanders on Vice"
        " President Kamala Harris’s Bilateral Meeting with President Andrés Manuel"
        " López Obrador of Mexico"
    )
    assert release.category.name == "Statements and Releases"
    assert release.date == datetime.date(2021, 6, 8)
    assert release.published_at == datetime.datetime(2021, 6, 8, 18, 38, tzinfo=UTC)
    assert release.modified_at == datetime.datetime(2021, 12, 23, 21, 12, 56, tzinfo=UTC)
    assert release.permalink == yaml.safe_load(SEED.read_text().split("---\n")[1])["permalink"]
    assert "Andr<strong>é</strong>s Manuel López Obrador" in release.body_html


def test_reimporting_an_unchanged_file_writes_nothing(run_import):
    run_import(SEED)
    before = Release.objects.values("pk", "updated_at").get()
    status, out, _ = run_import(SEED)
    assert status == 0
    assert out.strip() == "created 0, updated 0, unchanged 1, superseded 0, failed 0"
    assert Release.objects.values("pk", "updated_at").get() == before


def test_a_changed_file_updates_the_same_release(run_import, write_release):
    path = write_release(body="First draft.\n")
    run_import(path)
    first = Release.objects.get()
    write_release(title="Corrected title", body="Corrected text.\n")
    status, out, _ = run_import(path)
    release = Release.objects.get()
    assert status == 0
    assert out.strip() == "created 0, updated 1, unchanged 0, superseded 0, failed 0"
    assert (release.pk, release.title) == (first.pk, "Corrected title")
    assert release.body_html.startswith('<p id="p1">Corrected text.<a class="anchor"')


def test_dry_run_reports_and_writes_nothing(run_import, write_release):
    path = write_release()
    status, out, _ = run_import(path, dry_run=True)
    assert status == 0
    assert out.strip() == (
        "Dry run, nothing written: created 1, updated 0, unchanged 0, superseded 0, failed 0"
    )
    assert not Release.objects.exists()


def test_dry_run_of_a_changed_file_reports_updated(run_import, write_release):
    path = write_release()
    run_import(path)
    write_release(title="New title")
    _, out, _ = run_import(path, dry_run=True)
    assert "updated 1" in out
    assert Release.objects.get().title == "Statement on the Harvest Festival"


def test_unknown_category_is_created_with_a_readable_name(run_import, write_release):
    run_import(write_release(category="fact-sheets"))
    assert Release.objects.get().category.name == "Fact Sheets"


@pytest.mark.parametrize(("text", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_reported_and_changes_nothing(run_import, write_release, text, reason):
    run_import(write_release("good.md"))
    before = database_snapshot()
    bad = write_release("bad.md", content=text)
    status, out, err = run_import(bad)
    assert status == 1
    assert reason in err
    assert err.startswith(f"{bad}: ")
    assert "Traceback" not in err
    assert out.strip() == "created 0, updated 0, unchanged 0, superseded 0, failed 1"
    assert database_snapshot() == before


def test_bad_update_leaves_the_stored_release_as_it_was(run_import, write_release):
    path = write_release()
    run_import(path)
    before = database_snapshot()
    write_release(content=release_text().replace("'2021-03-04'", "'soon'"))
    status, _, err = run_import(path)
    assert status == 1
    assert "date: 'soon' is not a date" in err
    assert database_snapshot() == before


def test_directory_imports_good_files_and_reports_bad_ones(run_import, tmp_path, write_release):
    write_release("2021/one.md", slug="one")
    write_release("2021/nested/two.txt", slug="two")
    write_release("2021/broken.md", content="no front matter here\n")
    write_release("2021/notes.json", content="{}")
    write_release("README.md", content="# About this archive\n")
    status, out, err = run_import(tmp_path)
    assert status == 1
    assert out.strip() == "created 2, updated 0, unchanged 0, superseded 0, failed 1"
    broken = tmp_path / "2021" / "broken.md"
    assert err.strip() == f"{broken}: no front matter: the file must start with a '---' line"
    assert set(Release.objects.values_list("slug", flat=True)) == {"one", "two"}


def test_missing_path_is_reported(run_import, tmp_path):
    status, _, err = run_import(tmp_path / "nowhere.md")
    assert status == 1
    assert err.strip() == f"{tmp_path / 'nowhere.md'}: no such file"


def test_special_files_in_a_directory_are_reported_not_fatal(run_import, tmp_path, write_release):
    write_release("good.md")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "gone.md")
    status, out, err = run_import(tmp_path)
    assert status == 1
    assert out.strip() == "created 1, updated 0, unchanged 0, superseded 0, failed 2"
    assert err.splitlines() == [
        f"{tmp_path / 'dangling.md'}: no such file",
        f"{tmp_path / 'pipe.md'}: not a regular file",
    ]


def test_oversized_file_is_refused_before_reading(run_import, write_release):
    path = write_release(body="x" * (MAX_RELEASE_BYTES + 1))
    _, _, err = run_import(path)
    assert err.strip() == f"{path}: file is larger than the 2,097,152 byte limit"


def test_verbosity_two_lists_every_file(run_import, write_release):
    path = write_release()
    _, out, _ = run_import(path, verbosity=2)
    assert f"created: {path}" in out


def test_verbosity_zero_prints_only_failures(run_import, write_release):
    good = write_release("good.md")
    bad = write_release("bad.md", content="nothing\n")
    status, out, err = run_import(good, bad, verbosity=0)
    assert (status, out) == (1, "")
    assert err.startswith(f"{bad}: no front matter")


def test_hostile_values_are_stored_as_written(run_import, write_release):
    title = "<script>alert('title')</script>"
    body = (
        "<script>alert(1)</script>\n\n"
        '<img src="x.png" onerror="alert(2)">\n\n'
        "[click](javascript:alert(3))\n"
    )
    run_import(write_release(title=f'"{title}"', body=body))
    release = Release.objects.get()
    assert (release.title, release.body) == (title, body)
    assert "<script" not in release.body_html
    assert "onerror" not in release.body_html
    # No link but the paragraph's own anchor.
    assert re.findall(r'href="([^"]*)"', release.body_html) == ["#p1"]


def expected_values(path):
    """Read a release file with PyYAML alone, independently of the importer."""
    _, front_matter, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields = yaml.safe_load(front_matter)
    return {
        "title": fields["title"],
        "category": fields["category"],
        "date": datetime.date.fromisoformat(fields["date"]),
        "published_at": fields["published_time"],
        "modified_at": fields.get("modified_time"),
        "body": body,
    }


def test_archive_sample_imports_with_every_value_exact(run_import, archive_sample):
    status, out, err = run_import(archive_sample)
    files = sorted(archive_sample.rglob("*.md"))
    files = [path for path in files if path.name != "README.md"]
    assert (status, err) == (0, "")
    assert out.strip() == f"created {len(files)}, updated 0, unchanged 0, superseded 0, failed 0"
    stored = {release.permalink: release for release in Release.objects.select_related("category")}
    for path in files:
        expected = expected_values(path)
        permalink = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])["permalink"]
        release = stored[permalink]
        actual = {
            "title": release.title,
            "category": release.category.slug,
            "date": release.date,
            "published_at": release.published_at,
            "modified_at": release.modified_at,
            "body": release.body,
        }
        assert actual == expected, path


def test_archive_sample_reimport_is_all_unchanged(run_import, archive_sample):
    run_import(archive_sample)
    status, out, _ = run_import(archive_sample)
    assert status == 0
    count = Release.objects.count()
    assert out.strip() == f"created 0, updated 0, unchanged {count}, superseded 0, failed 0"


@pytest.mark.slow
def test_command_line_exits_non_zero_with_one_line_per_bad_file(tmp_path, write_release):
    """Run the real command in a process of its own, as an operator would."""
    good = write_release("good.md")
    bad = write_release("bad.md", content=b"\xff\xfe binary junk")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    result = subprocess.run(
        [*manage, "import_release", str(good), str(bad)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stdout.strip() == "created 1, updated 0, unchanged 0, superseded 0, failed 1"
    assert result.stderr.splitlines() == [
        f"{bad}: not UTF-8: invalid byte 0xff at offset 0",
        "CommandError: 1 file(s) could not be imported",
    ]


# Run in a process of its own: import_release with the given arguments, each
# file's preparer writing down its process and that process's niceness, and
# the command's own last.
RECORDING_PRIORITIES = """
import os, sys
import django

django.setup()
from django.core.management import call_command
from releases.importing.preparing import FilePreparer

record, arguments = sys.argv[1], sys.argv[2:]
prepare = FilePreparer.prepare


def write_down(who):
    with open(record, "a") as lines:
        priority = os.getpriority(os.PRIO_PROCESS, 0)
        print(who, os.getpid(), priority, os.sched_getscheduler(0), file=lines)


def prepare_and_write_down(self, path, skip_known=True):
    write_down("worker")
    return prepare(self, path, skip_known)


FilePreparer.prepare = prepare_and_write_down
call_command("import_release", *arguments)
write_down("command")
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "nicer_by", "policy"),
    [([], 10, os.SCHED_IDLE), (["--nice", "0"], 0, os.SCHED_OTHER)],
    ids=["idle", "as started"],
)
def test_an_import_and_its_workers_give_way_to_readers(
    tmp_path, write_release, options, nicer_by, policy
):
    """The command and its worker processes run nicer than whoever started them, as
    idle work, unless --nice 0 says otherwise: readers' requests have the processor
    first."""
    for number in range(4):
        archive = write_release(f"archive/{number}.md", slug=f"harvest-{number}").parent
    database_url = f"sqlite:///{tmp_path / 'nice.sqlite3'}"
    manage(database_url, "migrate", "-v0")
    record = tmp_path / "priorities.txt"
    script = [sys.executable, "-c", RECORDING_PRIORITIES, str(record)]
    arguments = [str(archive), "--jobs", "2", "-v0", *options]
    environment = child_env(database_url)
    subprocess.run([*script, *arguments], cwd=settings.BASE_DIR, env=environment, check=True)
    lines = [line.split() for line in record.read_text().splitlines()]
    (command_pid,) = {pid for who, pid, _, _ in lines if who == "command"}
    workers = {pid for who, pid, _, _ in lines if who == "worker"}
    assert workers
    assert command_pid not in workers
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + nicer_by)
    assert {int(priority) for _, _, priority, _ in lines} == {expected}
    assert {int(scheduled) for _, _, _, scheduled in lines} == {policy}


@pytest.mark.parametrize("value", ["-1", "20", "ten"])
def test_a_niceness_out_of_range_is_refused(write_release, value):
    with pytest.raises(CommandError, match="--nice: must be a whole number from 0 to 19"):
        call_command("import_release", str(write_release()), "--nice", value)
    assert not Release.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_every_release_an_import_stores_is_in_the_index_when_it_ends(
    run_import, write_release, monkeypatch, tmp_path
):
    # Batches of two: the index takes in each batch beside the storing of the next.
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    for number in range(7):
        write_release(f"{number}.md", slug=f"harvest-{number}", title=f"Harvest {number}")
    status, out, _ = run_import(tmp_path)
    assert status == 0
    assert out.strip() == "created 7, updated 0, unchanged 0, superseded 0, failed 0"
    searcher = directory.opened().searcher()
    assert updating.position(searcher) == journal.head()
    assert searcher.num_docs == Release.objects.count() + 1  # and the index's position
