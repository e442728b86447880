"""lz4 compression for the PostgreSQL columns that hold release bodies, set by migrations.

PostgreSQL's default compression (pglz) made inserting a body much slower
than lz4 in this project's measurements, for only a little less space. Other
databases, and servers built without lz4, are left alone.
"""


def lz4_available(cursor):
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def set_compression(table, columns, method):
    """Return a RunPython function that compresses *table*'s *columns* with *method*.

    Values stored already keep their compression; new ones take the method.
    """

    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            if method == "lz4" and not lz4_available(cursor):
                return
            changes = ", ".join(
                f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns
            )
            cursor.execute(f"ALTER TABLE {table} {changes}")

    return apply
