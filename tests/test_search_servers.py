"""Two app servers on one PostgreSQL and one Redis, each with a search index of its own.

A release saved through one server is found by a search through the other
at once; so is an import run beside either. A server started after a large
import, its index still empty, answers searches at once, saying it is
catching up, and then answers in full.
"""

import time

import pytest

from releases.benchmarks.generator import ArchiveGenerator
from releases.search.updating import CAUGHT_UP_IN_REQUEST
from tests.own_services import own_redis
from tests.release_files import release_text
from tests.servers import (
    EDITOR_PASSWORD,
    POSTGRES_SERVER,
    fresh_postgres_database,
    manage,
    running_gunicorn,
    searched,
    set_up_site,
    within_the_bound,
)
from tests.services import require_postgres
from tests.staff_session import StaffBrowser

pytestmark = pytest.mark.slow

# More releases than a search catches up itself: a new server builds its index
# in the background.
LARGE_IMPORT = CAUGHT_UP_IN_REQUEST + 500
# A word in the generated releases' bodies (releases.benchmarks.generator.PROSE).
COMMON_WORD = "administration"
CATCH_UP_TIMEOUT = 180  # seconds


@pytest.fixture
def shared_services(tmp_path):
    """A fresh PostgreSQL database with the fixtures imported and a staff member, and a
    Redis of the test's own; yields the database URL and the environment servers share."""
    require_postgres(POSTGRES_SERVER)
    with (
        own_redis(tmp_path) as redis,
        fresh_postgres_database("briefing_search_servers") as database_url,
    ):
        environment = {"BRIEFING_CACHE_URL": redis.url}
        set_up_site(database_url, **environment, BRIEFING_SEARCH_INDEX=tmp_path / "first-index")
        yield database_url, environment


def server(database_url, tmp_path, name, environment):
    """gunicorn serving *database_url* with a search index directory of its own."""
    index = tmp_path / f"{name}-index"
    return running_gunicorn(
        database_url, tmp_path, name, **environment, BRIEFING_SEARCH_INDEX=index
    )


def test_a_save_or_an_import_through_one_server_is_found_through_the_other(
    shared_services, tmp_path
):
    database_url, environment = shared_services
    with (
        server(database_url, tmp_path, "first", environment) as (first, _),
        server(database_url, tmp_path, "second", environment) as (second, _),
    ):
        for base in (first, second):  # each builds its index, and the pages are cached
            assert searched(base, "quetzal") == (200, 0, False)
            assert searched(base, "zanzibar") == (200, 0, False)

        staff = StaffBrowser(first)
        staff.sign_in("editor", EDITOR_PASSWORD)
        script = "from releases.models import Release; print(Release.objects.first().pk)"
        pk = manage(database_url, "shell", "--no-imports", "-c", script, **environment).strip()
        saved = staff.submit(
            f"/admin/releases/release/{pk}/change/",
            "release_form",
            title="Statement on the Quetzal",
            change_note="Retitled.",
            _save="Save",
        )
        assert "was changed successfully" in saved
        assert found_soon(second, "quetzal") == (200, 1, False)
        assert found_soon(first, "quetzal") == (200, 1, False)

        path = tmp_path / "zanzibar.md"
        path.write_text(
            release_text(
                title="Statement on Zanzibar",
                slug="statement-on-zanzibar",
                body="Talks on Zanzibar went well.\n",
            ),
            encoding="utf-8",
        )
        index = tmp_path / "second-index"
        manage(
            database_url, "import_release", path, "-v0", **environment, BRIEFING_SEARCH_INDEX=index
        )
        assert found_soon(first, "zanzibar") == (200, 1, False)
        assert found_soon(second, "zanzibar") == (200, 1, False)


def test_a_server_started_after_a_large_import_says_it_is_catching_up(shared_services, tmp_path):
    database_url, environment = shared_services
    archive = tmp_path / "archive"
    ArchiveGenerator().write(archive, LARGE_IMPORT)
    first_index = tmp_path / "first-index"
    manage(
        database_url,
        "import_release",
        archive,
        "-v0",
        timeout=600,
        **environment,
        BRIEFING_SEARCH_INDEX=first_index,
    )

    with server(database_url, tmp_path, "late", environment) as (late, _):
        started = time.monotonic()
        status, _, catching_up = searched(late, COMMON_WORD)
        waited = time.monotonic() - started
        assert (status, catching_up) == (200, True)
        # The bound is a second; this one is loose for a busy machine.
        assert waited < 5, f"the first search took {waited:.1f} s"

        deadline = time.monotonic() + CATCH_UP_TIMEOUT
        while (answer := searched(late, COMMON_WORD))[2]:
            assert answer[0] == 200
            assert time.monotonic() < deadline, "the index did not catch up"
            time.sleep(0.5)
        with server(database_url, tmp_path, "first", environment) as (first, _):
            full = searched(first, COMMON_WORD)
    assert full[1] > CAUGHT_UP_IN_REQUEST
    assert answer == full == (200, full[1], False)


def found_soon(base, word):
    """Search *base* for *word* until it is found or the freshness bound has passed:
    a search page kept from before the change may be served until then."""
    return within_the_bound(lambda: searched(base, word), lambda answer: answer[1] == 1)
