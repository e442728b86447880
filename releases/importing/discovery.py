"""Find the release files named on a command line, walking directories."""

import os
from pathlib import Path

RELEASE_SUFFIXES = {".txt", ".md"}


def find_release_files(paths):
    """Yield (path, problem) for each file named in *paths* or found under a directory.

    *problem* is None, or a reason a directory could not be walked. Symbolic
    links to directories are followed once; a link back into a directory
    being walked is reported as a loop. README files describe an archive and
    are not releases.
    """
    for path in map(Path, paths):
        if path.is_dir():
            yield from walk(path, ancestors=frozenset())
        else:
            yield path, None


def walk(directory, ancestors):
    try:
        identity = directory_identity(directory)
        if identity in ancestors:
            yield directory, "symbolic link loop: this directory contains itself"
            return
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        yield directory, f"cannot read directory: {exc.strerror or exc}"
        return
    for entry in entries:
        path = Path(entry.path)
        if is_directory(entry):
            yield from walk(path, ancestors | {identity})
        elif is_release_name(entry.name):
            yield path, None


def directory_identity(directory):
    status = directory.stat()
    return status.st_dev, status.st_ino


def is_directory(entry):
    try:
        return entry.is_dir()
    except OSError:
        return False


def is_release_name(name):
    suffix = os.path.splitext(name)[1].lower()
    return suffix in RELEASE_SUFFIXES and not name.upper().startswith("README.")
