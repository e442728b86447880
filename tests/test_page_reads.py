"""The reads written in SQL (``db/page_reads.py``) find what their ORM spellings find."""

import datetime

import pytest

from releases.db import page_reads
from releases.lists import LIST_FIELDS
from releases.models import Category, Release
from releases.search.compiling import Criteria

pytestmark = pytest.mark.django_db

NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture
def mixed(make_release):
    """Releases of two categories, with ties in date and time, a draft, a withdrawn
    release and one scheduled for tomorrow."""
    at = datetime.datetime(2021, 6, 2, 15, tzinfo=datetime.UTC)
    briefing = {"category": "press-briefings"}
    made = [
        make_release(date=datetime.date(2021, 6, 1), **briefing),
        make_release(date=datetime.date(2021, 6, 2), published_at=at, **briefing),
        make_release(date=datetime.date(2021, 6, 2), published_at=at, **briefing),
        make_release(date=datetime.date(2021, 6, 2), published_at=at, **briefing),
        make_release(date=datetime.date(2021, 6, 2), status=Release.Status.DRAFT, **briefing),
        make_release(date=datetime.date(2021, 6, 3), status=Release.Status.WITHDRAWN, **briefing),
        make_release(date=datetime.date(2021, 6, 4), published_at=NOW + datetime.timedelta(days=1)),
        make_release(date=datetime.date(2021, 6, 5), **briefing),
        make_release(date=datetime.date(2021, 6, 2), title="A statement between"),
        make_release(date=datetime.date(2021, 6, 6), body="Ünïcode " * 400),
    ]
    return list(Release.objects.select_related("category").filter(pk__in=[r.pk for r in made]))


def orm_neighbours(release):
    shown = Release.objects.published().filter(category=release.category_id)
    key = release.sort_key()
    return (
        shown.older_than(key).newest_first().first(),
        shown.newer_than(key).oldest_first().first(),
    )


def test_neighbours_are_the_lists_neighbours(mixed):
    for release in mixed:
        older, newer = page_reads.neighbours(release)
        expected = orm_neighbours(release)
        assert (older, newer) == expected, release.title
        for found in (older, newer):
            if found is not None:
                stored = Release.objects.get(pk=found.pk)
                assert (found.title, found.slug, found.date) == (
                    stored.title,
                    stored.slug,
                    stored.date,
                )
                assert found.published_at == stored.published_at
                assert found.get_absolute_url() == stored.get_absolute_url()


def test_rows_by_id_hold_the_stored_values_and_leave_out_missing_ids(mixed):
    ids = [release.pk for release in mixed] + [10**9]
    found = page_reads.releases_by_id(ids, (*LIST_FIELDS, "status"))
    expected = Release.objects.only(*LIST_FIELDS, "status").in_bulk(ids)
    assert found.keys() == expected.keys()
    for pk, row in found.items():
        stored = Release.objects.get(pk=pk)
        for name in (*LIST_FIELDS, "status"):
            field = Release._meta.get_field(name)
            assert getattr(row, field.attname) == getattr(stored, field.attname), name
        assert row.published_at.tzinfo is not None
        assert "body" in row.get_deferred_fields()


def test_listed_rows_are_the_public_ones_with_their_stored_values(mixed):
    ids = [release.pk for release in mixed] + [10**9]
    found = page_reads.listed_releases(ids, opening=101)
    expected = Release.objects.published().in_bulk(ids)
    assert found.keys() == expected.keys()
    assert len(found) < len(mixed)  # the draft, the withdrawn and the scheduled left out
    for pk, row in found.items():
        stored = expected[pk]
        assert (row.pk, row.title, row.slug, row.date, row.category_id) == (
            stored.pk,
            stored.title,
            stored.slug,
            stored.date,
            stored.category_id,
        )
        assert isinstance(row.date, datetime.date)
        assert row.opening == stored.body[:101]


def test_listed_rows_read_no_opening_unless_asked(mixed):
    found = page_reads.listed_releases([release.pk for release in mixed])
    assert found
    assert all(row.opening == "" for row in found.values())


def test_the_release_at_an_address_is_the_one_on_record(mixed):
    for release in mixed:
        address = (release.category.slug, release.date, release.slug)
        on_record = Release.objects.on_record().filter(
            category__slug=address[0], date=address[1], slug=address[2]
        )
        found = page_reads.release_at(*address, deferred=("rendered_text",))
        assert found == on_record.first(), release.title
        if found is not None:
            assert found.category == release.category
            assert found.category.name == release.category.name
            assert found.body == release.body
            assert found.status == release.status
            assert "rendered_text" in found.get_deferred_fields()


def test_an_address_in_another_category_finds_nothing(mixed):
    release = next(release for release in mixed if release.category.slug == "press-briefings")
    assert page_reads.release_at(release.category.slug, release.date, release.slug) is not None
    assert page_reads.release_at("statements-releases", release.date, release.slug) is None
    assert page_reads.release_at(release.category.slug, release.date, "no-such-slug") is None


@pytest.mark.parametrize("window", [(0, 20), (2, 5), (8, 30)])
def test_a_lists_ids_and_rows_are_its_querysets(mixed, window):
    briefings = Category.objects.get(slug="press-briefings").pk
    first, last = datetime.date(2021, 6, 2), datetime.date(2021, 6, 5)
    for criteria in (
        Criteria(None),
        Criteria(None, categories=(briefings,)),
        Criteria(None, categories=()),
        Criteria(None, first_day=first),
        Criteria(None, categories=(briefings,), first_day=first, last_day=last),
        Criteria(None, last_day=last),
    ):
        queryset = Release.objects.published().newest_first()
        if criteria.categories is not None:
            queryset = queryset.filter(category__in=criteria.categories)
        if criteria.first_day:
            queryset = queryset.filter(date__gte=criteria.first_day)
        if criteria.last_day:
            queryset = queryset.filter(date__lte=criteria.last_day)
        expected = list(queryset.values_list("pk", flat=True)[window[0] : window[1]])
        assert page_reads.listed_ids(criteria, *window) == expected, criteria
        rows = page_reads.listed_window(criteria, *window)
        assert [row.pk for row in rows] == expected, criteria
        for row in rows:
            stored = Release.objects.get(pk=row.pk)
            assert (row.title, row.slug, row.date, row.category_id) == (
                stored.title,
                stored.slug,
                stored.date,
                stored.category_id,
            )


def test_a_releases_public_changes_are_its_corrections_newest_first(make_release):
    release = make_release(body="First words.")
    for note, body in (("", "Second words."), ("Fixed a name.", "Third."), ("A date.", "Fourth.")):
        release.body = body
        release.change_note = note
        release.save()
    found = page_reads.public_changes(release)
    expected = list(release.public_changes())
    assert [change.change_note for change in found] == ["A date.", "Fixed a name."]
    assert [change.pk for change in found] == [change.pk for change in expected]
    assert [change.change_note for change in found] == [c.change_note for c in expected]
    assert [change.history_date for change in found] == [c.history_date for c in expected]
