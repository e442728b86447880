"""How often each person speaks in the public record: releases, turns, first and last.

What a speaker's page, the index of speakers and ``/api/speakers/`` show.
Only published releases count: a draft's turns are stored beside it, but a
reader must not learn of a draft from a count.
"""

import dataclasses

from django.db.models import Count, Max, Min

from releases.caching.version import computed_once
from releases.facets import month_counts
from releases.models import Release, published_now
from releases.transcripts.models import Person, Turn


@dataclasses.dataclass(frozen=True)
class Appearances:
    """A person, and how often and when they speak in published releases."""

    name: str
    slug: str
    role: str
    releases: int
    turns: int
    first: object  # the date of their first release, or None
    last: object  # the date of their last release, or None


def spoken_by(person):
    """Return the published releases in which *person* has a turn, as a queryset."""
    turns = Turn.objects.filter(person=person).values("release_id")
    return Release.objects.published().filter(pk__in=turns)


def public_turns():
    """Return the turns of published releases."""
    return Turn.objects.filter(release__in=Release.objects.published().values("pk"))


def of_person(person, version=None):
    """Return the Appearances of *person*, counted once per content version
    (*version*, or the current one)."""
    return computed_once(
        "speaker-appearances", person.slug, lambda: counted_of_person(person), version
    )


def counted_of_person(person):
    # Their turns joined to their releases, published() as a join's terms: one
    # query, led by the turns' person index.
    published = published_now(through="release__")
    counts = Turn.objects.filter(published, person=person).aggregate(
        releases=Count("release", distinct=True),
        turns=Count("pk"),
        first=Min("release__date"),
        last=Max("release__date"),
    )
    return Appearances(person.name, person.slug, person.role, **counts)


def months_of(person, version=None):
    """Return {(year, month): count} of *person*'s published releases, counted once per
    content version (*version*, or the current one)."""
    return computed_once(
        "speaker-months", person.slug, lambda: month_counts(spoken_by(person)), version
    )


def releases_of(person, version=None):
    """Return the ids of *person*'s published releases, newest first, found once per
    content version (*version*, or the current one): their page's rows are then read
    by id, where asking for a page of them took milliseconds of SQL at every render."""
    return computed_once(
        "speaker-releases",
        person.slug,
        lambda: list(spoken_by(person).newest_first().values_list("pk", flat=True)),
        version,
    )


def everyone(version=None):
    """Return the Appearances of every person, most releases first, then by name;
    counted once per content version (*version*, or the current one)."""
    return computed_once("appearances", "everyone", counted_everyone, version)


def counted_everyone():
    rows = (
        public_turns()
        .filter(person__isnull=False)
        .values("person")
        .annotate(
            releases=Count("release", distinct=True),
            turns=Count("pk"),
            first=Min("release__date"),
            last=Max("release__date"),
        )
        .order_by()
    )
    counts = {row.pop("person"): row for row in rows}
    nobody = {"releases": 0, "turns": 0, "first": None, "last": None}
    people = [
        Appearances(person.name, person.slug, person.role, **counts.get(person.pk, nobody))
        for person in Person.objects.all()
    ]
    return sorted(people, key=lambda person: (-person.releases, person.name))
