"""Turns derived from bodies and stored, each label resolved to a person where it can be."""

import collections

from django.db import connection, transaction
from django.db.models.signals import post_save

from releases.changes import content_changed
from releases.models import Release
from releases.transcripts.labels import is_anonymous, normalized
from releases.transcripts.models import Alias, Turn
from releases.transcripts.turns import transcript


class People:
    """Every alias, read once, to resolve the labels of many releases."""

    def __init__(self):
        self.aliases = collections.defaultdict(list)
        for alias in Alias.objects.all():
            self.aliases[alias.key].append(alias)

    def person_id(self, label, moment):
        """Return the id of the person *label* names at *moment*, or None."""
        if is_anonymous(label):
            return None
        for alias in self.aliases.get(normalized(label), ()):
            if alias.covers(moment):
                return alias.person_id
        return None


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
