"""Releases following a change to the people: a person or an alias added, changed,
deleted, or two people merged.

A release's turns name people through aliases; when those change, the turns
of the releases they touch are resolved again, their pages rendered with their
speakers' links as they are now (by readers at once, then kept: see
``refresh_speakers``), and the content version moves so that every page kept of
them (a release, a list, a speaker's page) follows. Every such change ends in
follow_people(), in the transaction that makes it.
"""

from django.db import transaction
from django.http import QueryDict

from releases.models import Release, Subscription
from releases.subscriptions.alerts import save_list_changed
from releases.transcripts.models import Alias, FormerSlug, Person, Turn
from releases.transcripts.resolving import refresh_speakers


def follow_people(release_ids):
    """Resolve the turns of the releases *release_ids* again, under the aliases as they
    are now, have their pages rendered again with their speakers' links, and record
    the change: their pages, and every list, follow.

    The change is recorded even with no release to follow: a person renamed
    is on the index of speakers and their own page.
    """
    refresh_speakers(Release.objects.filter(pk__in=set(release_ids)))


def releases_naming(keys=(), people=()):
    """Return the ids of the releases with a turn whose label is one of *keys*
    (normalized) or that names one of *people* (ids)."""
    by_key = Turn.objects.filter(key__in=list(keys)).values_list("release_id", flat=True)
    by_person = Turn.objects.filter(person__in=list(people)).values_list("release_id", flat=True)
    return set(by_key.distinct()) | set(by_person.distinct())


def alias_keys(people):
    """Return the keys of the aliases of *people* (ids)."""
    return set(Alias.objects.filter(person__in=list(people)).values_list("key", flat=True))


def merge_people(kept, others):
    """Merge the people *others* into *kept*: their aliases and turns move to *kept*,
    and they are deleted. Return the ids of the releases that followed."""
    other_ids = [person.pk for person in others if person.pk != kept.pk]
    with transaction.atomic():
        if len(lock_people([kept.pk, *other_ids])) != len(other_ids) + 1:
            # Another publisher merged or deleted one of them meanwhile.
            raise PeopleChanged
        release_ids = releases_naming(alias_keys(other_ids), other_ids)
        others_slugs = set(Person.objects.filter(pk__in=other_ids).values_list("slug", flat=True))
        move_aliases(kept, other_ids)
        Turn.objects.filter(person__in=other_ids).update(person=kept)
        # Slugs they gave up before lead to the person kept too, as theirs do.
        FormerSlug.objects.filter(person__in=other_ids).update(person=kept)
        Person.objects.filter(pk__in=other_ids).delete()
        slugs_given_up(others_slugs, kept)
        follow_people(release_ids)
    return release_ids


def lock_people(ids):
    """Lock the rows of the people *ids* until the transaction ends; return the ids of
    those that still exist.

    The rows are read (a count would be sent without FOR UPDATE) in the order of
    their ids, so that two merges of the same people, each keeping the other,
    wait for each other rather than each holding what the other waits for.
    """
    people = Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return list(people.values_list("pk", flat=True))


class PeopleChanged(Exception):
    """One of the people to merge was merged or deleted by someone else meanwhile."""


def slugs_given_up(old_slugs, person):
    """Have the slugs *old_slugs*, which *person* or the people merged into them had, lead
    to *person*: their old pages redirect to theirs, a list's ``speaker=`` reads them as
    theirs, and email alerts that follow them follow *person*'s slug."""
    for slug in old_slugs:
        FormerSlug.objects.update_or_create(slug=slug, defaults={"person": person})
    subscriptions_follow(old_slugs, person.slug)


def subscriptions_follow(old_slugs, new_slug):
    """Point the email alerts that follow a speaker by one of *old_slugs* (merged into
    another person, or renamed) at *new_slug*, so that they keep mailing."""
    for subscription in Subscription.objects.filter(query__contains="speaker="):
        query = QueryDict(subscription.query, mutable=True)
        if query.get("speaker") in old_slugs:
            query["speaker"] = new_slug
            subscription.query = query.urlencode()
            save_list_changed(subscription)


def move_aliases(kept, other_ids):
    """Give *kept* the aliases of the people *other_ids*, less those it already has."""
    has = set(kept.aliases.values_list("key", "starts_at", "ends_at"))
    for alias in Alias.objects.filter(person__in=other_ids):
        if (alias.key, alias.starts_at, alias.ends_at) in has:
            alias.delete()
        else:
            alias.person = kept
            alias.save()
            has.add((alias.key, alias.starts_at, alias.ends_at))
