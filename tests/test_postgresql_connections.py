"""Connections to PostgreSQL kept from request to request: a migration that changes
a table while the site serves leaves no error behind, with queries prepared
(``db/prepared_statements.py``), and a connection the server closed is replaced
before a request uses it (``db/postgresql/base.py``). A statement the server does
not answer in time fails a reader's request, not the admin's nor a command's
(``db/wait_limits.py``)."""

import contextlib
import threading
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection

from releases.db import outage
from releases.models import Release

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no server to close a connection or to wait on",
)

TITLE_TYPE = "ALTER TABLE releases_release ALTER COLUMN title TYPE varchar({})"


def from_another_connection(sql):
    """Run *sql* as a migration run elsewhere would, on a connection of its own."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        row = other.execute(sql).fetchone() if sql.startswith("SELECT") else None
    return row and row[0]


@pytest.fixture
def title_type_changed_while_serving():
    """Change the title column's type from another connection; change it back after."""
    yield lambda: from_another_connection(TITLE_TYPE.format(600))
    from_another_connection(TITLE_TYPE.format(500))
    connection.close()  # its statements were prepared under the other type


@pytest.mark.django_db(transaction=True)
def test_a_column_type_changed_while_serving_leaves_pages_answering(
    client, make_release, settings, title_type_changed_while_serving
):
    settings.BRIEFING_PAGE_CACHE = False
    release = make_release(title="Statement on ports")
    address = release.get_absolute_url()
    for _ in range(6):  # the page's queries prepared at their fifth run
        assert client.get(address).status_code == 200
    title_type_changed_while_serving()
    page = client.get(address)
    assert page.status_code == 200
    assert "Statement on ports" in page.text
    assert client.get("/briefing-room/").status_code == 200


@contextlib.contextmanager
def table_locked(table, seconds):
    """Hold *table* locked against reading, from a connection of its own, for *seconds*
    (or until the block ends): a statement that reads it waits, as on a hung server."""
    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )
    holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(seconds, holder.rollback)
    release.start()
    try:
        yield
    finally:
        release.cancel()
        release.join()
        holder.close()


def waiting_on_a_lock():
    """The number of this database's server processes waiting on a lock, as another
    connection sees them; given a moment to settle."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(20):
        count = from_another_connection(sql)
        if count == 0:
            break
        time.sleep(0.05)
    return count


def backend_pid():
    return connection.connection.info.backend_pid


def served(client, address):
    """GET *address* as a server's request: Django's test client leaves out the
    health check of kept connections that a request starts with."""
    close_old_connections()
    return client.get(address)


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(
    client, make_release, settings
):
    settings.BRIEFING_PAGE_CACHE = False
    address = make_release(title="Statement on ports").get_absolute_url()
    assert served(client, address).status_code == 200
    kept = backend_pid()
    assert served(client, address).status_code == 200
    assert backend_pid() == kept, "a healthy connection is kept from request to request"
    # As a restart of the server does to every connection.
    from_another_connection(f"SELECT pg_terminate_backend({kept})")
    time.sleep(0.2)
    page = served(client, address)
    assert page.status_code == 200
    assert "Statement on ports" in page.text
    assert backend_pid() != kept


@pytest.mark.django_db(transaction=True)
def test_a_readers_page_the_database_does_not_answer_in_time_is_a_503(
    client, make_release, settings, monkeypatch
):
    settings.BRIEFING_PAGE_CACHE = False
    monkeypatch.setattr(outage, "RETRY_SECONDS", 1.0)
    settings.BRIEFING_DATABASE_WAIT = 0.5
    address = make_release(title="Statement on ports").get_absolute_url()
    assert served(client, address).status_code == 200
    with table_locked("releases_release", seconds=5):
        started = time.monotonic()
        page = served(client, address)
        waited = time.monotonic() - started
        # The statement given up on is cancelled on the server too, not left to wait
        # there holding a server process, as a reader after another would pile up.
        assert waiting_on_a_lock() == 0
    assert page.status_code == 503
    assert page["Retry-After"]
    assert "no-store" in page["Cache-Control"]
    assert waited < 2.5, f"the reader waited {waited:.1f} s"
    # Until the next try, a request is an outage at once rather than another wait.
    started = time.monotonic()
    page = served(client, address)
    assert page.status_code == 503
    assert time.monotonic() - started < outage.RETRY_SECONDS
    time.sleep(outage.RETRY_SECONDS)
    page = served(client, address)
    assert page.status_code == 200, "the connection given up on is replaced"
    assert "Statement on ports" in page.text


@pytest.mark.django_db(transaction=True)
def test_a_csv_download_the_database_does_not_answer_in_time_is_a_503(
    client, make_release, settings
):
    settings.BRIEFING_PAGE_CACHE = False
    settings.BRIEFING_DATABASE_WAIT = 0.5
    make_release(title="Statement on ports")
    # What the list keeps for the version (its count, its categories) is kept: only
    # the rows are asked for.
    assert b"Statement on ports" in b"".join(served(client, "/briefing-room/?format=csv"))
    with table_locked("releases_release", seconds=5):
        download = served(client, "/briefing-room/?format=csv")
    # Not a 200 whose rows never come: the reader would keep a file of one line.
    assert download.status_code == 503
    assert download["Retry-After"]
    close_old_connections()  # the one given up on, as the next request would


@pytest.mark.django_db(transaction=True)
def test_the_admin_waits_on_a_slow_statement_longer_than_a_reader(client, make_release, settings):
    settings.BRIEFING_DATABASE_WAIT = 0.2
    make_release(title="Statement on ports")
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.gov", "pw"))
    with table_locked("releases_release", seconds=1):
        page = served(client, "/admin/releases/release/")
    assert page.status_code == 200
    assert "Statement on ports" in page.text


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_on_a_slow_statement_as_long_as_it_takes(
    run_import, write_release, settings
):
    settings.BRIEFING_DATABASE_WAIT = 0.2
    path = write_release(title="Statement on ports")
    with table_locked("releases_release", seconds=1):
        status, _, errors = run_import(path)
    assert status == 0, errors
    assert Release.objects.filter(title="Statement on ports").exists()
