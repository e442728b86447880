"""A change to the content: the search journal appended and the content version moved.

Every change a reader could see calls content_changed() in the transaction
that makes it: a release or a category saved or deleted through the models
(the admin, the publish action, undo), each batch an import stores, and the
first request after a scheduled release's time. The ids of the releases it
touched go to the search journal (``search/journal.py``), from which every
server's search index catches up; the content version (``caching/version.py``),
under which everything kept for readers is filed, moves on, remembering when
the old one was superseded (``caching/freshness.py``). Both commit with the
change, or neither does.
"""

import contextlib
import secrets
import threading
import time

from django.db import connection, transaction
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from releases.caching.freshness import listing_of, stored_listing, superseded_record
from releases.models import Category, ContentVersion, Release
from releases.search import journal

# PostgreSQL hands out ids when rows are inserted, not when they commit: two
# transactions could commit journal entries out of order, and an index that
# read the later one first would skip the earlier for good. Every transaction
# that changes content takes this lock before writing the journal or the
# content version, so entries commit in the order of their ids. (SQLite has
# one writer at a time, which does the same.) Always taken before the version's
# row is, so that two changes never each hold what the other waits for.
CHANGES_LOCK = 0x62726965666E67  # "briefng"


def content_changed(release_ids=(), *, listing=True):
    """Record a change to the content in the current transaction; return the new version.

    *release_ids* are the releases it saved, created or deleted: every search
    index writes them again. A change to no release (a category renamed, a
    scheduled release's time come) gives none, and moves the version alone.
    A change that leaves every list as it was (bodies corrected, and nothing a
    list shows or counts: ``Release.LISTING_FIELDS``) says so with *listing*
    False, and the listing version stays.
    """
    serialize_changes()
    upcoming = Release.objects.scheduled().aggregate(next=Min("published_at"))["next"]
    with transaction.atomic():
        row = ContentVersion.objects.select_for_update().filter(pk=1).first()
        # What the version replaced here held, read under its row's lock (a change
        # outside a transaction takes no other): an index up to it answers for it.
        held = journal.head()
        journal.append(release_ids)
        row = row or ContentVersion(pk=1)
        now, token = time.time(), secrets.token_hex(8)
        # The copies kept under the old tokens may be served a few seconds more.
        row.superseded = superseded_record(row.superseded, row.token, now, held)
        old_listing = listing_of(row.listing, row.token)
        if row.next_publication is not None and row.next_publication <= timezone.now():
            # A scheduled release's time has come, whatever this change is: this is
            # the change that shows it, in every list.
            listing = True
        if old_listing == row.token:
            # The content token stood for the listing (no listing was kept for it): a
            # token of its own now, never one recorded as the content's.
            listing = True
        elif listing:
            row.superseded = superseded_record(row.superseded, old_listing, now)
        row.listing = stored_listing(secrets.token_hex(8) if listing else old_listing, token)
        row.token, row.next_publication = token, upcoming
        row.save()
    return row.token


def serialize_changes():
    """Make this transaction's change commit in its order (see CHANGES_LOCK)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGES_LOCK])


def connect():
    """Record a change whenever a release or a category is saved or deleted."""
    for model in (Release, Category):
        for signal in (post_save, post_delete):
            signal.connect(saved, sender=model, dispatch_uid=f"content-{model.__name__}")


class Gathered(threading.local):
    """The releases saved in this thread's one_change() block; None outside one."""

    release_ids = None


GATHERED = Gathered()


def saved(sender, instance, **signal_arguments):
    """Record the save or deletion of *instance* now, or at the end of a one_change() block."""
    # A category's name is read from the database by every list: the index holds its id.
    release_ids = [instance.pk] if sender is Release else []
    if GATHERED.release_ids is None:
        changed_here(release_ids)
    else:
        GATHERED.release_ids.extend(release_ids)


@contextlib.contextmanager
def one_change():
    """Make the saves in this block one change, recorded at its end.

    Undoing a run saves or deletes thousands of releases: a new version and a
    journal insert for each would cost more than the undo itself. Use it
    inside the transaction.
    """
    GATHERED.release_ids = []
    try:
        yield
    finally:
        release_ids, GATHERED.release_ids = GATHERED.release_ids, None
    changed_here(release_ids)


def changed_here(release_ids):
    """Record a change made by this process (content_changed), and catch this server's
    search index up to it once it commits: its readers then find the index current.
    (An import catches up its own way, beside its next batch.)"""
    # Imported here: the index's updating reads the content version, whose
    # module records its changes through this one.
    from releases.search.updating import take_in_change

    content_changed(release_ids)
    if release_ids:
        # Robust: whatever it meets, the callbacks registered after it still run.
        transaction.on_commit(take_in_change, robust=True)
