"""Pages of an email alert: subscribe from a list, confirm, and unsubscribe in one click.

The token in a confirmation or unsubscribe link is the only key; none of
these forms needs Django's CSRF token. A forged subscribe request could only
send a confirmation email, and mail clients' one-click unsubscribe (RFC 8058)
posts without one. So list pages carry no per-visitor token and stay cacheable.
"""

import logging
import smtplib

from django import forms
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from releases.lists import subscription_query
from releases.models import Category, Subscription
from releases.subscriptions import alerts as subscriptions
from releases.subscriptions import limits
from releases.subscriptions.descriptions import list_description

logger = logging.getLogger("briefing.subscriptions")


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    category = forms.SlugField(required=False)


def message(request, title, text, status=200, action=None, subscription=None):
    """Answer with a page of *title* and *text*: and, given a *subscription*, the list it
    follows in words and a link to it; given an *action*, a button that posts it."""
    context = {"title": title, "text": text, "action": action}
    if subscription is not None:
        context["followed"] = followed_list(subscription)
    return render(request, "subscriptions/message.html", context, status=status)


def followed_list(subscription):
    """The list *subscription* follows, for the template: in words, and its address."""
    return {"description": list_description(subscription), "path": subscription.list_path()}


@csrf_exempt
@require_POST
def subscribe(request):
    """Start a subscription to the list the form was on, and mail the confirmation link."""
    form = SubscribeForm(request.POST, auto_id="subscribe-%s", label_suffix="")
    if not form.is_valid() and "category" in form.errors:
        raise Http404("No such category")
    category = None
    if slug := form.cleaned_data["category"]:
        category = get_object_or_404(Category.objects.on_record(), slug=slug)
    query = subscription_query(request.POST, category)
    if form.errors:
        return form_again(request, form, Subscription(category=category, query=query))
    if wait := limits.client_wait(request):
        return too_many(request, wait)
    try:
        subscription = subscriptions.subscribe(form.cleaned_data["email"], category, query)
    except subscriptions.SubscriptionError as exc:
        return message(request, "This list cannot be followed", str(exc), status=400)
    if subscription.confirmed_at is None and not limits.mailed_lately(subscription):
        if wait := limits.address_wait(request):
            return too_many(request, wait)
        try:
            subscriptions.send_confirmation(subscription, request.build_absolute_uri)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("confirmation mail to a subscriber not sent: %s", error)
            text = "We could not send the confirmation email just now. Please try again later."
            return message(request, "Email not sent", text, status=503)
        limits.count_mail(request)
    text = (
        f"We sent a link to {subscription.email}. Once you open it and confirm, we will "
        "email you the new releases on this list:"
    )
    return message(request, "Check your email", text, subscription=subscription)


def form_again(request, form, subscription):
    """Show the subscribe form again, with its errors beside the address and what was entered."""
    context = {
        "form": form,
        "followed": followed_list(subscription),
        "list_fields": QueryDict(subscription_query(request.POST, None)).items(),
    }
    return render(request, "subscriptions/subscribe.html", context, status=400)


def too_many(request, seconds):
    """Answer a request over a limit: 429, and when to try again."""
    minutes = max(1, round(seconds / 60))
    plural = "s" if minutes != 1 else ""
    text = f"Too many requests to subscribe: please try again in {minutes} minute{plural}."
    response = message(request, "Please wait", text, status=429)
    response["Retry-After"] = str(seconds)
    return response


# The confirm and unsubscribe links are emailed. A link checker's visit must
# change nothing, so a GET shows a page with a button, and only its POST acts.


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """Confirm the subscription once its owner has pressed Confirm; say so if it already is."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return already_stopped(request, token)
    unsent = not_sent(subscription)
    if subscription.confirmed_at is not None:
        confirmed = date_format(timezone.localtime(subscription.confirmed_at), "F j, Y")
        mailed = unsent or f"New releases on this list are emailed to {subscription.email}:"
        text = f"You confirmed this alert on {confirmed}. {mailed}"
        return message(request, "Alert already confirmed", text, subscription=subscription)
    if request.method == "GET":
        text = unsent or f"Email {subscription.email} when new releases appear on this list:"
        return message(
            request, "Confirm your alert", text, action="Confirm", subscription=subscription
        )
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["confirmed_at"])
    text = unsent or f"New releases on this list will be emailed to {subscription.email}:"
    return message(request, "Alert confirmed", text, subscription=subscription)


def not_sent(subscription):
    """Return why nothing is emailed for *subscription*, for its pages, or None: alerts
    skip a list that no longer reads (its speaker since deleted, say)."""
    followed = subscriptions.followed_list(subscription)
    if followed.usable:
        return None
    errors = followed.filterset.form.errors.values()
    reasons = " ".join(error for field_errors in errors for error in field_errors)
    return f"No emails are sent for this alert: its list no longer works. {reasons}"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Unsubscribe once Unsubscribe is pressed, or mail clients' one-click unsubscribe posts."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return already_stopped(request, token)
    if request.method == "GET":
        text = f"No more emails to {subscription.email} about this list:"
        if unsent := not_sent(subscription):
            text = f"{unsent} You can remove it:"
        return message(
            request, "Stop this alert?", text, action="Unsubscribe", subscription=subscription
        )
    page = message(
        request,
        "Unsubscribed",
        "You will get no more emails about this list:",
        subscription=subscription,
    )
    subscription.delete()
    return page


def already_stopped(request, token):
    """Answer a link of a subscription that has ended: it says so, and when.

    A 200, not a 410: the link still does what it is for (no more emails), and
    a mail client repeating a one-click unsubscribe must not read it as failed.
    A token that never was a subscription's is a 404.
    """
    stopped = subscriptions.stopped_at(token)
    if stopped is None:
        raise Http404("This link is no longer valid.")
    when = date_format(timezone.localtime(stopped), "F j, Y")
    text = f"This alert was stopped on {when}: no more emails are sent for it."
    return message(request, "Alert already stopped", text)
