"""Turns derived from bodies and stored, each label resolved to a person where it can be."""

import collections
import logging
import threading
import typing

from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save

from releases.changes import changed_here
from releases.db.bulk_insert import BulkInsert
from releases.models import Release
from releases.rendered import BATCH_SIZE, render_stored, stale
from releases.transcripts.labels import normalized
from releases.transcripts.models import Turn
from releases.transcripts.people import People
from releases.transcripts.turns import transcript

logger = logging.getLogger(__name__)

# The columns of a turn, as ReadTurn.row() gives them.
TURN_FIELDS = ("release", "position", "label", "key", "person", "text")


class ReadTurn(typing.NamedTuple):
    """A turn read from a body and resolved, ready to store beside its release.

    Its text is the stretch of the body from *start* to *end*, as nearly every
    turn's is, rather than a copy of it: what an import's worker sends back
    stays small. *text* holds it only where the body does not hold it so (two
    of its paragraphs apart by more than one empty line).
    """

    position: int
    label: str
    key: str
    person_id: int | None
    start: int
    end: int
    text: str | None = None

    def row(self, release_id, body):
        """Return the values of TURN_FIELDS of this turn of the release *release_id*,
        whose *body* it was read from."""
        text = body[self.start : self.end] if self.text is None else self.text
        return (release_id, self.position, self.label, self.key, self.person_id, text)


def read_turns(body, read, speakers=None):
    """Return the ReadTurns of *body*, already *read* as a Transcript (None where no
    one speaks in it), each label resolved by *speakers* (``People.at``), if given."""
    if read is None:
        return ()
    turns, after = [], 0
    for turn in read.turns:
        speaker = speakers(turn.label) if speakers else None
        values = (turn.position, turn.label, normalized(turn.label), speaker and speaker.id)
        start = body.find(turn.text, after)
        if start == -1:
            turns.append(ReadTurn(*values, 0, 0, turn.text))
        else:
            after = start + len(turn.text)
            turns.append(ReadTurn(*values, start, after))
    return tuple(turns)


def turn_rows(release, people):
    """Return the rows of TURN_FIELDS of *release*'s turns, resolved by *people*."""
    body = release.body
    speakers = people.at(release.published_at)
    return [turn.row(release.pk, body) for turn in read_turns(body, transcript(body), speakers)]


def store_turns(releases, people=None):
    """Store the turns of *releases* (saved, with their bodies) in place of their old ones."""
    people = people or People()
    replace_turns(
        [release.pk for release in releases],
        [row for release in releases for row in turn_rows(release, people)],
    )


def replace_turns(release_ids, rows):
    """Store *rows* (of TURN_FIELDS) in place of the turns of *release_ids*: those that
    may have some (a release created in the same transaction has none)."""
    if release_ids:
        Turn.objects.filter(release__in=release_ids).delete()
    BulkInsert(Turn, TURN_FIELDS)(rows)


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
        changed_here(ids)
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
        changed_here([instance.pk])
