"""Give back to the system the memory an index writer's threads have freed.

tantivy allocates through the C library's malloc, and glibc gives each thread
an arena of its own that keeps what the thread frees for later use: without
this, a process that writes the index many times (an import, a rebuild)
holds the most any commit needed, once per arena, for the rest of its life.
"""

import ctypes

# glibc's malloc_trim; other C libraries (musl, macOS) have none, and need none.
MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)


def give_back():
    """Return the C heap's free pages, in every arena, to the system."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)
