"""One release, many addresses: an archive that moved to another host, a slug
fixed after publication. A file whose permalink is new but whose address is a
release's is that release published again: the later modified of the two is
kept, the release keeps every permalink it had, and old paths redirect."""

import shutil

import pytest

from releases.importing.undoing import undo_run
from releases.models import Category, FormerPermalink, ImportRun, Release
from tests.release_files import ARCHIVE_SAMPLE, release_text

pytestmark = pytest.mark.django_db

OLD_HOST = "https://www.whitehouse.gov"
ARCHIVE_HOST = "https://bidenwhitehouse.archives.gov"


def moved(text, modified=None):
    """Return release file *text* as the archive host republished it."""
    text = text.replace(OLD_HOST, ARCHIVE_HOST)
    if modified:
        text = text.replace("---\n", f"---\nmodified_time: {modified}\n", 1)
    return text


def rows():
    """What the database holds of the releases, to compare two orders of import."""
    releases = Release.objects.order_by("slug", "date").values_list(
        "title", "slug", "date", "permalink", "body", "modified_at"
    )
    former = FormerPermalink.objects.order_by("url").values_list("url", "release__slug")
    return list(releases), list(former)


def test_a_release_republished_on_another_host_is_one_release(run_import, write_release, client):
    original = write_release("old.md", body="As first issued.\n")
    assert run_import(original)[0] == 0
    republished = write_release(
        "moved.md", content=moved(release_text(body="As corrected.\n"), "2022-01-01 09:00:00-05:00")
    )
    status, out, err = run_import(republished)
    assert (status, err) == (0, "")
    assert "updated 1" in out
    release = Release.objects.get()
    assert release.permalink.startswith(ARCHIVE_HOST)
    assert release.body == "As corrected.\n"
    assert [former.url for former in release.former_permalinks.all()] == [
        f"{OLD_HOST}/briefing-room/statements-releases/2021/03/04/statement-on-the-harvest-festival/"
    ]
    assert client.get(f"/api/releases/{release.pk}/").json()["permalink"] == release.permalink


def test_an_older_file_under_another_permalink_is_superseded_and_still_matches(
    run_import, write_release
):
    newer = write_release("moved.md", content=moved(release_text(), "2022-01-01 09:00:00-05:00"))
    run_import(newer)
    status, out, err = run_import(write_release("old.md"))
    assert (status, err) == (0, "")
    assert "superseded 1" in out
    release = Release.objects.get()
    assert release.permalink.startswith(ARCHIVE_HOST)
    assert release.former_permalinks.get().url.startswith(OLD_HOST)
    assert "superseded 1" in run_import(write_release("old.md"))[1], "it still matches"


def test_slugs_differing_by_a_stray_character_are_one_release(run_import, write_release, client):
    stray = release_text().replace("harvest-festival/", "harvest-festival%ef%bf%bc/")
    run_import(write_release("stray.md", content=stray))
    clean = release_text().replace(
        "published_time:", "modified_time: 2021-03-05 10:00:00-05:00\npublished_time:"
    )
    status, _, _ = run_import(write_release("clean.md", content=clean))
    assert status == 0
    release = Release.objects.get()
    assert "%ef%bf%bc" not in release.permalink
    assert release.former_permalinks.get().url.endswith("festival%ef%bf%bc/")
    response = client.get(f"{release.get_absolute_url()[:-1]}%EF%BF%BC/")
    assert response.status_code == 301
    assert response["Location"] == release.get_absolute_url()


def sample_moved_to_the_archive_host(tmp_path):
    """Return (the archive sample, a copy of it republished on the archive host, the
    number of files the move changed)."""
    sample = tmp_path / "sample"
    shutil.copytree(ARCHIVE_SAMPLE, sample)
    copy = tmp_path / "moved"
    shutil.copytree(ARCHIVE_SAMPLE, copy)
    changed = 0
    for path in copy.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if moved(text) != text:
            path.write_text(moved(text), encoding="utf-8")
            changed += 1
    return sample, copy, changed


def import_in_order(run_import, directories):
    """Import *directories* in order into an empty archive; return the rows left."""
    Release.objects.all().delete()
    for directory in directories:
        status, _, err = run_import(directory)
        assert (status, err) == (0, ""), err[:2000]
    return rows()


@pytest.mark.slow
def test_the_sample_and_its_move_import_in_either_order_to_the_same_rows(run_import, tmp_path):
    sample, copy, changed = sample_moved_to_the_archive_host(tmp_path)
    assert changed > 500
    sample_first = import_in_order(run_import, [sample, copy])
    assert FormerPermalink.objects.count() == changed
    moved_first = import_in_order(run_import, [copy, sample])
    assert FormerPermalink.objects.count() == changed
    assert sample_first == moved_first


def test_a_release_staff_moved_is_still_matched_by_its_old_address(run_import, write_release):
    run_import(write_release("old.md"))
    release = Release.objects.get()
    release.category = Category.objects.create(slug="readouts", name="Readouts")
    release.save()
    status, out, err = run_import(write_release("moved.md", content=moved(release_text())))
    assert (status, err) == (0, "")
    assert "created 0" in out
    assert Release.objects.count() == 1


def test_undoing_a_move_gives_the_release_its_own_permalink_back(run_import, write_release):
    run_import(write_release("old.md"))
    later = moved(release_text(body="As corrected.\n"), "2022-01-01 09:00:00-05:00")
    run_import(write_release("moved.md", content=later))
    undo_run(ImportRun.objects.latest())
    release = Release.objects.get()
    assert release.permalink.startswith(OLD_HOST)
    assert not release.former_permalinks.filter(url=release.permalink).exists()
