"""Shared fixtures: release files written to disk, releases in the database, and staff;
and the rule that a test not marked slow starts no process.

The plain helpers they build on live in modules named for what they hold
(`tests/release_files.py`, `tests/staff.py`), which tests import directly."""

import contextlib
import datetime
import multiprocessing.process
import os
import subprocess
import time
import uuid

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from releases.caching.freshness import RENDER_AGAIN_AFTER
from releases.caching.pages import LOCAL_PAGES
from releases.db import outage
from releases.models import Category, Release
from releases.search import directory, updating
from releases.search.updating import Background
from tests.own_services import own_redis
from tests.release_files import ARCHIVE_SAMPLE, release_text
from tests.services import require_redis_server
from tests.staff import staff_member


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Fail a test not marked slow that starts a process, in its fixtures as in its body.

    The fast tier is the edit loop: a worker pool forked under load once hung it
    in Pool.terminate, and a server or a process of its own is what `slow` is for.
    """
    if item.get_closest_marker("slow"):
        return (yield)
    with pytest.MonkeyPatch.context() as patch:
        refuse_processes(patch, item.nodeid)
        return (yield)


def refuse_processes(patch, nodeid):
    """Make every way of starting a process fail *nodeid*, naming the way out."""

    def refuse(*args, **kwargs):
        pytest.fail(
            f"{nodeid} starts a process: import with jobs=0 (run_import's default), "
            "or mark the test slow",
            pytrace=False,
        )

    # Process.start is behind every pool; Popen behind every command and server.
    patch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    patch.setattr(subprocess.Popen, "__init__", refuse)
    patch.setattr(os, "fork", refuse)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """On SQLite, a test database in a file, as in production, not in memory: in
    SQLite's shared in-memory cache a reader in another thread (the search index
    catching up beside an import) finds a table locked instead of waiting its turn."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages, sign-in counts and bodies cached by
    an earlier test belong to its database, which is gone."""
    cache.clear()
    LOCAL_PAGES.clear()


@pytest.fixture(autouse=True)
def database_answering():
    """Each test starts with the database taken to be answering: a failure an earlier
    test provoked would turn this one's requests away (releases/db/outage.py)."""
    outage.answered()


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Fast hashing, and static files found in place rather than collected first."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise looks a file up when it is asked for, as in development, instead of
    # indexing STATIC_ROOT for every test client (a quarter of the suite's time).
    settings.WHITENOISE_AUTOREFRESH = settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def search_index(settings, tmp_path_factory, monkeypatch):
    """Each test has a search index directory of its own, empty until it searches:
    an index holds the releases of the database it was built from, which is gone.

    The servers and manage.py processes a test starts get another one (unless
    it names one): they use databases of their own, and left to the default they
    would write the checkout's index, which belongs to the developer's database.
    """
    settings.BRIEFING_SEARCH_INDEX = tmp_path_factory.mktemp("search-index")
    monkeypatch.setenv("BRIEFING_SEARCH_INDEX", str(tmp_path_factory.mktemp("child-search-index")))
    yield settings.BRIEFING_SEARCH_INDEX
    # A catching up a test started ends with it, not in the next test's database.
    Background.finish()


@pytest.fixture
def elsewhere(monkeypatch):
    """Return a context manager in which changes are made as on another server: this
    server's index is not caught up as they commit, and its next search finds it behind."""

    @contextlib.contextmanager
    def on_another_server():
        with monkeypatch.context() as patch:
            patch.setattr(updating, "take_in_change", lambda: None)
            yield

    return on_another_server


@pytest.fixture
def damage_index():
    """Return a function that makes the index in use unreadable, as a disk fault would."""

    def damage():
        for path in directory.current_path().iterdir():
            # Each file replaced, not written over: this process still maps the old
            # ones, and a mapped file cut short under it is a SIGBUS, not a test.
            damaged = path.with_name(f"{path.name}.damaged")
            damaged.write_bytes(b"damaged")
            damaged.replace(path)
        directory.Opened.path = directory.Opened.index = None

    return damage


@pytest.fixture
def archive_sample():
    """The real archive sample the repository carries in tests/data/."""
    return ARCHIVE_SAMPLE


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The address of a redis-server the tests start for themselves, on a free port:
    a developer's own Redis and what it holds are never touched."""
    require_redis_server()
    with own_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def any_cache(request, settings):
    """Run the test with the process's memory cache, and with the site's production
    cache on a Redis of the tests' own, as every app server shares it (slow: a
    redis-server the run starts)."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "releases.caching.backends.DegradingRedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
                "KEY_PREFIX": f"briefing-test-{uuid.uuid4().hex}",
            }
        }
    yield request.param
    cache.clear()


@pytest.fixture
def write_release(tmp_path):
    """Write a release file under tmp_path and return its path."""

    def write(name="release.md", content=None, **fields):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if content is not None else release_text(**fields)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return write


@pytest.fixture
def run_import(capsys):
    """Run import_release with *args*; return (exit status, stdout, stderr).

    The files are prepared in this process (jobs=0) unless a test asks for
    worker processes, which only a slow test may start; and this process keeps
    its priority (nice=0): a lowered one could not be raised again, and every
    later test would run with it."""

    def run(*args, **options):
        options.setdefault("jobs", 0)
        options.setdefault("nice", 0)
        try:
            call_command("import_release", *map(str, args), **options)
            status = 0
        except CommandError as exc:
            status = exc.returncode
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def make_release(db):
    """Create a published release; keyword arguments override the defaults."""
    counter = iter(range(1, 1_000_000))

    def make(category="statements-releases", **fields):
        number = next(counter)
        category_obj, _ = Category.objects.get_or_create(
            slug=category, defaults={"name": Category.name_for_slug(category)}
        )
        date = fields.pop("date", datetime.date(2021, 3, 1))
        defaults = {
            "title": f"Release number {number}",
            "slug": f"release-number-{number}",
            "date": date,
            "published_at": datetime.datetime.combine(
                date, datetime.time(15, 0), tzinfo=datetime.UTC
            ),
            "permalink": f"https://www.whitehouse.gov/briefing-room/{category}/r{number}/",
            "body": f"Body of release {number}.",
            "status": Release.Status.PUBLISHED,
        }
        return Release.objects.create(category=category_obj, **{**defaults, **fields})

    return make


@pytest.fixture
def editor(db):
    return staff_member("edna", "Editors")


@pytest.fixture
def publisher(db):
    return staff_member("percy", "Publishers")


@pytest.fixture
def later():
    """Return a function that moves the clock on until a reader's copy of a page kept
    before a change is rendered again for them: RENDER_AGAIN_AFTER of the bound.

    Until then a reader may be served the copy from before the change
    (``caching/freshness.py``): what a reader sees a moment after a change is
    the copy from before it; what they see this long after is the change.
    """
    with time_machine.travel(time.time()) as clock:
        yield lambda: clock.shift(settings.BRIEFING_STALE_SECONDS * RENDER_AGAIN_AFTER)
