"""Where this app server keeps its search index, and how it is opened, locked and replaced.

The setting BRIEFING_SEARCH_INDEX names a directory of this server's own:

- ``generations/<name>/``: complete indexes; a rebuild writes a new one;
- ``current``: a symbolic link to the generation in use, replaced atomically;
- ``writer.lock``: held by the one process writing to the index at a time.

A process reads the link before each search, so a rebuilt index is used as
soon as it is swapped in; files of a generation it replaced stay readable
to a process that still has them open.
"""

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

import tantivy
from django.conf import settings

from releases.search.schema import SCHEMA, register_analyzers

logger = logging.getLogger(__name__)

CURRENT = "current"
GENERATIONS = "generations"
LOCK = "writer.lock"
# How often a process waiting for the writer's lock asks again.
LOCK_POLL_SECONDS = 0.02
# A generation no rebuild has written to for this long was left by one that stopped.
ABANDONED_SECONDS = 60 * 60


class DamagedIndex(Exception):
    """The index in use cannot be opened or read: it must be rebuilt."""


class Reported:
    """The unusable index this process has logged: the generation in use then (None
    for none), so that it is logged once, not by every request, until a rebuild
    puts another generation in use."""

    logged = False
    path = None


def log_unusable(message, error):
    """Log *message* about the unusable index, with *error*, unless this process has
    logged the generation in use already."""
    path = current_path()
    if Reported.logged and path == Reported.path:
        return
    Reported.logged, Reported.path = True, path
    logger.warning(message, error)


class Pinned(threading.local):
    """The index directory this thread works on, when it was started for one."""

    path = None


PINNED = Pinned()


def root():
    """The index directory: the setting's, or the one this thread was started for."""
    return PINNED.path or Path(settings.BRIEFING_SEARCH_INDEX)


@contextlib.contextmanager
def writer_lock(timeout=None):
    """Hold the directory's writer lock in this block, which is given whether it
    was had: wait for it up to *timeout* seconds, or for as long as it takes."""
    root().mkdir(parents=True, exist_ok=True)
    descriptor = os.open(root() / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        yield acquired(descriptor, timeout)
    finally:
        # Closing the descriptor releases the lock, also when the process dies.
        os.close(descriptor)


def acquired(descriptor, timeout):
    """Take the lock on *descriptor* within *timeout* seconds (None: wait); say if it was."""
    if timeout is None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(LOCK_POLL_SECONDS)


def current_path():
    """Return the directory of the index in use, or None when there is none."""
    try:
        target = os.readlink(root() / CURRENT)
    except (FileNotFoundError, OSError):
        return None
    return root() / target


class Opened:
    """The index this process has open, and the directory it was opened from."""

    path = None
    index = None


def opened():
    """Return the index in use, opened once per process and generation, or None if there
    is none; raise DamagedIndex if it cannot be opened."""
    path = current_path()
    if path is None:
        Opened.path = Opened.index = None
        return None
    if path != Opened.path:
        Opened.index, Opened.path = open_index(path), path
    return Opened.index


def open_index(path):
    try:
        index = tantivy.Index.open(str(path))
    except (ValueError, OSError) as error:
        raise DamagedIndex(f"the search index at {path} cannot be opened: {error}") from None
    if index.schema != SCHEMA:
        # Built by an earlier version of the site: its fields are not the ones queried.
        raise DamagedIndex(f"the search index at {path} holds other fields than these")
    register_analyzers(index)
    return index


def new_generation():
    """Create an empty index in a generation of its own; return (its directory, the index)."""
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    path = root() / GENERATIONS / name
    path.mkdir(parents=True)
    index = tantivy.Index(SCHEMA, path=str(path), reuse=False)
    register_analyzers(index)
    return path, index


def swap_in(path):
    """Make the generation at *path* the one in use, at once for every process, and
    delete the one it replaces. Call with the writer lock held."""
    replaced = current_path()
    link = root() / f"{CURRENT}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(path.relative_to(root()))
    os.replace(link, root() / CURRENT)
    if replaced is not None and replaced != path:
        shutil.rmtree(replaced, ignore_errors=True)
    remove_abandoned(path)


def remove_abandoned(kept):
    """Delete generations left behind by rebuilds that were stopped: any but *kept*
    untouched for ABANDONED_SECONDS (a rebuild running now writes to its own)."""
    for other in (root() / GENERATIONS).iterdir():
        with contextlib.suppress(FileNotFoundError):
            if other != kept and time.time() - other.stat().st_mtime > ABANDONED_SECONDS:
                shutil.rmtree(other, ignore_errors=True)
