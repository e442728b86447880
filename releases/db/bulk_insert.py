"""Insert many rows of one model at once, without building model instances.

``bulk_create`` passes every value of every object through the field
machinery; for the importer that cost more than the database's own work.
Rows here are plain tuples, adapted once per column: PostgreSQL receives them
through a binary COPY, other databases through one prepared statement.
"""

import re

from django.db import connection

# Columns whose Python values every backend takes as they are.
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigIntegerField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
    }
)


class BulkInsert:
    """Insert tuples of values for *field_names* of *model*, in that order."""

    def __init__(self, model, field_names):
        fields = [model._meta.get_field(name) for name in field_names]
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        self.adapters = [adapter_for(field) for field in fields]
        self.needs_adapting = any(self.adapters)
        # COPY's binary format needs each column's type: "varchar(500)" is sent as varchar.
        self.types = [re.sub(r"\(.*\)$", "", field.db_type(connection)) for field in fields]

    def __call__(self, rows):
        """Insert *rows*, in the current transaction."""
        if self.needs_adapting:
            rows = [self.adapt(row) for row in rows]
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                self.copy(cursor, rows)
            else:
                placeholders = ", ".join(["%s"] * len(self.adapters))
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})"
                cursor.executemany(sql, rows)

    def adapt(self, row):
        return tuple(
            value if adapter is None or value is None else adapter(value)
            for adapter, value in zip(self.adapters, row, strict=True)
        )

    def copy(self, cursor, rows):
        # The driver's copy() is not wrapped by Django: wrap its errors here so
        # that a constraint violation is an IntegrityError like any other.
        # Binary, because escaping each body for the text format took as long
        # as the server took to store it.
        statement = f"COPY {self.table} ({self.columns}) FROM STDIN (FORMAT BINARY)"
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            copy.set_types(self.types)
            for row in rows:
                copy.write_row(row)


def adapter_for(field):
    """Return the function that makes *field*'s values fit for the database, or None."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind in PLAIN_TYPES:
        return None
    return lambda value: field.get_db_prep_save(value, connection)
