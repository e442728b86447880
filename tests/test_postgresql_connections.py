"""Connections to PostgreSQL kept from request to request: a migration that changes
a table while the site serves leaves no error behind, with queries prepared
(``db/prepared_statements.py``), and a connection the server closed is replaced
before a request uses it (``db/postgresql/base.py``)."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no server to close a connection"
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
        other.execute(sql)


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
