"""Mail and the database, each configured by one address: EMAIL_URL and DATABASE_URL.

Most tests run briefing/settings.py itself with the environment they give it, and
read the settings it makes; one starts gunicorn as `make run` does."""

import datetime
import io
import runpy
import secrets
import socket
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from releases.benchmarks.gunicorn import free_port
from releases.subscriptions import alerts
from tests.mailbox import Mailbox
from tests.servers import OPENER, READER_TIMEOUT, manage, running_gunicorn

SETTINGS_FILE = Path(django_settings.BASE_DIR, "briefing", "settings.py")
# What the tests' own environment may set that would change the settings read here.
READ_HERE = [
    "DATABASE_URL",
    "BRIEFING_PREPARED_STATEMENTS",
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "BRIEFING_EMAIL_TIMEOUT",
    "BRIEFING_PRODUCTION",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
]
PRODUCTION = {
    "BRIEFING_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "briefing.example.gov",
}
CONFIRMATION_SUBJECT = "Subject: Confirm your Briefing Room alert"


def settings_from(monkeypatch, **environment):
    """Run briefing/settings.py with *environment*; return the settings it makes."""
    for name in READ_HERE:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def mail_from(monkeypatch, settings):
    """Send this test's mail as the settings made of EMAIL_URL=*url* (and any other
    *environment*) would."""

    def configure(url, **environment):
        made = settings_from(monkeypatch, EMAIL_URL=url, **environment)
        for name, value in made.items():
            if name.startswith("EMAIL_"):
                setattr(settings, name, value)

    return configure


def subscribed(client):
    """Ask to follow the whole list; the confirmation mail is sent."""
    response = client.post("/subscriptions/", {"email": "reader@example.org"})
    assert response.status_code == 200
    assert "Check your email" in response.text


@pytest.mark.django_db
def test_consolemail_prints_the_confirmation_mail(client, mail_from, capsys):
    mail_from("consolemail://")
    subscribed(client)
    printed = capsys.readouterr().out
    assert CONFIRMATION_SUBJECT in printed
    assert "To: reader@example.org" in printed
    assert "http://testserver/subscriptions/" in printed, "the confirm link is there to open"


@pytest.mark.django_db
def test_filemail_writes_the_confirmation_mail_to_a_file(client, mail_from, tmp_path):
    mail_from(f"filemail:///{tmp_path / 'mail'}")  # four slashes: an absolute directory
    subscribed(client)
    (written,) = (tmp_path / "mail").iterdir()
    assert CONFIRMATION_SUBJECT in written.read_text()


@pytest.mark.django_db
def test_smtp_sends_the_confirmation_mail_to_the_server_named(client, mail_from):
    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        mail_from(f"smtp://127.0.0.1:{server.port}")
        subscribed(client)
    finally:
        server.stop()
    (confirmation,) = mailbox.take()
    assert confirmation["To"] == "reader@example.org"


# Long past the timeout the tests give: a client still waiting then never gives up.
SILENT_SERVER_PATIENCE = 30
# How long the dripping server waits between the bytes of its greeting.
DRIP_SECONDS = 0.1
# What the test sends the silent server to stop it: a mail client says nothing before a greeting.
STOP = b"!"


class SilentMailServer:
    """A mail server that takes each connection and never answers it, not even a greeting.

    It notes, for each connection, whether the client gave up and hung up; one
    still waiting after SILENT_SERVER_PATIENCE seconds is let go, so that a
    test of a client without a timeout fails instead of hanging.
    """

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.clients_gave_up = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            connection, _ = self.listener.accept()
            with connection:
                gave_up = self.answer(connection)
            if gave_up is None:
                return
            self.clients_gave_up.append(gave_up)

    def answer(self, connection):
        """Say nothing; return whether the client hung up (None: told to stop)."""
        connection.settimeout(SILENT_SERVER_PATIENCE)
        try:
            received = connection.recv(1)
        except TimeoutError:
            return False
        return None if received == STOP else received == b""

    def close(self):
        """Take every connection made so far, then stop; return whether each client gave up."""
        if self.thread.is_alive():
            # Connections are taken in turn: this one comes after every client's.
            with socket.create_connection(("127.0.0.1", self.port)) as stop:
                stop.sendall(STOP)
                self.thread.join()
            self.listener.close()
        return self.clients_gave_up


class DrippingMailServer(SilentMailServer):
    """A mail server that greets each connection a byte at a time, never ending the line:
    every read a client makes gets a byte well within its timeout."""

    def answer(self, connection):
        connection.settimeout(DRIP_SECONDS)
        deadline = time.monotonic() + SILENT_SERVER_PATIENCE
        while time.monotonic() < deadline:
            try:
                received = connection.recv(1)
            except TimeoutError:
                try:
                    connection.sendall(b"2")
                except OSError:
                    return True
                continue
            return None if received == STOP else received == b""
        return False


@pytest.fixture
def silent_mail_server(mail_from):
    """A mail server that never answers, where this test's mail goes, with a timeout of 0.2 s."""
    server = SilentMailServer()
    mail_from(f"smtp://127.0.0.1:{server.port}", BRIEFING_EMAIL_TIMEOUT="0.2")
    yield server
    server.close()


def test_mail_gives_up_on_a_silent_server_after_ten_seconds_unless_told(monkeypatch):
    assert settings_from(monkeypatch)["EMAIL_TIMEOUT"] == 10
    assert settings_from(monkeypatch, BRIEFING_EMAIL_TIMEOUT="2.5")["EMAIL_TIMEOUT"] == 2.5


@pytest.mark.parametrize("seconds", ["0", "-1", "ten", "inf", ""])
def test_a_mail_timeout_that_is_not_seconds_stops_the_site_in_one_line(monkeypatch, seconds):
    with pytest.raises(ImproperlyConfigured, match=r"^BRIEFING_EMAIL_TIMEOUT must be a number"):
        settings_from(monkeypatch, BRIEFING_EMAIL_TIMEOUT=seconds)


@pytest.fixture
def dripping_mail_server(mail_from):
    """A mail server that answers a byte at a time, where this test's mail goes, with a
    timeout of 0.5 s: five times as long as it waits between bytes."""
    server = DrippingMailServer()
    mail_from(f"smtp://127.0.0.1:{server.port}", BRIEFING_EMAIL_TIMEOUT="0.5")
    yield server
    server.close()


@pytest.mark.django_db
def test_a_mail_server_that_answers_a_byte_at_a_time_is_given_up_on(client, dripping_mail_server):
    started = time.monotonic()
    response = client.post("/subscriptions/", {"email": "reader@example.org"})
    assert response.status_code == 503
    assert "Email not sent" in response.text
    assert time.monotonic() - started < SILENT_SERVER_PATIENCE
    assert dripping_mail_server.close() == [True], "the site hung up, not the mail server"


@pytest.mark.django_db
def test_a_mail_server_that_never_answers_is_an_email_not_sent_page(client, silent_mail_server):
    response = client.post("/subscriptions/", {"email": "reader@example.org"})
    assert response.status_code == 503
    assert "Email not sent" in response.text
    assert silent_mail_server.close() == [True], "the site hung up, not the mail server"


def confirmed_subscription(email):
    """A subscription to the whole list, confirmed a day ago."""
    subscription = alerts.subscribe(email, None, "")
    subscription.confirmed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    subscription.save()
    return subscription


def test_send_alerts_reports_each_alert_a_silent_mail_server_holds_and_goes_on(
    make_release, silent_mail_server
):
    for email in ["first@example.org", "second@example.org"]:
        confirmed_subscription(email)
    make_release()
    errors = io.StringIO()
    with pytest.raises(CommandError, match="2 alert"):
        call_command("send_alerts", stdout=io.StringIO(), stderr=errors)
    lines = errors.getvalue().splitlines()
    assert sorted(line.split(":")[0] for line in lines) == [
        "first@example.org",
        "second@example.org",
    ]
    assert all("not sent, will retry next run" in line for line in lines)
    assert silent_mail_server.close() == [True, True], "the site hung up, not the mail server"


def test_smtp_tls_signs_in_over_tls_to_the_server_and_port_given(mail_from):
    mail_from("smtp+tls://alerts:p%40ss%3Aword@mail.example.gov:587")
    connection = mail.get_connection()
    assert (connection.host, connection.port) == ("mail.example.gov", 587)
    assert (connection.username, connection.password) == ("alerts", "p@ss:word")
    assert connection.use_tls
    assert not connection.use_ssl


@pytest.mark.parametrize(
    ("environment", "backend", "host", "port"),
    [
        ({}, "django.core.mail.backends.console.EmailBackend", None, None),
        (PRODUCTION, "briefing.mail.DeadlineEmailBackend", "localhost", 25),
    ],
    ids=["developer", "production"],
)
def test_without_email_url_only_a_developers_machine_prints_mail(
    monkeypatch, environment, backend, host, port
):
    made = settings_from(monkeypatch, **environment)
    assert (made["EMAIL_BACKEND"], made["EMAIL_HOST"], made["EMAIL_PORT"]) == (backend, host, port)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://mail.example.gov",
        "",
        "smtp://",
        "smtp+tls://alerts:secret@mail.example.gov:five-eight-seven",
        "filemail://",
    ],
)
def test_an_address_that_is_not_a_mail_address_stops_the_site_in_one_line(monkeypatch, url):
    with pytest.raises(ImproperlyConfigured, match=r"^EMAIL_URL .* is not a mail address: ") as e:
        settings_from(monkeypatch, EMAIL_URL=url)
    assert "\n" not in str(e.value)
    assert "secret" not in str(e.value), "a password is never shown"


def test_the_mail_server_variables_replaced_by_email_url_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="give the mail server as EMAIL_URL"):
        settings_from(monkeypatch, EMAIL_HOST="mail.example.gov", EMAIL_PORT="25")


POSTGRES = {
    "ENGINE": "releases.db.postgresql",
    "USER": "briefing",
    "PASSWORD": "p@ss",
    "PORT": 6432,
    "NAME": "briefing",
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
}
# Queries bound on the server and prepared, unless BRIEFING_PREPARED_STATEMENTS=0.
PREPARED = {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize(
    ("url", "database"),
    [
        (
            None,
            {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(django_settings.BASE_DIR / "db.sqlite3"),
                "USER": "",
                "PASSWORD": "",
                "HOST": "",
                "PORT": "",
                "CONN_MAX_AGE": 60,
                "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {
                    "init_command": (
                        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
                        "PRAGMA synchronous=NORMAL;"
                    ),
                    "transaction_mode": "IMMEDIATE",
                },
            },
        ),
        (
            "postgres://briefing:p%40ss@db.example.gov:6432/briefing?sslmode=require",
            {
                **POSTGRES,
                "HOST": "db.example.gov",
                "OPTIONS": {"sslmode": "require", "connect_timeout": 3, **PREPARED},
            },
        ),
        (
            "postgresql://briefing:p%40ss@%2Frun%2Fpostgresql:6432/briefing",
            {**POSTGRES, "HOST": "/run/postgresql", "OPTIONS": {"connect_timeout": 3, **PREPARED}},
        ),
    ],
    ids=["sqlite-default", "postgres", "postgres-socket"],
)
def test_database_url_gives_the_database_settings_it_always_has(monkeypatch, url, database):
    made = settings_from(monkeypatch, **({"DATABASE_URL": url} if url else {}))
    default = made["DATABASES"]["default"]
    assert not default.pop("DISABLE_SERVER_SIDE_CURSORS", False)  # Django's own default
    assert default == database


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch):
    made = settings_from(
        monkeypatch,
        DATABASE_URL="postgres://briefing@db.example.gov:6432/briefing",
        BRIEFING_PREPARED_STATEMENTS="0",
    )
    assert made["DATABASES"]["default"]["OPTIONS"] == {"connect_timeout": 3}


@pytest.mark.slow
def test_the_site_as_make_run_serves_it_prints_the_confirmation_mail(monkeypatch, tmp_path):
    for name in READ_HERE:
        monkeypatch.delenv(name, raising=False)
    database_url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    manage(database_url, "migrate", "-v0")
    with running_gunicorn(database_url, tmp_path) as (base, log):
        form = urlencode({"email": "reader@example.org"}).encode()
        request = urllib.request.Request(f"{base}/subscriptions/", data=form)
        with OPENER.open(request, timeout=READER_TIMEOUT) as answer:
            assert "Check your email" in answer.read().decode()
        printed = log.read_text()
    assert CONFIRMATION_SUBJECT in printed
    assert f"{base}/subscriptions/" in printed, "the confirm link is there to open"
