"""Email alerts for any list: subscribe, confirm, unsubscribe, and mail what is new.

A subscription is a list's category and query string. ``manage.py
send_alerts`` mails each confirmed subscriber the releases that have
appeared on their list since they confirmed and that were not mailed to
them before: an Alert row per release and subscriber makes that exactly once.
A subscription that ends leaves a digest of its token, so that its links can
say it stopped.
"""

import secrets

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Greatest
from django.db.models.signals import post_delete
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from releases.lists import ReleaseList
from releases.models import Alert, StoppedSubscription, Subscription

MAX_RELEASES_PER_ALERT = 50


class SubscriptionError(ValueError):
    """A subscription that cannot be made, with the reason to show the reader."""


class ListNoLongerValid(ValueError):
    """A subscription whose list no longer reads (a speaker since deleted, a filter the
    site no longer takes), with the reason: its filters' errors, in one line."""


def followed_list(subscription):
    """Return the ReleaseList *subscription* follows."""
    return ReleaseList.of_query(QueryDict(subscription.query), category=subscription.category)


def subscribe(email, category, query):
    """Return the unconfirmed (or already confirmed) Subscription for this list and address."""
    subscription = Subscription(email=email, category=category, query=query)
    followed = followed_list(subscription)
    if not followed.usable:
        raise SubscriptionError("The search or filters of this list are not valid: fix them first.")
    # Kept as the list's address writes it: a merge or a new slug follows it.
    query = subscription.query = followed.followed_query()
    existing = Subscription.objects.filter(email__iexact=email, category=category, query=query)
    if found := existing.first():
        return found
    subscription.token = secrets.token_urlsafe(32)
    subscription.save()
    return subscription


def save_list_changed(subscription):
    """Save *subscription*, its list changed (its speaker merged into another, say); if
    its reader already follows that list, keep one of the two, so that nothing is mailed
    to them twice.

    The one kept is the one already mailing, and takes on what the other mailed.
    """
    twin = (
        Subscription.objects.filter(
            email__iexact=subscription.email,
            category=subscription.category,
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
    dropped.delete()


def connect():
    """Remember each subscription that ends, however it goes: unsubscribed by its
    reader, removed by staff, or with its category."""
    post_delete.connect(remember_stopped, sender=Subscription, dispatch_uid="remember_stopped")


def remember_stopped(sender, instance, **kwargs):
    """Keep a digest of a removed subscription's token, in the removal's transaction."""
    stopped = StoppedSubscription(token_digest=StoppedSubscription.digest(instance.token))
    # Two presses of Unsubscribe at once both remove the row: one marker is enough.
    StoppedSubscription.objects.bulk_create([stopped], ignore_conflicts=True)


def stopped_at(token):
    """Return when the subscription of *token* ended, or None if there never was one."""
    stopped = StoppedSubscription.objects.filter(token_digest=StoppedSubscription.digest(token))
    return stopped.values_list("stopped_at", flat=True).first()


def absolute(path):
    return settings.BRIEFING_SITE_URL.rstrip("/") + path


def email_message(name, context, to, headers=None):
    """Return the mail whose subject and body are the *name* templates rendered with *context*."""
    templates = f"subscriptions/email/{name}"
    # The subject is one header line; its template file ends with a newline.
    subject = "".join(render_to_string(f"{templates}_subject.txt", context).splitlines())
    body = render_to_string(f"{templates}_body.txt", context)
    return EmailMessage(subject, body, to=to, headers=headers)


def send_confirmation(subscription, build_url=absolute):
    """Mail the link that confirms *subscription*, and note when."""
    context = {
        "list_url": build_url(subscription.list_path()),
        "confirm_url": build_url(reverse("subscription-confirm", args=[subscription.token])),
    }
    email_message("confirm", context, to=[subscription.email]).send()
    subscription.confirmation_sent_at = timezone.now()
    subscription.save(update_fields=["confirmation_sent_at"])


def pending_releases(subscription):
    """Return the releases new on *subscription*'s list and not yet mailed to it, newest first.

    Raise ListNoLongerValid if its list no longer reads.
    """
    followed = followed_list(subscription)
    if not followed.usable:
        raise ListNoLongerValid(errors_of(followed.filterset.form))
    # A release is new from when readers could first see it: when it was
    # stored, or its publication time if that came later (a scheduled one).
    mailed = Alert.objects.filter(subscription=subscription, release=OuterRef("pk"))
    return (
        followed.releases()
        .alias(visible_since=Greatest("created_at", "published_at"))
        .filter(visible_since__gt=subscription.confirmed_at)
        .exclude(Exists(mailed))
    )


def errors_of(form):
    """Return *form*'s errors in one line, each after the name of its field."""
    return "; ".join(
        f"{name}: {' '.join(errors)}" if name != NON_FIELD_ERRORS else " ".join(errors)
        for name, errors in form.errors.items()
    )


def send_alert(subscription):
    """Mail *subscription* its pending releases; return how many were mailed (raise
    ListNoLongerValid if its list no longer reads).

    The Alert rows are written in the same transaction as the mail is sent:
    if sending fails, nothing is recorded and the next run tries again.
    """
    releases = list(pending_releases(subscription)[:MAX_RELEASES_PER_ALERT])
    if not releases:
        return 0
    unsubscribe = absolute(reverse("subscription-unsubscribe", args=[subscription.token]))
    context = {
        "list_url": absolute(subscription.list_path()),
        "releases": [(release, absolute(release.get_absolute_url())) for release in releases],
        "unsubscribe_url": unsubscribe,
    }
    message = email_message(
        "alert",
        context,
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    with transaction.atomic():
        Alert.objects.bulk_create(
            [Alert(subscription=subscription, release=release) for release in releases]
        )
        message.send()
    return len(releases)
