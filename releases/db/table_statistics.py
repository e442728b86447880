"""Keep PostgreSQL's statistics on the tables an import fills current while it fills them."""

from django.db import connection

from releases.models import ImportedFile, Release
from releases.transcripts.models import Turn

# Below this, whatever plan the statistics lead to is quick.
MIN_ROWS = 1000
# The tables an import looks its batches up in: releases by permalink, slug and
# digest, files by path, and turns by release (a changed release's are replaced,
# and the search index reads them back).
TABLES = (Release, Turn, ImportedFile)


class TableStatistics:
    """ANALYZE the tables an import fills before it starts, where PostgreSQL has no
    statistics on them, and each time the import has doubled the release table.

    Planned without statistics, or with those of a nearly empty table, every
    lookup reads the whole table: replacing the turns of a batch of changed
    releases read every turn on record, and took the database server most of a
    core. Autovacuum analyzes a table a minute later at best, and never where it
    is turned off: PostgreSQL's advice for bulk loads is to run ANALYZE.
    """

    def __init__(self, stored_rows, *, enabled=True):
        self.stored_rows = stored_rows
        self.analyzed_rows = stored_rows
        self.enabled = enabled and connection.vendor == "postgresql"

    def started(self):
        """Analyze the tables PostgreSQL has never analyzed (nor vacuumed)."""
        if not self.enabled:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples < 0",
                [table_names()],
            )
            unknown = [name for (name,) in cursor.fetchall()]
        if unknown:
            run_on("ANALYZE", unknown)

    def grown(self, created):
        """Note that the run has *created* releases so far; analyze if that doubled the table."""
        rows = self.stored_rows + created
        if not self.enabled or rows < max(MIN_ROWS, 2 * self.analyzed_rows):
            return
        run_on("ANALYZE", table_names())
        self.analyzed_rows = rows

    def finished(self, written):
        """VACUUM the tables after a run that created or updated many (*written*) releases.

        Until a VACUUM marks the new rows visible to all, PostgreSQL cannot
        answer from an index alone: a list's deep page, whose ids come from
        the listing index, reads the table row of every entry it skips, and a
        speaker's page each turn's. The rows an update left behind are read by
        every count of a list until a VACUUM clears them. Autovacuum gets there
        minutes later, or never where it is turned off; a bulk load should not
        leave it to chance.
        """
        if not self.enabled or written < MIN_ROWS or connection.in_atomic_block:
            return
        run_on("VACUUM (ANALYZE)", table_names())


def table_names():
    return [model._meta.db_table for model in TABLES]


def run_on(command, names):
    """Run *command* (ANALYZE, VACUUM) on the tables *names*, in one statement."""
    tables = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")
