"""The search journal: which releases changed, in the order the changes committed.

Every change a search could see appends the ids of the releases it touched,
in its own transaction, through ``releases.changes.content_changed``: a save
or a deletion through the models (admin, undo), and each batch an import
stores. A search index catches up by reading the entries after the last one
it holds (``updating.py``).
"""

from django.db import connection

from releases.models import SearchJournalEntry

# Rows a bulk insert writes in one statement.
STATEMENT_ROWS = 2000


def append(release_ids):
    """Record that the releases *release_ids* changed, in the current transaction.

    Called by content_changed, which first takes the lock that makes entries
    commit in the order of their ids (``releases/changes.py``, CHANGES_LOCK).
    """
    ids = sorted(set(release_ids))
    if not ids:
        return
    entries = [SearchJournalEntry(release_id=pk) for pk in ids]
    SearchJournalEntry.objects.bulk_create(entries, batch_size=STATEMENT_ROWS)


def head():
    """Return the id of the last entry, or 0 when the journal is empty."""
    table = connection.ops.quote_name(SearchJournalEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {table}")
        return cursor.fetchone()[0] or 0


def entries_after(position, limit):
    """Return up to *limit* (entry id, release id) pairs after *position*, oldest first."""
    entries = SearchJournalEntry.objects.filter(pk__gt=position).order_by("pk")
    return list(entries.values_list("pk", "release_id")[:limit])


def entries_after_count(position, most):
    """Return how many entries follow *position*, counting no further than *most*.

    Not the difference of ids: PostgreSQL's sequences leave gaps (a rolled-back
    transaction's ids are never used).
    """
    entries = SearchJournalEntry.objects.filter(pk__gt=position).order_by("pk")
    return entries.values("pk")[:most].count()


def releases_after(position):
    """Return how many releases have entries after *position*: what an index still has to do."""
    entries = SearchJournalEntry.objects.filter(pk__gt=position)
    return entries.values("release_id").distinct().count()
