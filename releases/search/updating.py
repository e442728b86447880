"""Keeping this server's search index up to the journal, and rebuilding it.

A save catches its server's index up as it commits (take_in_change), so that
readers there find it current. A search first asks how far the journal goes.
An index a few changes behind (another server's save) is caught up there and
then, under the writer lock; a long way behind (a server that was down during
an import), or missing, or damaged, it is caught up or rebuilt by a thread in
the background while searches answer from the index as it stands, saying how
many releases are still to come.
"""

import contextlib
import logging
import threading

import tantivy
from django.db import DatabaseError, close_old_connections, connection

from releases.caching.version import HeldPerVersion
from releases.db import wait_limits
from releases.models import Release
from releases.search import directory, freed_memory, journal
from releases.search.schema import (
    POSITION_DOCUMENT_ID,
    SCHEMA,
    indexed_documents,
    position_document,
)

logger = logging.getLogger(__name__)

# Entries a search catches up itself before it answers (a few tenths of a second);
# more are left to the background.
CAUGHT_UP_IN_REQUEST = 500
# The longest a staff member's search waits for another process's catching up
# before it answers, so that it finds their change: with its own catching up,
# well under the second they may wait. A reader's search never waits: an import
# holds the lock through each batch's commit and merges, and a reader's worker
# waiting on it kept every other reader waiting too.
WAIT_SECONDS = 0.5
# The longest a statement of a save's catching up may wait for the database: the
# change is committed, and the staff member waits for their answer meanwhile.
TAKE_IN_WAIT_SECONDS = 2
# Journal entries applied in one commit.
CHUNK = 1000
# The memory a writer holds for the documents it has not flushed yet, over all
# its threads: tantivy writes a segment when it is full. With the releases read
# READ_ROWS at a time, it bounds what writing the index holds, whatever the
# archive's size. Catching up takes tantivy's least (per thread): a larger heap only
# delays the segment a chunk's commit writes anyway.
WRITER_HEAP = 15_000_000
REBUILD_HEAP = 64_000_000
REBUILD_THREADS = 2
READ_ROWS = 200
# What an index that cannot be opened or read raises.
UNUSABLE = (directory.DamagedIndex, ValueError, OSError)

# The journal's last entry moves only with the content version: content_changed()
# writes both in one transaction. Held per version, it costs a search or a
# release page no query of its own.
held_heads = HeldPerVersion(most=1)


def journal_head(version=None):
    """Return the journal's last entry as of the content *version* (None: read it now).

    Read after the version was, so never older than the version: at most newer,
    which only brings the index further."""
    if version is None:
        return journal.head()
    return held_heads.get("journal-head", "", journal.head, version)


def reloaded_if_behind(index, head):
    """Return (a searcher of *index*, the journal entry it holds), reloading the index
    first if it holds less than *head*: another process may have written since."""
    searcher = index.searcher()
    held = position(searcher)
    if held < head:
        index.reload()
        searcher = index.searcher()
        held = position(searcher)
    return searcher, held


def position(searcher):
    """Return the last journal entry the index behind *searcher* holds (0 for none)."""
    query = tantivy.Query.term_query(SCHEMA, "id", POSITION_DOCUMENT_ID)
    hits = searcher.search(query, 1, count=False).hits
    if not hits:
        return 0
    return searcher.fast_field_values("journal", [hits[0][1]])[0] or 0


class Freshness:
    """The searcher a search reads, how many releases it has still to take in, and the
    last journal entry it holds (where it has some to take in)."""

    def __init__(self, searcher, releases_to_go=0, position=None):
        self.searcher = searcher
        self.releases_to_go = releases_to_go
        self.position = position


def fresh_searcher(wait=None, version=None):
    """Return a Freshness: a searcher up to the journal (as of the content *version*,
    if given) where that takes under a second, and where another process catching
    up the index lets this one within *wait* seconds (None: WAIT_SECONDS).

    Never raises for the index's sake: a missing or damaged index is rebuilt in
    the background, and until then a search finds nothing and says why.
    """
    head = journal_head(version)
    wait = WAIT_SECONDS if wait is None else wait
    try:
        index = directory.opened()
        if index is None and Release.objects.count() <= CAUGHT_UP_IN_REQUEST:
            catch_up(lock_timeout=wait)
            index = directory.opened()
        if index is None:
            return behind(None, head)
        searcher, held = reloaded_if_behind(index, head)
        if held > head and version is not None:
            # A change committed since this request read its version, and
            # another process indexed it: the journal, read now, has it.
            head = journal.head()
        if held > head:
            # The index holds changes the database never committed (a restored
            # backup, or another database): it belongs to another history.
            raise directory.DamagedIndex("the search index is ahead of the journal")
        few = held < head and journal.entries_after_count(held, CAUGHT_UP_IN_REQUEST + 1)
        if few and few <= CAUGHT_UP_IN_REQUEST:
            # Up to the head read above only: an import appending meanwhile is
            # left to later searches, or this one would chase it to its end.
            catch_up(lock_timeout=wait, up_to=head)
            index = directory.opened()
            index.reload()
            searcher = index.searcher()
            held = position(searcher)
        return Freshness(searcher) if held >= head else behind(searcher, held)
    except UNUSABLE as error:
        rebuild_unusable(error)
        return Freshness(None, Release.objects.count())


def take_in_change():
    """Catch this server's index up to a change just committed: here, where that
    takes under a second, or else in the background. Never raises for the index's
    sake, nor for the database's: the change is saved whatever happens here.

    Called by the request that saved, whose staff member may wait that long: the
    index it leaves current spares this server's readers' searches the catching
    up, which would make each of them, and every reader queued behind its worker,
    wait for it. Another process holding the writer lock (an editor's save of
    the same moment) is waited for up to WAIT_SECONDS, as a staff member's search
    waits; an import, which holds it through each batch, takes the change in
    with its next one.
    """
    try:
        with wait_limits.waiting_at_most(TAKE_IN_WAIT_SECONDS):
            head = journal.head()
            index = directory.opened()
            if index is None:
                to_take = Release.objects.count()
            else:
                held = position(index.searcher())
                to_take = journal.entries_after_count(held, CAUGHT_UP_IN_REQUEST + 1)
            if to_take > CAUGHT_UP_IN_REQUEST:
                Background.start(catch_up)
            elif to_take:
                # Up to this change only: an import appending meanwhile is not chased.
                catch_up(lock_timeout=WAIT_SECONDS, up_to=head)
    except DatabaseError as error:
        # The next search takes the change in.
        logger.warning("The search index was not brought up to a change just saved: %s", error)
    except UNUSABLE as error:
        rebuild_unusable(error)


def rebuild_unusable(error):
    """Log, once, that the index is unusable for *error*, and rebuild it in the background."""
    forget_unusable(error)
    Background.start(rebuild_damaged)


def forget_unusable(error):
    """Log, once, that the index is unusable for *error*, and stop using it: it is rebuilt."""
    directory.log_unusable("Search index unusable, rebuilding it: %s", error)
    directory.Opened.path = directory.Opened.index = None


def behind(searcher, held):
    """Start catching up in the background; return a Freshness saying how far it has to go."""
    Background.start(catch_up)
    if searcher is None:
        return Freshness(None, Release.objects.count())
    return Freshness(searcher, journal.releases_after(held), held)


def catch_up(lock_timeout=None, up_to=None, paging_out=False):
    """Apply the journal's new entries to the index (those up to the entry *up_to*, if
    given), a chunk a commit, building the index first if there is none; return
    whether this process had the writer lock. With *paging_out*, the index's pages
    each commit's merges read are taken out of the process as they go
    (``freed_memory.pages_given_back``).

    The position is read again once the lock is held: another process may
    have caught up meanwhile, and nothing is indexed twice.
    """
    with directory.writer_lock(lock_timeout) as locked:
        if not locked:
            return False
        index = directory.opened()
        if index is None:
            path, _ = build_generation()
            directory.swap_in(path)
            index = directory.opened()
        index.reload()
        held = position(index.searcher())
        while entries := journal.entries_after(held, CHUNK):
            if up_to is not None:
                entries = [entry for entry in entries if entry[0] <= up_to]
                if not entries:
                    break
            apply(index, entries, paging_out)
            held = entries[-1][0]
        return True


def apply(index, entries, paging_out=False):
    """Write the releases named by *entries* into *index* as they are now, in one
    commit; with *paging_out*, as catch_up() says."""
    ids = sorted({release_id for _, release_id in entries})
    # Not in a web server's process: its searches read the same pages, and a page
    # only it maps would leave the page cache, to be read from the disk again.
    root = directory.root()
    with freed_memory.pages_given_back(root) if paging_out else contextlib.nullcontext():
        writer = index.writer(WRITER_HEAP, 1)
        writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", ids))
        for documents in indexed_documents(Release.objects.filter(pk__in=ids), READ_ROWS):
            for document in documents:
                writer.add_document(document)
        commit_and_merge(writer, entries[-1][0])


def commit_and_merge(writer, entry):
    """Record *entry* as the index's position, commit it with the documents, and wait
    for the merges the commit starts.

    Waiting for merges keeps the segments few: each commit adds some. The memory
    the documents took is given back before the merges start, as they need little
    of it: they read the segments they merge through the files' mappings, the
    part of a merge's memory that would grow with the index, and which the
    caller's `freed_memory.pages_given_back` takes out of the process as it goes.
    """
    writer.delete_documents_by_term("id", POSITION_DOCUMENT_ID)
    writer.add_document(position_document(entry))
    writer.commit()
    freed_memory.give_back()
    writer.wait_merging_threads()
    freed_memory.give_back()


def rebuild(on_progress=None):
    """Build a new index of every release from the database and swap it in; return
    how many releases it holds. *on_progress* is called with each chunk's size."""
    path, count = build_generation(on_progress)
    with directory.writer_lock():
        directory.swap_in(path)
    return count


def build_generation(on_progress=None):
    """Index every release into a new generation; return (its directory, its size).

    The journal's head is read before the releases: what changes while they
    are read is caught up afterwards, so nothing is missed.
    """
    head = journal.head()
    path, index = directory.new_generation()
    count = 0
    # The writer merges the segments it writes as it goes, not only after its commit.
    with freed_memory.pages_given_back(path):
        writer = index.writer(REBUILD_HEAP, REBUILD_THREADS)
        for documents in indexed_documents(Release.objects.order_by("pk"), READ_ROWS):
            for document in documents:
                writer.add_document(document)
            count += 1
            if on_progress and count % READ_ROWS == 0:
                on_progress(READ_ROWS)
        commit_and_merge(writer, head)
    if on_progress and count % READ_ROWS:
        on_progress(count % READ_ROWS)
    return path, count


def rebuild_damaged():
    rebuild()
    catch_up()


def bring_up_to_date():
    """Catch the index up, rebuilding it first if it is damaged: for commands, which
    must leave it whole (an import) or read it whole (alerts), however long it takes."""
    try:
        catch_up()
    except UNUSABLE as error:
        forget_unusable(error)
        rebuild_damaged()


class Background:
    """The one thread per process that catches the index up or rebuilds it."""

    thread = None
    lock = threading.Lock()

    @classmethod
    def start(cls, work):
        with cls.lock:
            if cls.thread is not None and cls.thread.is_alive():
                return
            cls.thread = threading.Thread(
                target=cls.run, args=(work, directory.root()), name="search-index", daemon=True
            )
            cls.thread.start()

    @classmethod
    def finish(cls):
        """Wait until the background thread, if one runs, has done its work."""
        thread = cls.thread
        if thread is not None:
            thread.join()

    # The kind of error the last run here failed with; None after a run that did its work.
    failure = None

    @classmethod
    def run(cls, work, root):
        # The directory it was started for, whatever the setting says meanwhile.
        directory.PINNED.path = root
        try:
            work()
            cls.failure = None
        except Exception as error:
            cls.log_failure(error)
        finally:
            close_old_connections()
            connection.close()

    @classmethod
    def log_failure(cls, error):
        """Log why the index could not be brought up to date, in one line, once until
        it succeeds or fails with another kind of error: each request that finds the
        index unusable starts another try (a full disk fails them all)."""
        kind = (type(error), getattr(error, "errno", None))
        if kind != cls.failure:
            cls.failure = kind
            logger.error("The search index could not be brought up to date: %s", error)
