"""Store release files in the database, keyed on their permalinks.

``import_releases`` is what ``manage.py import_release`` runs; each file is
parsed, compared with what is stored, and written in a transaction of its own,
so a bad file never leaves part of itself behind or stops the others.
"""

import collections
import dataclasses
import enum
import os
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction

from releases.errors import ReleaseError
from releases.models import Category, Release
from releases.parsing import MAX_RELEASE_BYTES, parse_release

RELEASE_SUFFIXES = {".txt", ".md"}
STORED_FIELDS = (
    "title",
    "date",
    "published_at",
    "modified_at",
    "slug",
    "body",
    "extra_front_matter",
)


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class FileResult:
    """What happened to one file, and why if it failed."""

    path: Path
    outcome: Outcome
    reason: str = ""


class ImportSummary(collections.Counter):
    """Counts of each outcome over an import run."""

    def __str__(self):
        return ", ".join(f"{outcome} {self[outcome]}" for outcome in Outcome)


def import_releases(paths, *, dry_run=False, on_result=None):
    """Import every release file under *paths*; return an ImportSummary.

    *on_result*, if given, is called with each file's FileResult as it is done.
    With *dry_run*, outcomes are worked out but nothing is written.
    """
    summary = ImportSummary()
    for path in release_files(paths):
        result = import_file(path, dry_run=dry_run)
        summary[result.outcome] += 1
        if on_result:
            on_result(result)
    return summary


def release_files(paths):
    """Yield the files named in *paths*, and the release files under directories.

    README files in directories describe an archive and are not releases.
    """
    for path in map(Path, paths):
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                candidate = Path(root, name)
                if candidate.suffix.lower() in RELEASE_SUFFIXES and not name.upper().startswith(
                    "README."
                ):
                    yield candidate


def import_file(path, *, dry_run=False):
    """Import one file and return its FileResult; never raise for a bad file."""
    try:
        parsed = parse_release(read_release_file(path))
        outcome = save_release(parsed, dry_run=dry_run)
    except ReleaseError as exc:
        return FileResult(path, Outcome.FAILED, str(exc))
    except Exception as exc:
        # A case the rules above missed must still cost one file, not the run.
        reason = " ".join(str(exc).split())
        return FileResult(path, Outcome.FAILED, f"unexpected {type(exc).__name__}: {reason}")
    return FileResult(path, outcome)


def read_release_file(path):
    """Return the bytes of *path*, refusing what is not a regular file of sane size."""
    try:
        if not path.is_file():
            raise ReleaseError("not a regular file" if path.exists() else "no such file")
        if path.stat().st_size > MAX_RELEASE_BYTES:
            raise ReleaseError(f"file is larger than the {MAX_RELEASE_BYTES:,} byte limit")
        with path.open("rb") as file:
            return file.read(MAX_RELEASE_BYTES + 1)
    except OSError as exc:
        raise ReleaseError(f"cannot read: {exc.strerror or exc}") from None


def save_release(parsed, *, dry_run=False):
    """Create or update the release for *parsed*; return the Outcome.

    Unchanged releases are not written at all.
    """
    release = Release.objects.select_related("category").filter(permalink=parsed.permalink).first()
    if release is None:
        release, outcome = Release(permalink=parsed.permalink), Outcome.CREATED
    elif matches(release, parsed):
        return Outcome.UNCHANGED
    else:
        outcome = Outcome.UPDATED
    check_address_is_free(release, parsed)
    if not dry_run:
        write_release(release, parsed)
    return outcome


def matches(release, parsed):
    """Return whether *release* already holds every value of *parsed*."""
    return release.category.slug == parsed.category and all(
        getattr(release, field) == getattr(parsed, field) for field in STORED_FIELDS
    )


def check_address_is_free(release, parsed):
    """Refuse a release whose public address another release already has."""
    clash = (
        Release.objects.filter(category__slug=parsed.category, date=parsed.date, slug=parsed.slug)
        .exclude(pk=release.pk)
        .values_list("permalink", flat=True)
        .first()
    )
    if clash:
        raise ReleaseError(f"permalink: its address is already taken by {clash}")


def write_release(release, parsed):
    try:
        with transaction.atomic():
            release.category, _ = Category.objects.get_or_create(
                slug=parsed.category,
                defaults={"name": Category.name_for_slug(parsed.category)},
            )
            for field in STORED_FIELDS:
                setattr(release, field, getattr(parsed, field))
            release.save()
    except IntegrityError:
        raise ReleaseError(
            "permalink: another import stored this release at the same moment; run again"
        ) from None
    except DatabaseError as exc:
        raise ReleaseError(f"could not be stored: {str(exc).splitlines()[0]}") from None
