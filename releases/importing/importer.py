"""Import release files into the database: the work behind ``manage.py import_release``.

Files are prepared (read, recognised by digest and parsed) in worker
processes, and stored by this one a batch at a time. Unchanged files are
recognised by their digest alone, without being parsed again. Bodies are
stored as written and rendered when a release is viewed.
"""

import collections
import contextlib
import dataclasses
import gc
import itertools
import multiprocessing
import os
import signal

from django.db import connection, transaction
from django.utils import timezone

from releases.db.table_statistics import TableStatistics
from releases.importing.discovery import find_release_files
from releases.importing.preparing import FilePreparer, KnownDigests, PreparedFile
from releases.importing.records import Outcome, RunRecorder
from releases.importing.storing import BatchWriter
from releases.models import ImportRun, Release, this_process
from releases.search import updating
from releases.transcripts.people import People

# The most files stored in one transaction, and the most of them parsed and
# rendered (each held with its body, HTML and text; a file known by its digest
# holds its path and digest only). The workers prepare CHUNK_FILES at a time,
# CHUNKS_IN_FLIGHT chunks while a batch is stored. Together they bound what the
# importing process holds, whatever the archive's size: see prepared_batches.
BATCH_SIZE = 512
BATCH_PARSED = 128
CHUNK_FILES = 64
CHUNKS_IN_FLIGHT = 4
WAL_CHECKPOINT_PAGES = 50_000  # about 200 MB of log between checkpoints


class RolledBack(Exception):
    """Raised to undo an all-or-nothing import in which a file failed."""


class ReleaseImport:
    """One run of the importer over *paths*.

    With *dry_run*, outcomes are worked out and nothing is written; with
    *atomic*, nothing is committed unless every file imports. *key_map* renames
    front-matter keys, and *jobs* is the number of worker processes preparing
    files (0: this process prepares them itself). New releases are published,
    or drafts with *drafts*. With *root*, *paths* are relative to that
    directory, and so are the paths recorded for the files.
    """

    def __init__(
        self,
        paths,
        *,
        dry_run=False,
        atomic=False,
        key_map=None,
        jobs=0,
        started_by="",
        drafts=False,
        root=None,
    ):
        self.paths = [str(path) for path in paths]
        self.root = root
        self.dry_run = dry_run
        self.drafts = drafts
        self.atomic = atomic
        self.key_map = dict(key_map or {})
        self.jobs = max(0, jobs)
        self.started_by = started_by
        self.run_record = None
        self.recorder = None

    @property
    def summary(self):
        return self.recorder.summary

    def run(self, on_failure=None, on_progress=None):
        """Import every file; call *on_failure* with each failed FileRecord as it
        is known and *on_progress* with the number of files done in each batch.
        Return the ImportRun, or None for a dry run."""
        stored = Release.objects.exclude(source_hash="").values_list("source_hash", flat=True)
        known = KnownDigests(stored.iterator())
        preparer = self.file_preparer(known)
        if not self.dry_run:
            self.run_record = ImportRun.objects.create(
                started_by=self.started_by,
                options=self.options(),
                process=this_process(),
                heartbeat_at=timezone.now(),
            )
        self.recorder = RunRecorder(None if self.atomic else self.run_record)
        writer = BatchWriter(
            self.recorder,
            preparer,
            dry_run=self.dry_run,
            run=self.run_record,
            status=self.new_release_status(),
        )
        statistics = TableStatistics(len(known), enabled=not self.dry_run)
        statistics.started()
        try:
            self.write_batches(writer, preparer, statistics, on_failure, on_progress)
        except RolledBack:
            self.finish(ImportRun.Status.ROLLED_BACK)
        except KeyboardInterrupt:
            self.finish(ImportRun.Status.INTERRUPTED)
            raise
        else:
            self.finish(ImportRun.Status.FINISHED)
        if not self.dry_run:
            # The last batches may have come while the thread was busy with an earlier one.
            updating.Background.finish()
            updating.bring_up_to_date()
        statistics.finished(self.summary[Outcome.CREATED] + self.summary[Outcome.UPDATED])
        return self.run_record

    def beat(self):
        """Say the run is alive, after each batch: see ImportRun.process_gone()."""
        if self.run_record is not None:
            runs = ImportRun.objects.filter(pk=self.run_record.pk)
            runs.update(heartbeat_at=timezone.now())

    def file_preparer(self, known):
        """Return the FilePreparer for this run's paths, skipping the files *known* by digest."""
        # Read here: the workers render the speakers' links without the database.
        people = People().load()
        if self.root is None:
            return FilePreparer(self.key_map, known, people)
        return RootedPreparer(self.root, self.key_map, known, people)

    def new_release_status(self):
        """The status of the releases this run creates."""
        return Release.Status.DRAFT if self.drafts else Release.Status.PUBLISHED

    def write_batches(self, writer, preparer, statistics, on_failure, on_progress):
        """Prepare and store the files a batch at a time, in the run's transaction.

        Raise RolledBack if a file of an all-or-nothing run failed.
        """
        batches = contextlib.closing(self.prepared_batches(preparer))
        with infrequent_checkpoints(), self.transaction(), batches as prepared:
            for batch in prepared:
                self.summary.read(file for _, file in batch)
                for record in writer.write(batch):
                    if record.outcome == Outcome.FAILED and on_failure:
                        on_failure(record)
                statistics.grown(self.summary[Outcome.CREATED])
                self.beat()
                if on_progress:
                    on_progress(len(batch))
            if self.atomic and self.summary[Outcome.FAILED]:
                raise RolledBack

    def transaction(self):
        """The transaction around the whole run: one only when all-or-nothing."""
        return transaction.atomic() if self.atomic else contextlib.nullcontext()

    def options(self):
        return {
            "paths": self.paths,
            "atomic": self.atomic,
            "map": self.key_map,
            "jobs": self.jobs,
            "drafts": self.drafts,
        }

    def finish(self, status):
        if self.run_record is None:
            return
        if self.atomic:
            committed = status == ImportRun.Status.FINISHED
            self.recorder.write_in_memory(self.run_record, committed=committed)
        run = self.run_record
        run.status, run.finished_at = status, timezone.now()
        for outcome in Outcome:
            setattr(run, outcome.value, self.summary[outcome])
        run.save()

    def prepared_batches(self, preparer):
        """Yield the files under the paths, prepared, as lists of (position, PreparedFile):
        a batch ends with the chunk that brings it to BATCH_SIZE files, or to BATCH_PARSED
        parsed ones."""
        batch, parsed = [], 0
        with contextlib.closing(self.prepared_chunks(preparer)) as chunks:
            for chunk in chunks:
                batch += chunk
                parsed += sum(prepared.release is not None for _, prepared in chunk)
                if len(batch) >= BATCH_SIZE or parsed >= BATCH_PARSED:
                    yield batch
                    batch, parsed = [], 0
        if batch:
            yield batch

    def prepared_chunks(self, preparer):
        """Yield the files under the paths, prepared, a chunk at a time."""
        chunks = batched(enumerate(self.found_files()), min(CHUNK_FILES, BATCH_SIZE))
        if self.jobs == 0:
            for chunk in chunks:
                yield [(position, prepare_one(preparer, found)) for position, found in chunk]
            return
        with worker_pool(self.jobs, preparer) as pool:
            # Chunks are prepared while the ones before them are stored. A few
            # in flight keep the workers busy through a slow batch; a few only,
            # so that memory stays bounded whatever the archive's size.
            in_flight = collections.deque()
            for chunk in chunks:
                paths = [path for _, (path, problem) in chunk if problem is None]
                # One task per worker and chunk: each task costs the pool more
                # than preparing a file does.
                share = max(1, -(-len(paths) // self.jobs))
                in_flight.append((chunk, pool.map_async(prepare_in_worker, paths, chunksize=share)))
                if len(in_flight) == CHUNKS_IN_FLIGHT:
                    yield assemble(*in_flight.popleft())
            while in_flight:
                yield assemble(*in_flight.popleft())
            # The work is done: let the workers finish and exit. Leaving the
            # block would terminate them with signals, and a worker killed
            # while holding the pool's queue lock can leave another waiting
            # for it for good (an import once hung there).
            pool.close()
            pool.join()

    def found_files(self):
        """Yield (path, problem) for each file to import, as find_release_files does,
        with paths relative to the root if there is one."""
        if self.root is None:
            yield from find_release_files(self.paths)
            return
        found = find_release_files(os.path.join(self.root, path) for path in self.paths)
        for path, problem in found:
            yield os.path.relpath(path, self.root), problem


class RootedPreparer(FilePreparer):
    """A FilePreparer for files named by their path relative to *root*."""

    def __init__(self, root, key_map, known_hashes, people):
        super().__init__(key_map, known_hashes, people)
        self.root = root

    def prepare(self, path, skip_known=True):
        prepared = super().prepare(os.path.join(self.root, path), skip_known)
        return dataclasses.replace(prepared, path=str(path))


@contextlib.contextmanager
def infrequent_checkpoints():
    """Let SQLite's write-ahead log grow while importing, then checkpoint once.

    By default SQLite copies the log into the database (and syncs it) every
    4 MB, which is every batch or so; that costs more than writing the batch.
    """
    # Inside a caller's transaction SQLite refuses a checkpoint (the table is locked).
    if connection.vendor != "sqlite" or connection.in_atomic_block or journal_mode() != "wal":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (default,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={default}")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def journal_mode():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


def batched(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def prepare_one(preparer, found):
    path, problem = found
    return PreparedFile(str(path), reason=problem) if problem else preparer(path)


def assemble(chunk, preparing):
    """Pair a chunk's positions with its prepared files, in order."""
    prepared = iter(preparing.get())
    return [
        (position, PreparedFile(str(path), reason=problem) if problem else next(prepared))
        for position, (path, problem) in chunk
    ]


def worker_pool(jobs, preparer):
    """Return a pool of *jobs* forked worker processes preparing files with *preparer*.

    The objects this process holds are frozen out of the garbage collector's
    sight while it forks: a worker's collector would otherwise write to every
    one of them, and so copy its pages, which it shares with this process.
    """
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        return context.Pool(jobs, initializer=start_worker, initargs=(preparer,))
    finally:
        gc.unfreeze()


worker_preparer = None


def start_worker(preparer):
    """Set up a worker process: Ctrl-C and SIGTERM are for the main process to handle."""
    global worker_preparer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    worker_preparer = preparer


def prepare_in_worker(path):
    return worker_preparer(path)
