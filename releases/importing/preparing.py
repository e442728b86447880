"""Turn one file into what the importer stores, without the database.

This is the part of an import that can run in several processes at once:
reading, the digest that recognises an unchanged file, parsing, and rendering
the body, which the release keeps beside it.
"""

import array
import bisect
import dataclasses
import hashlib
import json
import os
import stat
from urllib.parse import unquote, urlsplit

from releases.importing.errors import ReleaseError
from releases.importing.parsing import (
    MAX_RELEASE_BYTES,
    PARSER_VERSION,
    ParsedRelease,
    check_size,
    parse_release,
)
from releases.models import release_path
from releases.rendering import Rendering
from releases.transcripts.resolving import read_turns
from releases.transcripts.turns import transcript


@dataclasses.dataclass(frozen=True)
class PreparedFile:
    """One file, ready to store: parsed, known unchanged, or failed."""

    path: str
    source_hash: str = ""
    release: ParsedRelease | None = None
    # The permalink's path where it is not the release's address here, so
    # that it can redirect there.
    old_path: str = ""
    known: bool = False
    reason: str = ""
    rendering: Rendering | None = None
    # The transcript's turns (ReadTurn), resolved to the people given.
    turns: tuple = ()


class KnownDigests:
    """The digests of the stored releases' files, in 8 bytes each.

    A frozenset of the hex digests took a Python string object per release,
    many times the size. Only the first half of each digest is kept: a file that matches by it alone
    is confirmed against the full digest when it is stored, and read again
    if that differs.
    """

    def __init__(self, digests):
        self.prefixes = array.array("Q", sorted(prefix(digest) for digest in digests))

    def __contains__(self, digest):
        key = prefix(digest)
        index = bisect.bisect_left(self.prefixes, key)
        return index < len(self.prefixes) and self.prefixes[index] == key

    def __len__(self):
        return len(self.prefixes)


def prefix(digest):
    return int(digest[:16], 16)


class FilePreparer:
    """Prepare files for an import with *key_map*, skipping the *known_hashes*; a
    transcript's speakers resolved to the *people* they name (People, loaded) and
    linked to their pages, or to none without them."""

    def __init__(self, key_map=None, known_hashes=frozenset(), people=None):
        self.key_map = dict(key_map or {})
        self.known_hashes = known_hashes
        self.people = people
        options = json.dumps([PARSER_VERSION, sorted(self.key_map.items())]).encode()
        self.digest_key = hashlib.blake2b(options).digest()

    def __call__(self, path):
        return self.prepare(path)

    def prepare(self, path, skip_known=True):
        """Return the PreparedFile for *path*; never raise for a bad file."""
        path = str(path)
        try:
            data = read_release_file(path)
            source_hash = self.digest(data)
            if skip_known and source_hash in self.known_hashes:
                return PreparedFile(path, source_hash, known=True)
            release = parse_release(data, self.key_map)
            speakers = self.people.at(release.published_at) if self.people else None
            # Read once, for the page and for the turns stored beside it.
            read = transcript(release.body)
            return PreparedFile(
                path,
                source_hash,
                release,
                old_path(release),
                rendering=Rendering.of_read(release.body, read, speakers),
                turns=read_turns(release.body, read, speakers),
            )
        except ReleaseError as exc:
            return PreparedFile(path, reason=str(exc))
        except Exception as exc:
            # A case the rules missed must still cost one file, not the run.
            reason = " ".join(str(exc).split())
            return PreparedFile(path, reason=f"unexpected {type(exc).__name__}: {reason}")

    def digest(self, data):
        """Return the hex digest that recognises these bytes read with these options."""
        return hashlib.blake2b(data, digest_size=16, key=self.digest_key).hexdigest()


def old_path(release):
    """Return the path of *release*'s permalink if it is not the release's address."""
    path = unquote(urlsplit(release.permalink).path)  # as request.path has it
    address = release_path(release.category, release.date, release.slug, kept=False)
    return "" if path == address else path


def read_release_file(path):
    """Return the bytes of *path*, refusing what is not a regular file of sane size."""
    try:
        # Checked before opening: opening a named pipe would wait for a writer.
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise ReleaseError("not a regular file")
        check_size(status.st_size)
        with open(path, "rb") as file:
            return file.read(MAX_RELEASE_BYTES + 1)
    except FileNotFoundError:
        raise ReleaseError("no such file") from None
    except OSError as exc:
        raise ReleaseError(f"cannot read: {exc.strerror or exc}") from None
