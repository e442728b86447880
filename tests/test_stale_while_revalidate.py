"""After a change, readers of a real server get the copy from just before it at once
while another request renders the new one, never a copy further behind than the
bound; the editor who saved sees the change at once; a database outage meanwhile
degrades as before.

gunicorn serves PostgreSQL and Redis of the test's own (tests/own_services.py).
A render under way is the page's lock taken in Redis, as the request rendering
it holds it, so that the window lasts as long as the test needs.
"""

import concurrent.futures
import re
import time

import pytest
import redis

from tests.own_services import own_postgres, own_redis
from tests.servers import EDITOR_PASSWORD, manage, running_gunicorn, set_up_site
from tests.services import require_redis_server
from tests.staff_session import StaffBrowser
from tests.test_outages import get, require_postgres_server

pytestmark = pytest.mark.slow

BOUND = 2  # BRIEFING_STALE_SECONDS, for the server
READERS = 8


class Site:
    """The served site, one release page on it, and its editor."""

    def __init__(self, base, postgres, redis_url, environment):
        self.base, self.postgres = base, postgres
        self.store = redis.Redis.from_url(redis_url)
        _, _, page, _ = get(f"{base}/briefing-room/")
        self.path = re.search(r'href="(/briefing-room/[a-z-]+/\d{4}/[^"]+/)"', page)[1]
        before = set(self.store.keys("*:page:*"))
        assert get(base + self.path)[0] == 200
        (page_key,) = set(self.store.keys("*:page:*")) - before
        self.lock = page_key.replace(b":page:", b":rendering:")
        self.editor = StaffBrowser(base)
        self.editor.sign_in("editor", EDITOR_PASSWORD)
        slug = self.path.rstrip("/").rsplit("/", 1)[1]
        find = f"from releases.models import Release; print(Release.objects.get(slug='{slug}').pk)"
        self.pk = manage(postgres.url, "shell", "--no-imports", "-c", find, **environment).strip()

    def retitle(self, title):
        """Save *title* through the admin, as the editor; return when it was saved."""
        saved = self.editor.submit(
            f"/admin/releases/release/{self.pk}/change/",
            "release_form",
            title=title,
            change_note="Retitled.",
            _save="Save",
        )
        assert "was changed successfully" in saved
        return time.time()

    def rendering_elsewhere(self):
        """Take the page's lock, as a request rendering it would."""
        self.store.set(self.lock, 1, ex=60)

    def rendered(self):
        self.store.delete(self.lock)

    def read(self, rounds=3):
        """Read the page from READERS readers at once, *rounds* times each; return
        [(when asked, seconds, status, title shown)]."""

        def reader(_):
            answers = []
            for _ in range(rounds):
                asked = time.time()
                status, _, page, seconds = get(self.base + self.path)
                title = re.search(r"<h1>(.*?)</h1>", page)
                answers.append((asked, seconds, status, title and title[1]))
            return answers

        with concurrent.futures.ThreadPoolExecutor(READERS) as pool:
            return [answer for answers in pool.map(reader, range(READERS)) for answer in answers]


@pytest.fixture
def site(tmp_path):
    require_redis_server()
    require_postgres_server()
    with own_redis(tmp_path) as redis_server, own_postgres() as postgres:
        environment = {"BRIEFING_CACHE_URL": redis_server.url}
        set_up_site(postgres.url, **environment)
        served = {**environment, "BRIEFING_STALE_SECONDS": str(BOUND)}
        with running_gunicorn(postgres.url, tmp_path, **served) as (base, log):
            yield Site(base, postgres, redis_server.url, environment)
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_readers_get_the_copy_from_before_at_once_and_never_one_past_the_bound(site):
    _, _, first, _ = get(site.base + site.path)
    before = re.search(r"<h1>(.*?)</h1>", first)[1]

    site.rendering_elsewhere()
    site.retitle("Retitled while readers read")
    during = site.read()
    assert {(status, title) for _, _, status, title in during} == {(200, before)}
    assert max(seconds for _, seconds, _, _ in during) < BOUND, "a reader waited for the render"

    # The editor who saved sees it at once, and their render is kept for everyone: a
    # worker serves its own copy from before until it is half the bound old, then theirs.
    assert "<h1>Retitled while readers read</h1>" in site.editor.get(site.path)
    time.sleep(BOUND / 2)
    assert {title for *_, title in site.read(rounds=1)} == {"Retitled while readers read"}

    site.rendering_elsewhere()
    saved = site.retitle("Retitled again")
    answers = site.read(rounds=2)
    time.sleep(BOUND)
    site.rendered()  # the render elsewhere ended, keeping nothing
    answers += site.read(rounds=2)
    stale = [asked for asked, _, _, title in answers if title == "Retitled while readers read"]
    assert stale, "readers got the copy from before while it was within the bound"
    assert max(stale) <= saved + BOUND, "a copy further behind than the bound was served"
    assert {status for _, _, status, _ in answers} == {200}
    assert answers[-1][3] == "Retitled again"


def test_a_database_outage_after_a_change_serves_the_kept_copy_stale(site):
    site.rendering_elsewhere()
    site.retitle("Saved before the outage")
    site.postgres.crash()
    try:
        status, headers, page, _ = get(site.base + site.path)
        assert status == 200
        assert headers["X-Served-Stale"]
        assert "Saved before the outage" not in page
        status, headers, _, _ = get(f"{site.base}/briefing-room/?q=never+asked")
        assert status == 503
        assert headers["Retry-After"]
    finally:
        site.postgres.start()
