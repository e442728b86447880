"""Two app servers sharing one PostgreSQL and one Redis, as behind a load balancer.

Two gunicorn instances run with the production configuration on their own
ports. A staff member edits a release through the first; readers of the
second see the edit on their very next request. An import run beside them is
seen by both at once. Both write one access-log line per request.
"""

import re
import uuid
from pathlib import Path

import pytest
import redis

from tests.servers import (
    EDITOR_PASSWORD,
    POSTGRES_SERVER,
    fetch,
    fresh_postgres_database,
    manage,
    running_gunicorn,
    set_up_site,
    within_the_bound,
)
from tests.services import require_postgres
from tests.staff_session import StaffBrowser

pytestmark = pytest.mark.slow

ACCESS_LINE = re.compile(r'"GET /briefing-room/ HTTP/1\.1" 200 \d+ \d+ms$', re.MULTILINE)


@pytest.fixture
def shared_services(redis_url):
    """A fresh PostgreSQL database with the fixtures imported and a staff member,
    and a Redis cache prefix of its own; yields the environment both servers share."""
    require_postgres(POSTGRES_SERVER)
    prefix = f"two-servers-{uuid.uuid4().hex}"
    with fresh_postgres_database("briefing_two_servers") as database_url:
        environment = {"BRIEFING_CACHE_URL": redis_url, "BRIEFING_CACHE_PREFIX": prefix}
        set_up_site(database_url, **environment)
        yield database_url, environment


def test_an_edit_through_one_server_shows_through_the_other(shared_services, tmp_path):
    database_url, environment = shared_services
    with (
        running_gunicorn(database_url, tmp_path, "first", **environment) as (first, first_log),
        running_gunicorn(database_url, tmp_path, "second", **environment) as (second, second_log),
    ):
        _, page = fetch(f"{first}/briefing-room/")
        release_path = re.search(r'href="(/briefing-room/[a-z-]+/\d{4}/[^"]+/)"', page)[1]
        for base in (first, second):  # both servers now hold the pages in the cache
            assert fetch(base + release_path)[0] == 200
        assert redis.Redis.from_url(environment["BRIEFING_CACHE_URL"]).keys(
            f"{environment['BRIEFING_CACHE_PREFIX']}:*"
        )

        staff = StaffBrowser(first)
        staff.sign_in("editor", EDITOR_PASSWORD)
        slug = release_path.rstrip("/").rsplit("/", 1)[1]
        find = f"from releases.models import Release; print(Release.objects.get(slug='{slug}').pk)"
        pk = manage(database_url, "shell", "--no-imports", "-c", find, **environment).strip()
        change = f"/admin/releases/release/{pk}/change/"
        saved = staff.submit(
            change,
            "release_form",
            title="Corrected through the first server",
            change_note="Retitled.",
            _save="Save",
        )
        assert "was changed successfully" in saved

        status, through_second = within_the_bound(
            lambda: fetch(second + release_path), lambda answer: "Corrected" in answer[1]
        )
        assert status == 200
        assert "<h1>Corrected through the first server</h1>" in through_second
        assert "Retitled." in through_second

        manage(database_url, "import_release", new_release(tmp_path), "-v0", **environment)
        for base in (first, second):
            _, page = within_the_bound(
                lambda base=base: fetch(f"{base}/briefing-room/"),
                lambda answer: "Statement on the Two Servers" in answer[1],
            )
            assert "Statement on the Two Servers" in page

    for log in (first_log, second_log):
        assert ACCESS_LINE.search(log.read_text()), log.read_text()[-2000:]


def new_release(directory):
    path = Path(directory, "two-servers.md")
    path.write_text(
        "---\n"
        "title: Statement on the Two Servers\n"
        "category: statements-releases\n"
        "date: '2021-06-01'\n"
        "published_time: 2021-06-01 10:00:00-04:00\n"
        "permalink: https://www.whitehouse.gov/briefing-room/statements-releases/"
        "2021/06/01/statement-on-the-two-servers/\n"
        "---\n"
        "Both servers show this at once.\n",
        encoding="utf-8",
    )
    return path
