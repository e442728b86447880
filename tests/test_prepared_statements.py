"""A migration that changes a table while the site serves leaves no error behind,
with queries prepared on PostgreSQL (``db/prepared_statements.py``)."""

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite prepares no statement across requests"
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
