"""parse_release: exact values from real files, and a clear reason for bad ones."""

import datetime

import pytest

from releases.importing.errors import ReleaseError
from releases.importing.parsing import MAX_RELEASE_BYTES, parse_release
from tests.release_files import BAD_FILES, SEED, release_text, todays_archive_text

UTC = datetime.UTC


def parse_text(text):
    return parse_release(text.encode("utf-8"))


def reason_for(data):
    with pytest.raises(ReleaseError) as excinfo:
        parse_release(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(excinfo.value)


def test_front_matter_no_release_approaches_is_refused_before_it_is_read():
    keys = "".join(f"key{number}: value\n" for number in range(110_000))
    with pytest.raises(ReleaseError, match="front matter is longer than the 65,536 character"):
        parse_release(f"---\n{keys}---\nBody.\n".encode())


def test_todays_archive_is_read_without_a_key_map():
    release = parse_text(todays_archive_text())
    assert release.category == "fact-sheets"
    assert release.permalink == "https://archive.example.org/articles/2025/02/america-first-trade/"
    assert release.slug == "america-first-trade"
    assert release.keys_read_as == (("tags", "category"), ("source_url", "permalink"))
    assert release.extra_front_matter == ""


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("tags:\n- Fact Sheets", "tags: []", "tags (read as category): "),
        ("source_url: https://", "source_url: ftp://", "source_url (read as permalink): "),
    ],
)
def test_a_bad_value_under_todays_keys_is_named_as_the_file_names_it(old, new, reason):
    text = todays_archive_text()
    assert old in text
    with pytest.raises(ReleaseError) as refused:
        parse_text(text.replace(old, new))
    assert str(refused.value).startswith(reason)


def test_todays_keys_beside_the_fields_they_stand_for_are_kept_as_they_are():
    extra = "source_url: https://elsewhere.example.org/x/\ntags:\n- trade\n"
    release = parse_text(release_text().replace("title:", f"{extra}title:"))
    assert release.category == "statements-releases"
    assert release.permalink.startswith("https://www.whitehouse.gov/briefing-room/")
    assert release.keys_read_as == ()
    assert release.extra_front_matter == extra


def test_a_key_map_wins_over_todays_layout():
    text = todays_archive_text().replace("title:", "section: Trade\ntitle:")
    release = parse_release(text.encode(), {"section": "category"})
    assert release.category == "trade"
    assert release.keys_read_as == (("section", "category"), ("source_url", "permalink"))
    assert release.extra_front_matter == "tags:\n- Fact Sheets\n"


def test_seed_values_are_exact():
    release = parse_release(SEED.read_bytes())
    assert release.title == (
        "Statement by Senior Advisor and Chief Spokesperson Symone Sanders on Vice"
        " President Kamala Harris\u2019s Bilateral Meeting with President Andr\xe9s Manuel"
        " L\xf3pez Obrador of Mexico"
    )
    assert release.category == "statements-releases"
    assert release.date == datetime.date(2021, 6, 8)
    assert release.published_at == datetime.datetime(2021, 6, 8, 18, 38, tzinfo=UTC)
    assert release.modified_at == datetime.datetime(2021, 12, 23, 21, 12, 56, tzinfo=UTC)
    assert release.slug.startswith("statement-by-senior-advisor")
    assert release.extra_front_matter == ""


def test_seed_body_is_kept_as_written():
    release = parse_release(SEED.read_bytes())
    written = SEED.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert release.body == written
    assert "Andr**é**s Manuel López Obrador" in release.body


def test_bom_and_crlf_line_endings_are_accepted():
    text = release_text(body="Line one.\nLine two.\n")
    release = parse_release(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert release.title == "Statement on the Harvest Festival"
    assert release.body == "Line one.\nLine two.\n"


def test_unknown_keys_are_kept_as_yaml():
    text = release_text().replace("title:", "author: Press Office\ntags:\n- trade\ntitle:")
    release = parse_text(text)
    assert release.extra_front_matter == "author: Press Office\ntags:\n- trade\n"


def test_category_names_become_slugs():
    text = release_text().replace("category: statements-releases", "category: Press Briefings")
    assert parse_text(text).category == "press-briefings"


def test_date_comes_from_published_time_when_missing():
    text = release_text().replace("date: '2021-03-04'\n", "")
    assert parse_text(text).date == datetime.date(2021, 3, 4)


def test_published_time_defaults_to_start_of_the_date_in_the_office_time_zone():
    text = release_text().replace("published_time: 2021-03-04 10:00:00-05:00\n", "")
    assert parse_text(text).published_at == datetime.datetime(2021, 3, 4, 5, 0, tzinfo=UTC)


def test_time_without_offset_is_read_in_the_office_time_zone():
    text = release_text().replace("10:00:00-05:00", "10:00:00")
    assert parse_text(text).published_at == datetime.datetime(2021, 3, 4, 15, 0, tzinfo=UTC)


def test_slug_falls_back_to_the_title_when_the_permalink_has_none():
    text = release_text().replace(
        "https://www.whitehouse.gov/briefing-room/statements-releases/2021/03/04/"
        "statement-on-the-harvest-festival/",
        "https://example.gov/",
    )
    assert parse_text(text).slug == "statement-on-the-harvest-festival"


@pytest.mark.parametrize(("text", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_gives_its_reason(text, reason):
    assert reason in reason_for(text)


def test_undecodable_bytes_are_named():
    data = release_text().encode("utf-8").replace(b"Harvest", b"Harv\xffst")
    assert reason_for(data).startswith("not UTF-8: invalid byte 0xff at offset")


def test_binary_content_is_refused():
    assert "binary content" in reason_for(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_file_over_the_size_limit_is_refused():
    data = release_text(body="x" * MAX_RELEASE_BYTES).encode("utf-8")
    assert "larger than the 2,097,152 byte limit" in reason_for(data)


def test_reasons_are_one_line():
    for text, _ in BAD_FILES.values():
        assert "\n" not in reason_for(text)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("date: '2021-03-04'", "date: '0001-01-01'", "date: 0001-01-01 is outside the years"),
        ("date: '2021-03-04'", "date: '2205-03-01'", "date: 2205-03-01 is outside the years"),
        ("published_time: 2021-03-04", "published_time: 1066-03-04", "published_time: 1066-03-04"),
    ],
)
def test_a_date_outside_the_public_record_is_refused_by_name(old, new, reason):
    assert reason_for(release_text().replace(old, new)).startswith(reason)


def test_the_first_and_last_years_of_the_record_are_dates_a_release_may_have():
    for date in ("1789-01-01", "2149-12-31"):
        text = release_text().replace("2021-03-04", date)
        assert parse_text(text).date == datetime.date.fromisoformat(date)
