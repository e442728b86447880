"""Turns derived from bodies and stored, each label resolved to a person where it can be."""

from django.db import connection, transaction
from django.db.models.signals import post_save

from releases.changes import content_changed
from releases.models import Release
from releases.rendered import BATCH_SIZE, render_stored
from releases.transcripts.labels import normalized
from releases.transcripts.models import Turn
from releases.transcripts.people import People
from releases.transcripts.turns import transcript


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
    """Resolve the turns of *releases* (a queryset) again, and render their pages again
    with their speakers' links, after people or aliases change; return how many.

    Call it with the releases whose turns a change touches (their labels' keys,
    or the people merged): their search entries and kept pages follow, as after
    any change to the content.
    """
    people = People()
    # Once each, however many of its turns the query matched.
    ids = list(releases.order_by("pk").values_list("pk", flat=True).distinct())
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            chosen = Release.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
            store_turns(list(chosen.only("pk", "body", "published_at")), people)
            render_stored(chosen, people=people)
        content_changed(ids)
    return len(ids)


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
