"""manage.py export_releases: releases written back out as the files they came from."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from releases.benchmarks.generator import ArchiveGenerator, format_release
from releases.importing.discovery import find_release_files
from releases.models import Release
from tests.release_files import SEED

pytestmark = pytest.mark.django_db

FIXTURES = SEED.parent
SNAPSHOT_FIELDS = (
    "title",
    "slug",
    "category__slug",
    "date",
    "published_at",
    "modified_at",
    "permalink",
    "body",
    "extra_front_matter",
    "published_offset",
    "modified_offset",
)


def export(directory, *args, **options):
    """Run export_releases into *directory*; return what it printed."""
    stdout = StringIO()
    call_command("export_releases", str(directory), *args, stdout=stdout, **options)
    return stdout.getvalue()


def front_matter(data):
    """Return the front-matter mapping of a release file's bytes."""
    _, text, _ = data.decode("utf-8").split("---\n", 2)
    return yaml.safe_load(text)


def files_by_permalink(directory):
    """Return {permalink: bytes} of the release files under *directory*."""
    files = {}
    for path, problem in find_release_files([directory]):
        assert problem is None, f"{path}: {problem}"
        data = Path(path).read_bytes()
        files[front_matter(data)["permalink"]] = data
    return files


def exported_paths(directory):
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*.md"))


def assert_round_trip(run_import, source, out):
    """Import *source*, export to *out*: every file comes back byte for byte."""
    status, _, err = run_import(source)
    assert (status, err) == (0, "")
    export(out)
    sources = files_by_permalink(source)
    exported = files_by_permalink(out)
    assert sorted(exported) == sorted(sources)
    different = [permalink for permalink in sources if exported[permalink] != sources[permalink]]
    assert different == []
    return exported


def test_the_seed_exports_to_its_own_bytes(run_import, tmp_path):
    status, _, _ = run_import(SEED)
    assert status == 0

    export(tmp_path)

    [path] = tmp_path.rglob("*.md")
    assert path.read_bytes() == SEED.read_bytes()


def test_files_are_laid_out_as_the_archive_is(run_import, tmp_path):
    run_import(SEED)

    export(tmp_path)

    release = Release.objects.get()
    assert exported_paths(tmp_path) == [f"statements-releases/2021-06/2021-06-08-{release.slug}.md"]


def test_every_fixture_exports_to_its_own_bytes(run_import, tmp_path):
    exported = assert_round_trip(run_import, FIXTURES, tmp_path / "export")

    assert len(exported) == 38


def test_a_generated_archive_exports_to_its_own_bytes(run_import, tmp_path):
    ArchiveGenerator(seed=7).write(tmp_path / "src", 60)

    exported = assert_round_trip(run_import, tmp_path / "src", tmp_path / "export")

    assert len(exported) == 60


def test_the_real_archive_sample_exports_to_its_own_bytes(run_import, archive_sample, tmp_path):
    exported = assert_round_trip(run_import, archive_sample, tmp_path)

    assert len(exported) == 528


def snapshot():
    rows = Release.objects.order_by("permalink").values(*SNAPSHOT_FIELDS)
    return list(rows)


def test_importing_an_export_into_an_empty_database_gives_the_same_rows(run_import, tmp_path):
    ArchiveGenerator(seed=7).write(tmp_path / "src", 60)
    run_import(tmp_path / "src")
    export(tmp_path / "export")
    before = snapshot()
    Release.objects.all().delete()

    status, _, err = run_import(tmp_path / "export")

    assert (status, err) == (0, "")
    assert len(before) == 60
    assert snapshot() == before


def test_front_matter_keys_the_site_does_not_use_are_exported(run_import, write_release, tmp_path):
    fields = {
        "author": "Press Office",
        "category": "statements-releases",
        "date": "2021-03-04",
        "permalink": "https://www.whitehouse.gov/briefing-room/statements-releases/2021/03/04/x/",
        "published_time": datetime.datetime.fromisoformat("2021-03-04 10:00:00-05:00"),
        "tags": ["a", "b"],
        "title": "Statement on the Harvest Festival",
    }
    source = write_release(content=format_release(fields, "The President spoke.\n"))
    run_import(source)

    export(tmp_path / "export")

    [path] = (tmp_path / "export").rglob("*.md")
    exported = front_matter(path.read_bytes())
    assert (exported["author"], exported["tags"]) == ("Press Office", ["a", "b"])
    assert path.read_bytes() == source.read_bytes()


def test_a_release_without_modified_time_exports_without_it(run_import, write_release, tmp_path):
    source = write_release()
    run_import(source)

    export(tmp_path / "export")

    [path] = (tmp_path / "export").rglob("*.md")
    assert "modified_time" not in front_matter(path.read_bytes())
    assert path.read_bytes() == source.read_bytes()


def test_a_release_with_only_a_date_exports_without_published_time(
    run_import, write_release, tmp_path
):
    text = (
        "---\n"
        "category: blog\n"
        "date: '2021-03-04'\n"
        "permalink: https://www.whitehouse.gov/briefing-room/blog/2021/03/04/dated/\n"
        "title: Dated only\n"
        "---\n"
        "Body.\n"
    )
    source = write_release(content=text)
    run_import(source)

    export(tmp_path / "export")

    [path] = (tmp_path / "export").rglob("*.md")
    assert "published_time" not in front_matter(path.read_bytes())
    assert path.read_bytes() == text.encode("utf-8")


def test_a_release_edited_in_the_admin_writes_its_modified_time_in_its_published_offset(
    run_import, tmp_path
):
    run_import(SEED)
    edited = datetime.datetime(2022, 1, 5, 20, 30, tzinfo=datetime.UTC)
    Release.objects.update(modified_at=edited, modified_offset=None)

    export(tmp_path)

    [path] = tmp_path.rglob("*.md")
    assert b"\nmodified_time: 2022-01-05 16:30:00-04:00\n" in path.read_bytes()


def test_a_release_published_from_the_admin_keeps_its_time_when_read_back(
    make_release, run_import, tmp_path
):
    published = datetime.datetime(2022, 1, 5, 20, 30, tzinfo=datetime.UTC)
    make_release(date=datetime.date(2022, 1, 5), published_at=published, published_offset=None)

    export(tmp_path / "export")

    [path] = (tmp_path / "export").rglob("*.md")
    assert b"\npublished_time: 2022-01-05 15:30:00-05:00\n" in path.read_bytes()
    Release.objects.all().delete()
    run_import(path)
    assert Release.objects.get().published_at == published


def test_category_exports_only_that_categorys_releases(make_release, tmp_path):
    make_release(category="press-briefings", slug="briefing")
    make_release(category="blog", slug="post")
    make_release(category="statements-releases", slug="statement")

    export(tmp_path, "--category", "press-briefings", "--category", "blog")

    assert exported_paths(tmp_path) == [
        "blog/2021-03/2021-03-01-post.md",
        "press-briefings/2021-03/2021-03-01-briefing.md",
    ]


def test_an_unknown_category_is_refused(make_release, tmp_path):
    make_release(category="blog")

    with pytest.raises(CommandError, match="--category: no category 'blgo'"):
        export(tmp_path, "--category", "blgo")


def test_since_and_until_export_only_releases_dated_between_them_inclusive(make_release, tmp_path):
    for day in ("2021-01-31", "2021-02-01", "2021-02-28", "2021-03-01"):
        make_release(date=datetime.date.fromisoformat(day), slug=f"on-{day}")

    export(tmp_path, "--since", "2021-02-01", "--until", "2021-02-28")

    assert exported_paths(tmp_path) == [
        "statements-releases/2021-02/2021-02-01-on-2021-02-01.md",
        "statements-releases/2021-02/2021-02-28-on-2021-02-28.md",
    ]


@pytest.mark.parametrize("value", ["yesterday", "2021-02-30", "20210201"])
def test_a_bad_since_date_is_refused_naming_the_option(make_release, tmp_path, value):
    with pytest.raises(CommandError, match=f"^--since: '{value}' is not a date"):
        export(tmp_path, "--since", value)


def test_since_after_until_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--since: 2021-03-01 is after --until 2021-02-01"):
        export(tmp_path, "--since", "2021-03-01", "--until", "2021-02-01")


def test_the_export_says_how_many_releases_it_wrote_and_where(make_release, tmp_path):
    make_release()
    make_release()

    output = export(tmp_path / "new" / "dir")

    assert output == f"exported 2 releases to {tmp_path / 'new' / 'dir'}\n"
    assert len(exported_paths(tmp_path / "new" / "dir")) == 2


def test_verbosity_0_prints_nothing(make_release, tmp_path):
    make_release()

    assert export(tmp_path, verbosity=0) == ""
    assert len(exported_paths(tmp_path)) == 1
