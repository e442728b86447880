"""Email alerts for any list, through Django's mail framework to a real SMTP server."""

import datetime
import io
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from releases.models import Alert, StoppedSubscription, Subscription
from releases.transcripts.following import merge_people
from releases.transcripts.models import Alias, Person
from tests.mailbox import Mailbox
from tests.staff_session import FormFields

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    """A local SMTP server for the test; Django's mail goes to it."""
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.BRIEFING_SITE_URL = "https://briefing.example.gov"
    yield handler
    controller.stop()


def link(message, pattern):
    return re.search(pattern, message.get_content())[0]


def local(url):
    return re.sub(r"^https?://[^/]+", "", url)


def subscribe(client, mailbox, **fields):
    """Subscribe through the list page's form and confirm through the emailed link."""
    response = client.post("/subscriptions/", {"email": "reader@example.org", **fields})
    assert response.status_code == 200
    assert "Check your email" in response.text
    (confirmation,) = mailbox.take()
    assert confirmation["To"] == "reader@example.org"
    confirm = local(link(confirmation, r"http://testserver/subscriptions/\S+/confirm/"))
    assert "Confirm" in client.get(confirm).text
    assert Subscription.objects.get().confirmed_at is None, "a visit alone must not confirm"
    assert "Alert confirmed" in client.post(confirm).text
    return Subscription.objects.get()


def later(days=0):
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days, seconds=-1)


def test_list_page_has_a_subscribe_form_for_its_search(client, make_release):
    make_release()
    html = client.get("/briefing-room/", {"q": "trade", "category": "press-briefings", "page": 1})
    form = html.text.split('<form class="subscribe"')[1].split("</form>")[0]
    assert 'action="/subscriptions/"' in form
    assert '<input type="hidden" name="q" value="trade">' in form
    assert '<input type="hidden" name="category" value="press-briefings">' in form
    assert 'name="page"' not in form


def test_new_matching_releases_are_mailed_once(client, mailbox, make_release, capsys):
    make_release(title="Old trade statement", body="Trade.")
    subscription = subscribe(client, mailbox, q="trade")
    call_command("send_alerts")
    assert mailbox.take() == [], "releases from before the subscription are not news"

    make_release(title="New trade statement", body="Trade again.")
    make_release(title="New schools statement", body="Schools.")
    call_command("send_alerts")
    (alert,) = mailbox.take()
    text = alert.get_content()
    assert alert["Subject"] == "1 new release in the Briefing Room"
    assert "New trade statement" in text
    assert "schools" not in text.lower()
    assert "https://briefing.example.gov/briefing-room/statements-releases/" in text

    call_command("send_alerts")
    assert mailbox.take() == [], "a release is mailed once"
    assert Alert.objects.filter(subscription=subscription).count() == 1
    assert "Mailed 0 subscriber(s) about 0 release(s)." in capsys.readouterr().out


def test_confirmation_mail_names_the_list_and_the_link_that_confirms(client, mailbox):
    fields = {"email": "reader@example.org", "q": "trade", "date_after": "2021-01-01"}
    client.post("/subscriptions/", fields)
    (confirmation,) = mailbox.take()
    token = Subscription.objects.get().token
    assert confirmation["Subject"] == "Confirm your Briefing Room alert"
    assert confirmation.get_content().splitlines() == [
        "Someone, probably you, asked for an email when new releases appear on this list:",
        "",
        "http://testserver/briefing-room/?q=trade&date_after=2021-01-01",
        "",
        "To start the emails, open this link and press Confirm:",
        f"http://testserver/subscriptions/{token}/confirm/",
        "",
        "If you did not ask for this, ignore this message: nothing will be sent.",
    ]


def test_alert_shows_each_release_with_its_date_category_and_link(client, mailbox, make_release):
    subscription = subscribe(client, mailbox, q="trade")
    make_release(title="Trade & “tariffs”", body="Trade.", date=datetime.date(2021, 3, 5))
    make_release(
        title="Trade briefing",
        body="Trade.",
        category="press-briefings",
        date=datetime.date(2021, 3, 4),
    )
    call_command("send_alerts")
    (alert,) = mailbox.take()
    site = "https://briefing.example.gov"
    assert alert["Subject"] == "2 new releases in the Briefing Room"
    assert alert.get_content().splitlines() == [
        f"New on {site}/briefing-room/?q=trade:",
        "",
        "Trade & “tariffs”",
        "March 5, 2021 · Statements and Releases",
        f"{site}/briefing-room/statements-releases/2021/03/05/release-number-1/",
        "",
        "Trade briefing",
        "March 4, 2021 · Press Briefings",
        f"{site}/briefing-room/press-briefings/2021/03/04/release-number-2/",
        "",
        "",
        f"Stop these emails: {site}/subscriptions/{subscription.token}/unsubscribe/",
    ]


def test_a_scheduled_release_is_mailed_when_it_is_published(client, mailbox, make_release):
    subscribe(client, mailbox)
    release = make_release(title="Embargoed", published_at=later(days=1))
    call_command("send_alerts")
    assert mailbox.take() == []
    release.published_at = later()
    release.save()
    call_command("send_alerts")
    (alert,) = mailbox.take()
    assert "Embargoed" in alert.get_content()


def test_category_page_alerts_follow_that_category(client, mailbox, make_release):
    make_release(title="An earlier briefing", category="press-briefings")
    subscribe(client, mailbox, category="press-briefings")
    assert Subscription.objects.get().list_path() == "/briefing-room/press-briefings/"
    make_release(title="A statement")
    make_release(title="A briefing", category="press-briefings")
    call_command("send_alerts")
    (alert,) = mailbox.take()
    assert "A briefing" in alert.get_content()
    assert "A statement" not in alert.get_content()
    assert "An earlier briefing" not in alert.get_content()


def test_one_click_unsubscribe(client, mailbox, make_release):
    subscribe(client, mailbox)
    make_release(title="Something new")
    call_command("send_alerts")
    (alert,) = mailbox.take()
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = local(alert["List-Unsubscribe"].strip().strip("<>"))
    assert unsubscribe in alert.get_content().replace("https://briefing.example.gov", "")
    # What a mail client's one-click button does (RFC 8058): a POST, no cookie, no token.
    response = client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert "Unsubscribed" in response.text
    assert not Subscription.objects.exists()
    make_release(title="Something newer")
    call_command("send_alerts")
    assert mailbox.take() == []
    again = client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200, "a mail client repeating the click is told it is done"


def test_subscribing_twice_sends_one_subscription(client, mailbox):
    subscribe(client, mailbox, q="trade")
    response = client.post("/subscriptions/", {"email": "reader@example.org", "q": "trade"})
    assert response.status_code == 200
    assert mailbox.take() == [], "already confirmed: nothing to confirm again"
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        (
            {"email": "a@example.org", "q": "the"},
            "The search or filters of this list are not valid",
        ),
        ({"email": "a@example.org", "date_after": "soon"}, "not valid"),
    ],
)
def test_bad_subscriptions_are_explained(client, mailbox, fields, message):
    response = client.post("/subscriptions/", fields)
    assert response.status_code == 400
    assert message in response.text
    assert mailbox.take() == []
    assert not Subscription.objects.exists()


def test_unknown_tokens_are_404(client):
    assert client.get("/subscriptions/nope/confirm/").status_code == 404
    assert client.post("/subscriptions/nope/unsubscribe/").status_code == 404


def test_failed_sending_records_nothing_and_is_retried(client, mailbox, make_release, settings):
    subscribe(client, mailbox)
    make_release(title="Something new")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with pytest.raises(CommandError, match="1 alert"):
        call_command("send_alerts")
    assert not Alert.objects.exists()
    settings.EMAIL_PORT = port
    call_command("send_alerts")
    (alert,) = mailbox.take()
    assert "Something new" in alert.get_content()


def test_a_repeat_request_for_a_pending_subscription_mails_once(client, mailbox, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
    for _ in range(5):
        response = client.post("/subscriptions/", {"email": "reader@example.org", "q": "trade"})
        assert response.status_code == 200
    assert len(mailbox.take()) == 1
    time_machine.shift(datetime.timedelta(minutes=11))
    assert client.post("/subscriptions/", {"email": "reader@example.org", "q": "trade"})
    assert len(mailbox.take()) == 1, "after ten minutes a reader may ask again"


def test_confirmation_mails_to_one_address_are_limited(client, mailbox):
    searches = ["trade", "energy", "health", "ports", "farms", "roads", "water"]
    statuses = [
        client.post("/subscriptions/", {"email": "victim@example.org", "q": q}).status_code
        for q in searches
    ]
    assert statuses == [200] * 5 + [429] * 2
    assert len(mailbox.take()) == 5
    refused = client.post("/subscriptions/", {"email": "victim@example.org", "q": "wind"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "try again in" in refused.text


def test_subscriptions_from_one_client_are_limited_by_its_forwarded_address(
    client, mailbox, settings
):
    settings.BRIEFING_TRUSTED_PROXIES = 1
    crowd = {"REMOTE_ADDR": "10.0.0.1"}  # the load balancer, for every reader
    statuses = [
        client.post(
            "/subscriptions/",
            {"email": f"reader{number}@example.org"},
            HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7",
            **crowd,
        ).status_code
        for number in range(21)
    ]
    assert statuses == [200] * 20 + [429]
    other = client.post(
        "/subscriptions/",
        {"email": "someone@example.org"},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
        **crowd,
    )
    assert other.status_code == 200, "another reader behind the same proxy is not paused"


def test_a_mail_server_that_does_not_answer_is_explained_and_counts_nothing(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    for _ in range(6):
        response = client.post("/subscriptions/", {"email": "reader@example.org", "q": "trade"})
        assert response.status_code == 503
        assert "could not send the confirmation email" in response.text


def test_the_confirmation_page_names_the_list_in_words_and_links_to_it(
    client, mailbox, make_release
):
    make_release(category="press-briefings")
    fields = {"q": "trade", "category": "press-briefings", "date_after": "2021-03-01"}
    client.post("/subscriptions/", {"email": "reader@example.org", **fields})
    (confirmation,) = mailbox.take()
    page = client.get(local(link(confirmation, r"http://testserver/\S+/confirm/")))
    assertInHTML(
        """<dl><dt>Category</dt><dd>Press Briefings</dd><dt>Search</dt><dd>“trade”</dd>
        <dt>From</dt><dd>March 1, 2021</dd></dl>""",
        page.text,
    )
    assertInHTML(
        '<a href="/briefing-room/press-briefings/?q=trade&amp;date_after=2021-03-01">'
        "See this list</a>",
        page.text,
    )
    assertInHTML('<button type="submit">Confirm</button>', page.text)


def test_a_confirmed_alert_says_so_and_offers_no_button(client, mailbox):
    subscription = subscribe(client, mailbox)
    confirm = f"/subscriptions/{subscription.token}/confirm/"
    for page in (client.get(confirm), client.post(confirm)):
        assert page.status_code == 200
        assert "Alert already confirmed" in page.text
        assert "<button" not in page.text
        assert "Every release in the Briefing Room." in page.text
    assert Subscription.objects.get().confirmed_at == subscription.confirmed_at


def stopped_today():
    today = timezone.localdate()
    return f"This alert was stopped on {today:%B} {today.day}, {today.year}"


def test_an_unsubscribe_link_opened_again_says_the_alert_was_already_stopped(client, mailbox):
    subscription = subscribe(client, mailbox)
    unsubscribe = f"/subscriptions/{subscription.token}/unsubscribe/"
    assert "Unsubscribed" in client.post(unsubscribe).text
    for page in (client.get(unsubscribe), client.post(unsubscribe)):
        assert page.status_code == 200
        assert "Alert already stopped" in page.text
        assert stopped_today() in page.text
        assert "<button" not in page.text
    kept = str(list(StoppedSubscription.objects.values()))
    assert "reader@example.org" not in kept
    assert subscription.token not in kept


def test_links_of_an_alert_staff_removed_say_it_was_stopped(client, mailbox, publisher):
    subscription = subscribe(client, mailbox)
    staff = Client()
    staff.force_login(publisher)
    removal = staff.post(f"/admin/releases/subscription/{subscription.pk}/delete/", {"post": "yes"})
    assert removal.status_code == 302
    for action in ("unsubscribe", "confirm"):
        page = client.get(f"/subscriptions/{subscription.token}/{action}/")
        assert page.status_code == 200
        assert stopped_today() in page.text


def test_the_unsubscribe_page_names_the_list(client, mailbox):
    subscription = subscribe(client, mailbox, q="trade")
    page = client.get(f"/subscriptions/{subscription.token}/unsubscribe/")
    assertInHTML("<dl><dt>Search</dt><dd>“trade”</dd></dl>", page.text)
    assertInHTML('<button type="submit">Unsubscribe</button>', page.text)


def test_an_invalid_address_shows_the_form_again_with_the_error_beside_it(
    client, mailbox, make_release
):
    make_release(category="press-briefings")
    fields = {"q": "trade", "category": "press-briefings", "date_before": "2021-03-31"}
    page = client.post("/subscriptions/", {"email": "reader@example", **fields})
    assert page.status_code == 400
    assertInHTML(
        '<input type="email" name="email" value="reader@example" maxlength="254" required'
        ' autocomplete="email" aria-invalid="true" aria-describedby="subscribe-email_error"'
        ' id="subscribe-email">',
        page.text,
    )
    assertInHTML(
        '<ul class="errorlist" id="subscribe-email_error">'
        "<li>Enter a valid email address.</li></ul>",
        page.text,
    )
    assertInHTML("<dd>Press Briefings</dd>", page.text)
    form = FormFields("subscribe-form")
    form.feed(page.text)
    assert form.values == {**fields, "email": "reader@example"}, "what was entered is kept"

    corrected = client.post("/subscriptions/", {**form.values, "email": "reader@example.org"})
    assert "Check your email" in corrected.text
    assert Subscription.objects.get().list_path() == (
        "/briefing-room/press-briefings/?q=trade&date_before=2021-03-31"
    )


def test_an_alert_follows_what_a_speaker_said_and_names_them(client, mailbox, make_release):
    subscription = subscribe(client, mailbox, q="inflation", speaker="jen-psaki")
    assert QueryDict(subscription.query) == QueryDict("q=inflation&speaker=jen-psaki")
    page = client.get(f"/subscriptions/{subscription.token}/confirm/")
    assertInHTML(
        "<dl><dt>Search</dt><dd>“inflation”</dd><dt>Said by</dt><dd>Jen Psaki</dd></dl>", page.text
    )
    call_command("send_alerts")
    assert mailbox.take() == []

    body = "MS. PSAKI:  Inflation is falling.\n\nQ  And the border?\n"
    make_release(title="Psaki on prices", category="press-briefings", body=body)
    make_release(title="Biden on prices", body="THE PRESIDENT:  Inflation is falling.\n")
    call_command("send_alerts")
    (alert,) = mailbox.take()
    assert "Psaki on prices" in alert.get_content()
    assert "Biden on prices" not in alert.get_content()


def test_an_alert_for_an_unknown_speaker_is_refused(client, mailbox):
    response = client.post("/subscriptions/", {"email": "a@example.org", "speaker": "nobody"})
    assert response.status_code == 400
    assert "not valid" in response.text
    assert mailbox.take() == []


def test_a_subscription_whose_list_no_longer_reads_is_named_and_skipped(
    client, mailbox, make_release
):
    subscribe(client, mailbox, q="trade")
    newcomb = Person.objects.create(name="Ned Newcomb", slug="ned-newcomb")
    confirmed = {"email": "other@example.org", "confirmed_at": timezone.now()}
    gone = Subscription.objects.create(**confirmed, query="speaker=ned-newcomb", token="a")
    newcomb.delete()
    garbled = Subscription.objects.create(**confirmed, query="date_after=soon", token="b")
    make_release(title="New trade statement", body="Trade.")
    errors = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("send_alerts", stdout=io.StringIO(), stderr=errors)
    assert str(refusal.value) == "2 subscription(s) skipped, their lists no longer valid"
    assert sorted(errors.getvalue().splitlines()) == [
        f"other@example.org: subscription {gone.pk} skipped, its list is no longer valid: "
        "speaker: No speaker is known as “ned-newcomb”.",
        f"other@example.org: subscription {garbled.pk} skipped, its list is no longer valid: "
        "date_after: Enter a valid date.",
    ]
    (alert,) = mailbox.take()
    assert alert["To"] == "reader@example.org"
    assert "New trade statement" in alert.get_content()


def test_a_reader_following_two_people_merged_into_one_is_mailed_each_release_once(
    mailbox, make_release
):
    psaki = Person.objects.get(slug="jen-psaki")
    twin = Person.objects.create(name="Jennifer Psaki", slug="jennifer-psaki")
    confirmed = {"email": "reader@example.org", "confirmed_at": timezone.now()}
    Subscription.objects.create(**confirmed, query="speaker=jen-psaki", token="a")
    Subscription.objects.create(**confirmed, query="speaker=jennifer-psaki", token="b")
    merge_people(psaki, [psaki, twin])
    assert list(Subscription.objects.values_list("query", flat=True)) == ["speaker=jen-psaki"]
    make_release(title="Psaki on prices", category="press-briefings", body="MS. PSAKI:  Hi.\n")
    call_command("send_alerts", stdout=io.StringIO())
    (alert,) = mailbox.take()
    assert "Psaki on prices" in alert.get_content()


def test_releases_mailed_for_a_person_merged_away_are_not_mailed_again(mailbox, make_release):
    psaki = Person.objects.get(slug="jen-psaki")
    twin = Person.objects.create(name="Jennifer Psaki", slug="jennifer-psaki")
    Alias.objects.create(person=twin, label="MR. NEWCOMB")
    confirmed = {"email": "reader@example.org", "confirmed_at": timezone.now()}
    Subscription.objects.create(**confirmed, query="speaker=jen-psaki", token="a")
    Subscription.objects.create(**confirmed, query="speaker=jennifer-psaki", token="b")
    make_release(title="Newcomb on ports", category="press-briefings", body="MR. NEWCOMB:  Hi.\n")
    call_command("send_alerts", stdout=io.StringIO())
    (alert,) = mailbox.take()
    assert "Newcomb on ports" in alert.get_content()
    merge_people(psaki, [psaki, twin])
    call_command("send_alerts", stdout=io.StringIO())
    assert mailbox.take() == []


@pytest.mark.parametrize("typed", ["JEN-PSAKI", "Jen Psaki", "jen-psaki"])
def test_an_alert_follows_a_speaker_by_their_address_however_typed(client, mailbox, typed):
    form = {"email": "reader@example.org", "speaker": typed, "q": "  ports   and  trade "}
    assert client.post("/subscriptions/", form).status_code == 200
    (confirmation,) = mailbox.take()
    assert "?q=ports+and+trade&speaker=jen-psaki" in confirmation.get_content()
    assert Subscription.objects.get().query == "q=ports+and+trade&speaker=jen-psaki"


def test_the_pages_of_an_alert_whose_speaker_is_gone_say_nothing_is_sent(client):
    newcomb = Person.objects.create(name="Ned Newcomb", slug="ned-newcomb")
    confirmed = {"email": "r@example.org", "query": "speaker=ned-newcomb"}
    old = Subscription.objects.create(**confirmed, token="a", confirmed_at=timezone.now())
    new = Subscription.objects.create(**confirmed | {"email": "s@example.org"}, token="b")
    newcomb.delete()
    gone = (
        "No emails are sent for this alert: its list no longer works. "
        "No speaker is known as “ned-newcomb”."
    )
    pages = [
        client.get(f"/subscriptions/{old.token}/confirm/"),
        client.get(f"/subscriptions/{old.token}/unsubscribe/"),
        client.get(f"/subscriptions/{new.token}/confirm/"),
        client.post(f"/subscriptions/{new.token}/confirm/"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert gone in page.text
        assert "emailed to" not in page.text
        assert "when new releases appear" not in page.text
