"""The SQL of the database search that migration 0007 added and 0022 removed."""

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
    """Return a RunPython function that runs the statements for the connection's database."""

    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply
