"""Give back to the system the memory an index writer's threads have freed, and
the index's pages its merges have read.

tantivy allocates through the C library's malloc, and glibc gives each thread
an arena of its own that keeps what the thread frees for later use: without
this, a process that writes the index many times (an import, a rebuild)
holds the most any commit needed, once per arena, for the rest of its life.

tantivy reads the index's files through read-only shared mappings, and every
page a merge reads stays in the process's page tables, counted in its memory,
until the merged segments are let go: a merge of the whole index holds the
whole index. Paging them out while the writer works bounds that part to what
is read between two rounds.
"""

import contextlib
import ctypes
import os
import threading

LIBC = ctypes.CDLL(None, use_errno=True)
# glibc's malloc_trim; other C libraries (musl, macOS) have none, and need none.
MALLOC_TRIM = getattr(LIBC, "malloc_trim", None)
MADVISE = LIBC.madvise
MADVISE.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
# Linux's advice to reclaim a range's pages now (5.4 and later). Unlike
# MADV_DONTNEED, it never loses what a page holds, whatever mapping the range
# holds by the time it is given: tantivy's threads unmap and map while this
# runs, and malloc may have put its memory where a segment's file was.
MADV_PAGEOUT = 21
# How often the index's pages are paged out while a writer works: the most a
# merge holds of them is what it reads in this time.
PAGE_OUT_SECONDS = 0.05
# The mappings tantivy reads the index through: read-only and shared.
READ_SHARED = "r--s"


def give_back():
    """Return the C heap's free pages, in every arena, to the system."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


def index_mappings(directory):
    """Return (start, length) of each of this process's read-only shared mappings
    of a file under *directory*; none where the system has no /proc."""
    prefix = os.path.realpath(directory) + os.sep
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.readlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[1] == READ_SHARED and fields[5].startswith(prefix):
            start, end = (int(address, 16) for address in fields[0].split("-"))
            found.append((start, end - start))
    return found


def page_out(directory):
    """Take the pages of *directory*'s files out of this process's memory.

    The kernel unmaps and frees the pages no other process maps (a page a web
    server's worker maps too stays, counted in part to each). The files are
    untouched: a later read of such a page reads it again from the disk. Errors
    are ignored: a range unmapped meanwhile (ENOMEM), or a kernel without the
    advice (EINVAL).
    """
    for start, length in index_mappings(directory):
        MADVISE(start, length, MADV_PAGEOUT)


@contextlib.contextmanager
def pages_given_back(directory):
    """In this block, page out the pages of *directory*'s files every
    PAGE_OUT_SECONDS (tantivy's merges run on threads of their own, and let
    Python's run beside them), and once more at its end."""
    stopped = threading.Event()

    def keep_paging_out():
        while not stopped.wait(PAGE_OUT_SECONDS):
            page_out(directory)

    thread = threading.Thread(target=keep_paging_out, name="index-page-out", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()
        page_out(directory)
