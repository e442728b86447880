"""Safe to expose: HTTPS on one switch, production settings checked, sign-in guessing slowed,
refused requests logged in one line."""

import datetime
import io
import logging
import os
import re
import secrets
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model

from releases.admin.sign_in import ADDRESS_ATTEMPTS_FACTOR
from tests.servers import manage, running_gunicorn

MANAGE = Path(settings.BASE_DIR, "manage.py")
# gunicorn as production starts it, on a free port.
GUNICORN = [
    "-m",
    "gunicorn",
    "briefing.wsgi",
    "--config",
    str(Path(settings.BASE_DIR, "briefing", "gunicorn.conf.py")),
    "--bind",
    "127.0.0.1:0",
]
PRODUCTION = {
    "BRIEFING_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "briefing.example.gov",
}
# Requests the HTTPS settings in a process of their own, as a proxy would send them.
HTTPS_PROBE = """
import django
django.setup()
from django.test import Client
plain = Client().get("/admin/login/", HTTP_HOST="briefing.example.gov")
print(plain.status_code, plain.get("Location"))
secure = Client().get("/admin/login/", HTTP_HOST="briefing.example.gov",
                      HTTP_X_FORWARDED_PROTO="https")
print(secure.status_code, secure.get("Strict-Transport-Security"))
from django.conf import settings
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
health = Client().get("/health/", HTTP_HOST="briefing.example.gov")
print(health.status_code, health.content.decode().strip())
"""


def run(args, **environment):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "briefing.settings", **environment}
    for name in ("DJANGO_DEBUG", "BRIEFING_HTTPS", "BRIEFING_PRODUCTION", "DJANGO_SECRET_KEY"):
        if name not in environment:
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_deploy_check_is_clean_in_production():
    result = run([str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be a secret of 50 characters"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must name the site's host names"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    environment = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = run([str(MANAGE), "check"], **environment)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, "one line, not a traceback"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("abcd" * 20, "at least 5 of them different"),
        # What startproject writes into a new project's settings, for development.
        (f"django-insecure-{secrets.token_urlsafe(50)}", "not starting with django-insecure-"),
    ],
    ids=["few-characters", "startproject"],
)
def test_production_refuses_a_weak_secret_key(key, reason):
    result = run([str(MANAGE), "check"], **{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert reason in result.stderr
    assert result.stderr.count("\n") == 1, "one line, not a traceback"


@pytest.mark.slow
def test_gunicorn_refuses_a_weak_secret_key_in_one_line():
    result = run(GUNICORN, **{**PRODUCTION, "DJANGO_SECRET_KEY": "abcd" * 20})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "briefing: BRIEFING_PRODUCTION is set: DJANGO_SECRET_KEY must be" in result.stderr


@pytest.mark.slow
def test_https_switch_redirects_plain_requests_and_sends_hsts():
    result = run(
        ["-c", HTTPS_PROBE], BRIEFING_HTTPS="1", DJANGO_ALLOWED_HOSTS="briefing.example.gov"
    )
    assert result.returncode == 0, result.stderr
    redirect, secure, cookies, health = result.stdout.splitlines()
    assert redirect == "301 https://briefing.example.gov/admin/login/"
    assert secure == "200 max-age=31536000; includeSubDomains; preload"
    assert cookies == "True True"
    assert health == "200 ok", "a load balancer's plain-HTTP health check is answered"


def test_without_the_switch_plain_http_is_served(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/briefing-room/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_images_load_from_the_site_and_the_press_offices_hosts_only(client):
    policy = client.get("/briefing-room/")["Content-Security-Policy"].split("; ")
    images = next(directive for directive in policy if directive.startswith("img-src "))
    assert images.split() == [
        "img-src",
        "'self'",
        "data:",
        "https://www.whitehouse.gov",
        "https://bidenwhitehouse.archives.gov",
        "https://trumpwhitehouse.archives.gov",
        "https://obamawhitehouse.archives.gov",
    ]


@pytest.mark.slow
def test_image_hosts_are_set_from_the_environment():
    result = run(
        ["-c", "import django; django.setup(); from django.conf import settings; "
               "print(settings.CONTENT_SECURITY_POLICY)"],
        BRIEFING_IMAGE_HOSTS="Images.Example.gov, media.example.gov",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "img-src 'self' data: https://images.example.gov https://media.example.gov;" in (
        result.stdout
    )


@pytest.mark.slow
@pytest.mark.parametrize("hosts", ["https://images.example.gov", "a.gov; script-src *", "a.gov/x"])
def test_image_hosts_that_are_not_host_names_are_refused(hosts):
    result = run([str(MANAGE), "check"], BRIEFING_IMAGE_HOSTS=hosts)
    assert result.returncode != 0
    assert "BRIEFING_IMAGE_HOSTS must be host names" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BRIEFING_TRUSTED_PROXIES", "abc"),
        ("BRIEFING_TRUSTED_PROXIES", "1.5"),
        ("BRIEFING_TRUSTED_PROXIES", "-1"),
        ("BRIEFING_SIGN_IN_ATTEMPTS", "abc"),
        ("BRIEFING_SIGN_IN_ATTEMPTS", "0"),
        ("BRIEFING_SIGN_IN_WINDOW", "x"),
        ("BRIEFING_UPLOAD_MAX_FILES", "x"),
        ("BRIEFING_UPLOAD_MAX_BYTES", "-5"),
        ("BRIEFING_EMAIL_TIMEOUT", "0"),
        ("BRIEFING_STALE_SECONDS", "61"),
        ("BRIEFING_TIME_ZONE", "Mars/Base"),
        ("DATABASE_URL", "bogus"),
        ("DATABASE_URL", "foo://x"),
        ("DATABASE_URL", "postgres://briefing@db:port/briefing"),
        ("BRIEFING_CACHE_URL", "foo://x"),
        ("BRIEFING_CACHE_URL", "redis://127.0.0.1:notaport/0"),
        ("BRIEFING_CACHE_URL", "redis://127.0.0.1:6379/first"),
        ("EMAIL_URL", f"filemail:///{MANAGE}"),  # a file where mail needs a directory
        ("DJANGO_DEBUG", "maybe"),
        ("BRIEFING_PAGE_CACHE", "of"),
    ],
)
def test_a_setting_the_site_cannot_use_stops_it_in_one_line_naming_it(variable, value):
    result = run([str(MANAGE), "check"], **{variable: value})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"briefing: {variable} ")
    assert result.stderr.count("\n") == 1, "one line"


@pytest.mark.slow
def test_gunicorn_refuses_fewer_than_one_worker_in_one_line():
    result = run(GUNICORN, WEB_CONCURRENCY="0")
    assert result.returncode != 0
    assert result.stderr == "briefing: WEB_CONCURRENCY must be a whole number of 1 or more, not 0\n"


@pytest.fixture
def site_log():
    """What the site's log handler (LOGGING's console) writes during the test."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    written = io.StringIO()
    standard_error = handler.setStream(written)
    yield written
    handler.setStream(standard_error)


# How every line of the site's log begins, as gunicorn's own: the time in UTC, the
# process and the level.
LOG_LINE_START = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] \[\d+\] \[[A-Z]+\] ")


def test_a_request_for_another_host_is_logged_in_one_line(client, site_log):
    response = client.get("/health/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    [line] = site_log.getvalue().splitlines()
    start = LOG_LINE_START.match(line)
    assert start, line
    assert line[start.end() :] == (
        "Invalid HTTP_HOST header: 'attacker.example'. "
        "You may need to add 'attacker.example' to ALLOWED_HOSTS."
    )


@pytest.mark.slow
def test_a_servers_log_lines_all_begin_with_the_time_in_utc(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    manage(database_url, "migrate", "-v0")
    # The office's zone is hours from UTC, and Django sets the process's zone to it.
    with running_gunicorn(database_url, tmp_path, BRIEFING_TIME_ZONE="America/New_York") as (
        base,
        log,
    ):
        request = urllib.request.Request(f"{base}/health/", headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
    lines = log.read_text().splitlines()
    # gunicorn's own, before and after Django's settings are loaded, and Django's.
    timed = [line for line in lines if not line.startswith("127.0.0.1 ")]
    assert any("Starting gunicorn" in line for line in timed)
    assert any("Booting worker" in line for line in timed)
    assert any("Invalid HTTP_HOST header" in line for line in timed)
    assert all(LOG_LINE_START.match(line) for line in timed), "\n".join(timed)


BALANCER = "10.0.0.1"


def sign_in(
    client, password, username="staff", address="198.51.100.7", forwarded=None, then="/admin/"
):
    """Post the admin's sign-in form from *address* (behind a proxy, the one *forwarded*),
    asking to go on to *then*."""
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": then},
        REMOTE_ADDR=address,
        **headers,
    )


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="right", is_staff=True)


def test_sign_in_pauses_after_repeated_failures(client, staff):
    for _ in range(settings.BRIEFING_SIGN_IN_ATTEMPTS):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with its error
    refused = sign_in(client, "right")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert refused["Retry-After"] == str(settings.BRIEFING_SIGN_IN_WINDOW)


def test_a_username_guessed_from_elsewhere_still_signs_in_from_its_owners_address(client, staff):
    for number in range(3 * settings.BRIEFING_SIGN_IN_ATTEMPTS):
        sign_in(client, "wrong", address=f"203.0.113.{number}")
    assert sign_in(client, "right", address="192.0.2.99").status_code == 302


def test_one_address_trying_many_usernames_is_paused(client, staff):
    limit = settings.BRIEFING_SIGN_IN_ATTEMPTS * ADDRESS_ATTEMPTS_FACTOR
    statuses = [sign_in(client, "wrong", username=f"user{n}").status_code for n in range(limit)]
    assert statuses == [200] * limit
    assert sign_in(client, "right").status_code == 429
    assert sign_in(client, "right", address="192.0.2.1").status_code == 302


def test_an_office_behind_one_address_signs_in_as_often_as_it_needs(client, staff, any_cache):
    times = settings.BRIEFING_SIGN_IN_ATTEMPTS * ADDRESS_ATTEMPTS_FACTOR + 5
    assert [sign_in(client, "right").status_code for _ in range(times)] == [302] * times


def test_signing_in_leaves_the_addresss_failures_counted(client, staff, any_cache):
    limit = settings.BRIEFING_SIGN_IN_ATTEMPTS * ADDRESS_ATTEMPTS_FACTOR
    guesses = [sign_in(client, "wrong", username=f"user{n}") for n in range(limit - 1)]
    assert [response.status_code for response in guesses] == [200] * (limit - 1)
    # The sign-in neither counts as a failure nor clears the guesses before it.
    assert sign_in(client, "right").status_code == 302
    assert sign_in(client, "wrong", username="last-guess").status_code == 200
    assert sign_in(client, "right").status_code == 429


def test_behind_a_proxy_each_reader_is_counted_by_their_own_address(client, staff, settings):
    settings.BRIEFING_TRUSTED_PROXIES = 1
    for _ in range(settings.BRIEFING_SIGN_IN_ATTEMPTS):
        # The attacker writes its own X-Forwarded-For: only the proxy's entry counts.
        sign_in(client, "wrong", address=BALANCER, forwarded="192.0.2.50, 203.0.113.9")
    assert sign_in(client, "right", address=BALANCER, forwarded="203.0.113.9").status_code == 429
    assert sign_in(client, "right", address=BALANCER, forwarded="198.51.100.20").status_code == 302


@pytest.mark.parametrize(
    "forwarded",
    [
        lambda attempt: f"not-an-address-{attempt}",
        lambda attempt: str(attempt) * 1000,
        lambda attempt: f"fe80::1%{attempt}",  # an address, with a zone anyone can write
    ],
    ids=["garbage", "long", "zone"],
)
def test_an_x_forwarded_for_that_is_not_an_address_counts_the_connections_own(
    client, staff, settings, forwarded
):
    # Trusting a proxy that is not there, the entry read is the client's own words.
    settings.BRIEFING_TRUSTED_PROXIES = 1
    guesser = "203.0.113.9"
    for attempt in range(settings.BRIEFING_SIGN_IN_ATTEMPTS):
        sign_in(client, "wrong", address=guesser, forwarded=forwarded(attempt))
    assert sign_in(client, "right", address=guesser, forwarded=forwarded(99)).status_code == 429


def production_recipe():
    """Return the environment variables the README's production recipe exports."""
    readme = Path(settings.BASE_DIR, "README.md").read_text()
    recipe = readme.split("\n## Production\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    exported = [
        shlex.split(line, comments=True)[1:]
        for line in recipe.splitlines()
        if line.startswith("export ")
    ]
    return dict(assignment.split("=", 1) for line in exported for assignment in line)


def test_behind_the_readmes_load_balancer_a_guesser_pauses_only_its_own_sign_in(
    client, staff, settings
):
    recipe = production_recipe()
    settings.BRIEFING_TRUSTED_PROXIES = int(recipe.get("BRIEFING_TRUSTED_PROXIES", "0"))
    attacker, member = "203.0.113.9", "198.51.100.20"
    for number in range(settings.BRIEFING_SIGN_IN_ATTEMPTS * ADDRESS_ATTEMPTS_FACTOR):
        sign_in(client, "wrong", username=f"user{number}", address=BALANCER, forwarded=attacker)
    assert sign_in(client, "right", address=BALANCER, forwarded=attacker).status_code == 429
    assert sign_in(client, "right", address=BALANCER, forwarded=member).status_code == 302


def test_a_refused_next_address_leads_to_the_admin_after_signing_in(client, staff):
    response = sign_in(client, "right", then="https://attacker.example/admin/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_others_still_sign_in_and_the_pause_ends(client, staff):
    get_user_model().objects.create_user("other", password="theirs", is_staff=True)
    for _ in range(settings.BRIEFING_SIGN_IN_ATTEMPTS):
        sign_in(client, "wrong")
    assert sign_in(client, "theirs", username="other").status_code == 302
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=settings.BRIEFING_SIGN_IN_WINDOW + 1
    )
    with time_machine.travel(later):
        assert sign_in(client, "right").status_code == 302
