"""A full-text index of release titles and bodies, kept in step by the database itself.

PostgreSQL: a stored generated tsvector column (title weighted A, body B)
with a GIN index. SQLite: an FTS5 table over the release table, maintained
by triggers. Either way every write is indexed, whether it comes from the
importer's COPY, the admin or a DELETE, with nothing for the code to forget.
"""

import django.db.models.deletion
from django.db import migrations, models

import releases.models

POSTGRESQL_FORWARD = [
    """
    ALTER TABLE releases_release ADD COLUMN search_document tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', body), 'B')
    ) STORED
    """,
    "CREATE INDEX release_search_idx ON releases_release USING gin (search_document)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX release_search_idx",
    "ALTER TABLE releases_release DROP COLUMN search_document",
]

# The Porter stemmer, like PostgreSQL's English configuration, lets
# "migrants" find "migrant". Accents are kept, as PostgreSQL keeps them.
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE release_search USING fts5(
        title, body,
        content='releases_release', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER release_search_insert AFTER INSERT ON releases_release BEGIN
        INSERT INTO release_search (rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER release_search_delete AFTER DELETE ON releases_release BEGIN
        INSERT INTO release_search (release_search, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER release_search_update AFTER UPDATE OF title, body ON releases_release BEGIN
        INSERT INTO release_search (release_search, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO release_search (rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    "INSERT INTO release_search (release_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER release_search_update",
    "DROP TRIGGER release_search_delete",
    "DROP TRIGGER release_search_insert",
    "DROP TABLE release_search",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("releases", "0006_release_category_indexed_by_address")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "release",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="releases.release",
                    ),
                ),
                ("document", releases.models.FullTextIndexField(db_column="release_search")),
            ],
            options={"db_table": "release_search", "managed": False},
        ),
    ]
