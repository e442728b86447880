"""What each kind of public page asks the database: one query per fact.

A page's first render after a change (nothing kept) and its render from kept
counts and facets (the page itself not kept) each cost a fixed number of
queries, whatever the archive holds: a query more is a slower page for every
reader. On failure, pytest-django lists the queries the page made.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from releases.changes import content_changed

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


@pytest.fixture
def archive(make_release):
    """Releases in two categories over two years; return one of them."""
    releases = [
        make_release(
            title=f"Jobs report {day}",
            body=f"The jobs report of day {day}.",
            category="press-briefings" if day % 2 else "statements-releases",
            date=datetime.date(2020 + day % 2, 3, day),
        )
        for day in range(1, 26)
    ]
    return releases[10]


@pytest.fixture
def pages_rendered(settings):
    """Every page rendered afresh, as after someone else's change: no kept pages."""
    settings.BRIEFING_PAGE_CACHE = False


def assert_first_and_kept_renders(client, address, first, kept, assert_num_queries):
    """Assert that *address* costs *first* queries with nothing kept (as after someone
    else's change: a new content version, and an empty cache), then *kept* with its
    counts and facets kept."""
    with transaction.atomic():
        content_changed()
    cache.clear()
    with assert_num_queries(first):
        assert client.get(address).status_code == 200
    with assert_num_queries(kept):
        assert client.get(address).status_code == 200


# The queries of a list: the content version, the categories on record (for
# its filter, links and facets, asked once), the counts by category and year
# (the facets and the list's count, in one), and the page's rows with their ids
# found from the listing index, in one. Kept: the version and the rows.
@pytest.mark.parametrize(
    "address",
    [LIST, f"{LIST}?category=press-briefings", f"{LIST}press-briefings/"],
    ids=["list", "filtered list", "category list"],
)
def test_a_list_asks_each_fact_once(
    client, archive, pages_rendered, address, django_assert_num_queries
):
    assert_first_and_kept_renders(client, address, 4, 2, django_assert_num_queries)


def test_a_list_asks_for_the_categories_on_record_once(client, archive, pages_rendered):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"{LIST}?category=press-briefings").text
    categories = [query for query in queries if 'FROM "releases_category"' in query["sql"]]
    assert len(categories) == 1
    assert '<option value="press-briefings" selected>Press Briefings</option>' in html


def test_a_year_asks_each_fact_once(client, archive, pages_rendered, django_assert_num_queries):
    # Besides a list's: whether the year has releases, the years either side,
    # and the months of the year (kept).
    assert_first_and_kept_renders(client, f"{LIST}2021/", 8, 5, django_assert_num_queries)


def test_a_search_asks_each_fact_once(client, archive, pages_rendered, django_assert_num_queries):
    client.get(LIST, {"q": "jobs"})  # the index built
    # The content version, the categories on record, the journal's last entry
    # (is the index up to date?), and the page's rows with the openings of their
    # bodies, for the snippets, in one. Kept: the version and the rows (the
    # journal's last entry is held for the version).
    assert_first_and_kept_renders(client, f"{LIST}?q=jobs", 4, 2, django_assert_num_queries)


def test_a_release_page_asks_each_fact_once(
    client, archive, pages_rendered, django_assert_num_queries
):
    client.get(LIST, {"q": "jobs"})  # the index built, for related releases
    # The release, its older and newer neighbours (one query), its public
    # corrections, the content version, then for related releases the journal's
    # last entry and the categories' slugs. Kept: the first four.
    address = archive.get_absolute_url()
    assert_first_and_kept_renders(client, address, 6, 4, django_assert_num_queries)


def test_a_search_of_what_a_speaker_said_asks_each_fact_once(
    client, make_release, pages_rendered, django_assert_num_queries
):
    for day in range(1, 26):
        body = f"MS. PSAKI:  The jobs report of day {day}.\n\nQ  And jobs?\n\nTHE PRESIDENT:  Jobs."
        make_release(title=f"Briefing {day}", category="press-briefings", body=body)
    client.get(LIST, {"q": "jobs"})  # the index built
    # A search's facts, less the bodies' openings, and: the speaker named, the page's
    # turns of theirs (for the snippets), and the people of the speaker facet. Kept:
    # the version, the speaker, the rows and the turns.
    address = f"{LIST}?q=jobs&speaker=jen-psaki"
    assert_first_and_kept_renders(client, address, 7, 4, django_assert_num_queries)
    # Their releases: the content version, the categories on record, the person, the
    # journal's head and the page's rows; the counts, facets and the page's ids come
    # from the index. Kept: the version, the person and the rows.
    address = f"{LIST}?speaker=jen-psaki"
    assert_first_and_kept_renders(client, address, 5, 3, django_assert_num_queries)


def test_a_speaker_page_asks_each_fact_once(
    client, make_release, pages_rendered, django_assert_num_queries
):
    for day in range(1, 26):
        body = f"MS. PSAKI:  The jobs report of day {day}.\n\nQ  And jobs?"
        make_release(title=f"Briefing {day}", category="press-briefings", body=body)
    # The content version, the person, their counts, their releases' ids, their
    # months, the categories on record and the page's rows. Kept: the version, the
    # person and the rows; their ids are not asked for again at every render.
    address = "/briefing-room/speakers/jen-psaki/"
    assert_first_and_kept_renders(client, address, 7, 3, django_assert_num_queries)
