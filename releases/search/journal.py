"""The search journal: which releases changed, in the order the changes committed.

Every change a search could see appends the ids of the releases it touched,
in its own transaction: a save or a deletion through the models (admin,
undo), and each batch an import stores. A search index catches up by reading
the entries after the last one it holds (``updating.py``).
"""

from django.db import connection
from django.db.models.signals import post_delete, post_save

from releases.models import Release, SearchJournalEntry

# PostgreSQL hands out ids when rows are inserted, not when they commit: two
# transactions could commit entries out of order, and an index that read the
# later one first would skip the earlier for good. Every transaction that
# changes content takes this lock before writing the journal or the content
# version, so entries commit in the order of their ids. (SQLite has one writer
# at a time, which does the same.)
CHANGES_LOCK = 0x62726965666E67  # "briefng"
# Rows a bulk insert writes in one statement.
STATEMENT_ROWS = 2000


def connect():
    """Append an entry for every release saved or deleted through the models."""
    post_save.connect(release_changed, sender=Release, dispatch_uid="search-journal-save")
    post_delete.connect(release_changed, sender=Release, dispatch_uid="search-journal-delete")


def release_changed(instance, **signal_arguments):
    append([instance.pk])


def serialize_changes():
    """Make this transaction's journal entries commit in their order (see CHANGES_LOCK)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGES_LOCK])


def append(release_ids):
    """Record that the releases *release_ids* changed, in the current transaction."""
    ids = sorted(set(release_ids))
    if not ids:
        return
    serialize_changes()
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
