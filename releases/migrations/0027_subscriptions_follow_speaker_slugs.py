"""Have each email alert that follows a speaker follow them by their slug.

Alerts subscribed before ``followed_query`` kept ``speaker=`` as the reader
typed it: a name (``Jen Psaki``), a word of one (``Psaki``), a label as
printed, or a slug the person has since given up. Each is rewritten to the
slug of the person it names, where it names exactly one; the rest are left as
they are (the alert reads them as before, or says its list no longer works).
A reader who also follows that list by the slug keeps one alert, as when two
people are merged (``alerts.save_list_changed``). Reversed, nothing changes:
the slug names the same person the typed value did.

The speaker filter's reading of a typed value (``filters.SpeakerField``) is
copied here as it is today, over the models as they are at this migration.
"""

import hashlib
import re

from django.db import migrations
from django.http import QueryDict

from releases.transcripts.labels import normalized

# As the speaker filter reads a word of a name: at most this many people answer.
MOST_NAMED = 5


def person_named(apps, typed):
    """Return the slug of the one person *typed* names as the speaker filter reads it,
    or None where it names no one or more than one."""
    Person = apps.get_model("transcripts", "Person")
    FormerSlug = apps.get_model("transcripts", "FormerSlug")
    if Person.objects.filter(slug=typed).exists():
        return typed
    value = " ".join(typed.split())
    if not value:
        return None
    named = Person.objects.filter(slug__iexact=value) | Person.objects.filter(name__iexact=value)
    people = list(named.values_list("slug", flat=True)[:2])
    if not people:
        former = FormerSlug.objects.filter(slug=value).values_list("person__slug", flat=True)
        people = list(former[:1])
    if not people:
        held = Person.objects.filter(aliases__key=normalized(value)).distinct()
        people = list(held.values_list("slug", flat=True)[:2])
    if not people:
        # A word between spaces or hyphens: "Sherwood" in "Liz Sherwood-Randall".
        words = Person.objects.filter(name__iregex=rf"(^|[\s-]){re.escape(value)}($|[\s-])")
        people = list(words.order_by("slug").values_list("slug", flat=True)[:MOST_NAMED])
    return people[0] if len(people) == 1 else None


def follow_speakers_by_slug(apps, schema_editor):
    """Rewrite each subscription's typed ``speaker=`` to the slug of the one person it names."""
    Subscription = apps.get_model("releases", "Subscription")
    for subscription in list(Subscription.objects.filter(query__contains="speaker=")):
        query = QueryDict(subscription.query, mutable=True)
        typed = query.get("speaker")
        slug = person_named(apps, typed) if typed is not None else None
        if slug is None or slug == typed:
            continue
        query["speaker"] = slug
        subscription.query = query.urlencode()
        save_or_join_twin(apps, subscription)


def save_or_join_twin(apps, subscription):
    """Save *subscription*'s new query; if its reader already follows that list, keep one
    of the two (the one mailing), with what the other mailed, as save_list_changed does."""
    Subscription = apps.get_model("releases", "Subscription")
    Alert = apps.get_model("releases", "Alert")
    StoppedSubscription = apps.get_model("releases", "StoppedSubscription")
    twin = (
        Subscription.objects.filter(
            email__iexact=subscription.email,
            category_id=subscription.category_id,
            query=subscription.query,
        )
        .exclude(pk=subscription.pk)
        .first()
    )
    if twin is None:
        subscription.save(update_fields=["query"])
        return
    kept, dropped = (twin, subscription) if twin.confirmed_at else (subscription, twin)
    if kept is subscription:
        subscription.save(update_fields=["query"])
    mailed = Alert.objects.filter(subscription=kept).values("release")
    Alert.objects.filter(subscription=dropped).exclude(release__in=mailed).update(subscription=kept)
    # The post_delete signal that keeps this is the app's model's, not this one's:
    # the dropped alert's old links say it stopped.
    digest = hashlib.sha256(dropped.token.encode()).hexdigest()
    StoppedSubscription.objects.bulk_create(
        [StoppedSubscription(token_digest=digest)], ignore_conflicts=True
    )
    dropped.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0026_record_dates"),
        ("transcripts", "0004_former_slugs"),
    ]

    operations = [migrations.RunPython(follow_speakers_by_slug, migrations.RunPython.noop)]
