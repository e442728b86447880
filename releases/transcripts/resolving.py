"""Turns derived from bodies and stored, each label resolved to a person where it can be."""

import collections
import logging
import threading

from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save

from releases.changes import content_changed
from releases.models import Release
from releases.rendered import BATCH_SIZE, render_stored, stale
from releases.transcripts.labels import normalized
from releases.transcripts.models import Turn
from releases.transcripts.people import People
from releases.transcripts.turns import transcript

logger = logging.getLogger(__name__)


def derived_turns(release, people):
    """Return the unsaved Turns of *release*'s body, resolved by *people*."""
    read = transcript(release.body)
    if read is None:
        return []
    return [
        Turn(
            release_id=release.pk,
            position=turn.position,
            label=turn.label,
            key=normalized(turn.label),
            person_id=people.person_id(turn.label, release.published_at),
            text=turn.text,
        )
        for turn in read.turns
    ]


def store_turns(releases, people=None):
    """Store the turns of *releases* (saved, with their bodies) in place of their old ones."""
    people = people or People()
    Turn.objects.filter(release__in=[release.pk for release in releases]).delete()
    turns = [turn for release in releases for turn in derived_turns(release, people)]
    Turn.objects.bulk_create(turns, batch_size=1000)


def refresh_speakers(releases):
    """Resolve the turns of *releases* (a queryset) again after people or aliases change,
    and have their pages follow; return how many releases that is.

    Call it with the releases whose turns a change touches (their labels' keys,
    or the people merged). What is done at once is cheap whatever their number:
    each turn's person worked out again from its label and stored, the releases'
    renderings marked stale (a reader's request renders one as it is now until it
    is rendered again), their search entries and kept pages told. Their renderings
    are written again after the change commits, in a thread of this process:
    rendering a body is the slow part, 50 ms for a long transcript, and a
    publisher's save of a person named in thousands of releases would time out.
    """
    ids = list(releases.order_by("pk").values_list("pk", flat=True).distinct())
    with transaction.atomic():
        resolve_again(ids, People())
        for start in range(0, len(ids), BATCH_SIZE):
            Release.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(rendered_under="")
        content_changed(ids)
        transaction.on_commit(lambda: RenderingAgain.start(ids), robust=True)
    return len(ids)


def resolve_again(release_ids, people):
    """Store, for each turn of the releases *release_ids*, the person its label names
    under the aliases as *people* has them now: its label and text are the body's,
    which has not changed."""
    moved = collections.defaultdict(list)
    for start in range(0, len(release_ids), BATCH_SIZE):
        turns = Turn.objects.filter(release__in=release_ids[start : start + BATCH_SIZE])
        rows = turns.values_list("pk", "label", "person_id", "release__published_at")
        for pk, label, person_id, published_at in rows.iterator():
            now = people.person_id(label, published_at)
            if now != person_id:
                moved[now].append(pk)
    for person_id, turn_ids in moved.items():
        for start in range(0, len(turn_ids), BATCH_SIZE):
            chosen = Turn.objects.filter(pk__in=turn_ids[start : start + BATCH_SIZE])
            chosen.update(person_id=person_id)


class RenderingAgain:
    """The thread that writes again the renderings a change to the people left stale."""

    # The last thread started in this process, for finish().
    thread = None

    @classmethod
    def start(cls, release_ids):
        cls.thread = threading.Thread(
            target=cls.run, args=(release_ids,), name="rendering-again", daemon=True
        )
        cls.thread.start()

    @classmethod
    def finish(cls):
        """Wait until the last thread started, if any, has done its work."""
        if cls.thread is not None:
            cls.thread.join()

    @staticmethod
    def run(release_ids):
        try:
            for start in range(0, len(release_ids), BATCH_SIZE):
                chosen = Release.objects.filter(pk__in=release_ids[start : start + BATCH_SIZE])
                render_stored(stale(chosen), people=People())
        except DatabaseError:
            # Readers render a stale release themselves; render_releases writes it.
            logger.exception("Rendering releases again after a change to the people failed")
        finally:
            connection.close()


def connect():
    """Keep a release's turns in step with its body whenever it is saved through the model
    (the admin, undo, a revision restored); the import stores them itself."""
    post_save.connect(body_saved, sender=Release, dispatch_uid="transcripts-turns")


def body_saved(sender, instance, update_fields=None, **signal_arguments):
    if update_fields is not None and "body" not in update_fields:
        return
    if connection.in_atomic_block:
        # The turns commit with the save and its search journal entry.
        store_turns([instance])
        return
    with transaction.atomic():
        store_turns([instance])
        # A save outside a transaction (a shell) committed its journal entry before
        # these turns: a search index may have read the release without them.
        content_changed([instance.pk])
