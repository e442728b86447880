"""Pages of an email alert: subscribe from a list, confirm, and unsubscribe in one click.

The token in a confirmation or unsubscribe link is the only key; none of
these forms needs Django's CSRF token. A forged subscribe request could only
send a confirmation email, and mail clients' one-click unsubscribe (RFC 8058)
posts without one. So list pages carry no per-visitor token and stay cacheable.
"""

import functools
import logging
import smtplib

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from releases.models import Category, Subscription
from releases.subscriptions import alerts as subscriptions
from releases.subscriptions import limits

logger = logging.getLogger("briefing.subscriptions")


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    category = forms.SlugField(required=False)


def message(request, title, text, status=200, action=None):
    context = {"title": title, "text": text, "action": action}
    return render(request, "subscriptions/message.html", context, status=status)


@csrf_exempt
@require_POST
def subscribe(request):
    """Start a subscription to the list the form was on, and mail the confirmation link."""
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return message(request, "Check the address", "Enter a valid email address.", status=400)
    category = None
    if slug := form.cleaned_data["category"]:
        category = get_object_or_404(Category.objects.on_record(), slug=slug)
    if wait := limits.client_wait(request):
        return too_many(request, wait)
    query = subscriptions.subscription_query(request.POST, category)
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
    return message(
        request,
        "Check your email",
        f"We sent a link to {subscription.email}. Alerts start once you open it and confirm.",
    )


def too_many(request, seconds):
    """Answer a request over a limit: 429, and when to try again."""
    minutes = max(1, round(seconds / 60))
    plural = "s" if minutes != 1 else ""
    text = f"Too many requests to subscribe: please try again in {minutes} minute{plural}."
    response = message(request, "Please wait", text, status=429)
    response["Retry-After"] = str(seconds)
    return response


def behind_a_button(title, text, action):
    """Serve the decorated view behind an emailed link: a GET shows a page with an
    *action* button, whose POST runs the view on the link's subscription.

    A link checker's visit must change nothing, so only the button acts. *text*
    may name the subscription's ``{email}``.
    """

    def decorate(act):
        @csrf_exempt
        @require_http_methods(["GET", "POST"])
        @functools.wraps(act)
        def view(request, token):
            subscription = subscription_for(token)
            if request.method == "GET":
                question = text.format(email=subscription.email)
                return message(request, title, question, action=action)
            return act(request, subscription)

        return view

    return decorate


@behind_a_button(
    "Confirm your alert",
    "Email {email} when new releases appear on this list.",
    action="Confirm",
)
def confirm(request, subscription):
    """Confirm the subscription, once its owner has pressed Confirm."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return message(request, "Alert confirmed", "New releases on this list will be emailed to you.")


@behind_a_button(
    "Stop this alert?",
    "No more emails to {email} about this list.",
    action="Unsubscribe",
)
def unsubscribe(request, subscription):
    """Unsubscribe, as mail clients' one-click unsubscribe does by posting to the link."""
    subscription.delete()
    return message(request, "Unsubscribed", "You will get no more emails about this list.")


def subscription_for(token):
    try:
        return Subscription.objects.get(token=token)
    except Subscription.DoesNotExist:
        raise Http404("This link is no longer valid.") from None
