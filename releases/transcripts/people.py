"""The people speakers' labels name, read once to resolve the labels of many releases."""

import collections
import functools
import typing

from django.urls import reverse
from django.utils import timezone

from releases.transcripts.labels import is_anonymous, normalized
from releases.transcripts.models import Alias


class Speaker(typing.NamedTuple):
    """A person a label resolves to, and the address of their page."""

    id: int
    name: str
    slug: str
    page: str


class People:
    """Every alias and the person it names, read on first use.

    Loaded before an import hands it to its worker processes, which render
    bodies without the database.
    """

    def __init__(self):
        self.aliases = None

    def load(self):
        aliases = collections.defaultdict(list)
        rows = Alias.objects.select_related("person").order_by("key", "starts_at", "pk")
        for alias in rows:
            person = alias.person
            page = reverse("releases:speaker", kwargs={"slug": person.slug})
            speaker = Speaker(person.pk, person.name, person.slug, page)
            aliases[alias.key].append((alias, speaker))
        self.aliases = dict(aliases)
        return self

    def speaker(self, label, moment):
        """Return the Speaker *label* names at *moment*, or None: a reporter, a role
        that names no one, or a label no alias holds."""
        if is_anonymous(label):
            return None
        if self.aliases is None:
            self.load()
        moment = moment or timezone.now()
        for alias, speaker in self.aliases.get(normalized(label), ()):
            if alias.covers(moment):
                return speaker
        return None

    def person_id(self, label, moment):
        """Return the id of the person *label* names at *moment*, or None."""
        speaker = self.speaker(label, moment)
        return speaker and speaker.id

    def at(self, moment):
        """Return the Speaker of a label at *moment*, as a function of the label alone,
        which resolves each label once: a briefing's speakers speak many times."""
        return functools.cache(lambda label: self.speaker(label, moment))
