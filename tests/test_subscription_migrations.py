"""Migration 0027: email alerts kept with a speaker as typed follow that speaker's slug."""

import importlib

import pytest
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from releases.models import Alert, StoppedSubscription, Subscription
from releases.subscriptions.alerts import followed_list
from releases.transcripts.models import FormerSlug, Person

pytestmark = pytest.mark.django_db

NAME = "0027_subscriptions_follow_speaker_slugs"
migration = importlib.import_module(f"releases.migrations.{NAME}")


def migrate_subscriptions():
    """Run the migration over the models as they are at it, as `migrate` does."""
    state = MigrationLoader(connection).project_state(("releases", NAME), at_end=True)
    migration.follow_speakers_by_slug(state.apps, schema_editor=None)


def subscribed(query, email="reader@example.org", **fields):
    return Subscription.objects.create(email=email, query=query, token=query + email, **fields)


def stored(subscription):
    return Subscription.objects.get(pk=subscription.pk).query


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("q=ports&speaker=Jen+Psaki", "q=ports&speaker=jen-psaki"),
        ("speaker=JEN-PSAKI", "speaker=jen-psaki"),
        ("speaker=Psaki&date_after=2021-03-01", "speaker=jen-psaki&date_after=2021-03-01"),
        ("speaker=MS.+PSAKI", "speaker=jen-psaki"),
        ("speaker=jennifer-psaki", "speaker=jen-psaki"),
    ],
    ids=["name", "slug-in-capitals", "name-word", "label", "former-slug"],
)
def test_a_speaker_as_typed_becomes_the_slug_an_alert_now_keeps(typed, slug):
    FormerSlug.objects.create(slug="jennifer-psaki", person=Person.objects.get(slug="jen-psaki"))
    subscription = subscribed(typed)
    migrate_subscriptions()
    assert stored(subscription) == slug
    followed = followed_list(Subscription.objects.get(pk=subscription.pk))
    assert followed.usable
    assert followed.followed_query() == slug, "the one way a new alert writes it"


@pytest.mark.parametrize(
    "query",
    ["speaker=Biden", "speaker=nobody", "speaker=jen-psaki", "q=speaker%3Dpsaki", "speaker="],
    ids=["two-people", "no-one", "already-a-slug", "search-text", "empty"],
)
def test_a_speaker_naming_no_one_or_several_is_left_as_typed(query):
    subscription = subscribed(query)
    migrate_subscriptions()
    assert stored(subscription) == query


def test_a_reader_already_following_the_slug_keeps_one_alert_with_what_both_mailed(
    make_release,
):
    mailing = subscribed("speaker=jen-psaki", confirmed_at=timezone.now())
    typed = subscribed("speaker=Jen+Psaki", confirmed_at=timezone.now())
    other_reader = subscribed("speaker=Jen+Psaki", email="other@example.org")
    first, second = make_release(title="First"), make_release(title="Second")
    Alert.objects.create(subscription=mailing, release=first)
    Alert.objects.create(subscription=typed, release=first)
    Alert.objects.create(subscription=typed, release=second)
    migrate_subscriptions()
    assert sorted(Subscription.objects.values_list("email", "query")) == [
        ("other@example.org", "speaker=jen-psaki"),
        ("reader@example.org", "speaker=jen-psaki"),
    ]
    assert Subscription.objects.get(email="reader@example.org").pk == mailing.pk
    mailed = Alert.objects.filter(subscription=mailing).values_list("release__title", flat=True)
    assert sorted(mailed) == ["First", "Second"], "nothing mailed again"
    assert StoppedSubscription.objects.filter(
        token_digest=StoppedSubscription.digest(typed.token)
    ).exists(), "the dropped alert's links say it stopped"
    assert stored(other_reader) == "speaker=jen-psaki"


def test_the_migration_can_be_reversed_and_then_changes_nothing():
    (operation,) = migration.Migration.operations
    assert operation.reversible
    assert operation.reverse_code is migrations.RunPython.noop
