"""Undo an import run: remove the releases it created, and return the releases it
updated to the revision they had before it."""

import dataclasses

from django.db import transaction

from releases.changes import one_change
from releases.models import FormerPermalink, ImportRun, Release


class UndoError(Exception):
    """Raised when a run cannot be undone; the message says why."""


@dataclasses.dataclass
class UndoSummary:
    """What undoing a run did, release by release."""

    removed: int = 0
    restored: int = 0
    # (release, reason) pairs: releases changed since the run, so left as they are.
    left_alone: list = dataclasses.field(default_factory=list)

    def __str__(self):
        left_alone = f", {len(self.left_alone)} kept as they are" if self.left_alone else ""
        return f"{self.removed} removed, {self.restored} restored{left_alone}"


# Above this many releases written, a run is undone with manage.py undo_import:
# a web request would time out before it was done.
WEB_UNDO_LIMIT = 2_000


def refuse_on_the_web(run):
    """Raise UndoError if *run* wrote too many releases to undo in a web request."""
    written = run.created + run.updated
    if written > WEB_UNDO_LIMIT:
        raise UndoError(
            f"{run} wrote {written:,} releases: undo it with "
            f"“manage.py undo_import {run.pk}”, which is not held to a web request's time."
        )


def undo_run(run):
    """Undo *run*, in one transaction, and return an UndoSummary.

    A release changed since the run (by an edit or a later import) is left
    as it is and listed: undoing the run must not throw away later work.
    """
    ImportRun.objects.settle_abandoned()
    run.refresh_from_db()
    if run.status == ImportRun.Status.UNDONE:
        raise UndoError(f"{run} was undone already.")
    if run.status == ImportRun.Status.RUNNING:
        raise UndoError(f"{run} is still running.")
    firsts = first_revisions(run)
    if not firsts and (run.created or run.updated):
        raise UndoError(f"{run} was made before revisions were kept, so it cannot be undone.")
    summary = UndoSummary()
    with transaction.atomic(), one_change():
        for first in firsts:
            undo_release(run, first, summary)
        run.status = ImportRun.Status.UNDONE
        run.save(update_fields=["status"])
    return summary


def preview_undo(runs, check=None):
    """Return [(run, UndoSummary or UndoError)]: what undoing *runs*, newest first,
    would do, worked out by undoing them in a transaction that is rolled back.
    *check*, given a run, may refuse it with an UndoError first."""
    previews = []
    with transaction.atomic():
        for run in runs:
            try:
                if check:
                    check(run)
                previews.append((run, undo_run(run)))
            except UndoError as refusal:
                previews.append((run, refusal))
        transaction.set_rollback(True)
    for run, _ in previews:
        run.refresh_from_db()
    return previews


def first_revisions(run):
    """Return, for each release the run wrote, the first revision it made of it."""
    revisions = Release.history.filter(import_run=run).order_by("history_date", "history_id")
    first = {}
    for revision in revisions.defer("body"):
        first.setdefault(revision.id, revision)
    return list(first.values())


def undo_release(run, first, summary):
    release = Release.objects.filter(pk=first.id).first()
    if release is None:
        return
    latest = release.history.only("import_run").first()
    if latest.import_run_id != run.pk:
        summary.left_alone.append((release, "changed since the import"))
        return
    release._change_reason = f"undo of import run {run.pk}"
    if first.history_type == "+":
        release.delete()
        summary.removed += 1
        return
    before = first.prev_record
    restored = before.instance
    restored._change_reason = release._change_reason
    restored.save()
    # Its permalink before the run is its own again, not a former one.
    FormerPermalink.objects.filter(release=restored, url=restored.permalink).delete()
    summary.restored += 1
