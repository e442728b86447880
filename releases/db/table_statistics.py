"""Keep PostgreSQL's statistics on releases current while an import grows the table."""

from django.db import connection

from releases.models import Release

# Below this, whatever plan the statistics lead to is quick.
MIN_ROWS = 1000


class TableStatistics:
    """ANALYZE the release table each time an import has doubled it.

    The importer looks up each batch by permalink, slug and digest. Planned
    with the statistics of a nearly empty table, every lookup reads the whole
    table, and autovacuum analyzes it a minute later at best: PostgreSQL's
    advice for bulk loads is to run ANALYZE.
    """

    def __init__(self, stored_rows, *, enabled=True):
        self.stored_rows = stored_rows
        self.analyzed_rows = stored_rows
        self.enabled = enabled and connection.vendor == "postgresql"

    def grown(self, created):
        """Note that the run has *created* releases so far; analyze if that doubled the table."""
        rows = self.stored_rows + created
        if not self.enabled or rows < max(MIN_ROWS, 2 * self.analyzed_rows):
            return
        table = connection.ops.quote_name(Release._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        self.analyzed_rows = rows

    def finished(self, created):
        """VACUUM the table after a run that created many releases.

        Until a VACUUM marks the new rows visible to all, PostgreSQL cannot
        answer from an index alone: a list's deep page, whose ids come from
        the listing index, reads the table row of every entry it skips. Autovacuum
        gets there minutes later; a bulk load should not leave it to chance.
        """
        if not self.enabled or created < MIN_ROWS or connection.in_atomic_block:
            return
        table = connection.ops.quote_name(Release._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
