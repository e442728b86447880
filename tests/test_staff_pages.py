"""Addresses that survive edits, previews for staff, and times in the office's zone."""

import datetime

import pytest

from releases.models import Redirect, Release
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db

CHANGE = "/admin/releases/release/{}/change/"


def move(client, release, **changes):
    data = change_form_data(release, minor_edit="on", **changes)
    response = client.post(CHANGE.format(release.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    release.refresh_from_db()
    return release.get_absolute_url()


def test_edited_address_redirects_from_the_old_one(client, publisher, make_release):
    release = make_release(slug="first-slug")
    old = release.get_absolute_url()
    client.force_login(publisher)
    new = move(client, release, slug="second-slug")
    response = client.get(old)
    assert (response.status_code, response.url) == (301, new)
    assert client.get(new).status_code == 200


def test_redirect_chains_collapse_to_one_hop(client, publisher, make_release):
    release = make_release(slug="a")
    first = release.get_absolute_url()
    client.force_login(publisher)
    second = move(client, release, slug="b")
    third = move(client, release, slug="c", date="2021-03-02")
    for old in (first, second):
        response = client.get(old)
        assert (response.status_code, response.url) == (301, third)


def test_moving_back_leaves_no_loop(client, publisher, make_release):
    release = make_release(slug="home")
    home = release.get_absolute_url()
    client.force_login(publisher)
    away = move(client, release, slug="away")
    assert move(client, release, slug="home") == home
    assert client.get(home).status_code == 200
    assert client.get(away).url == home
    assert not Redirect.objects.filter(old_path=home).exists()


def test_staff_cannot_add_a_redirect_from_a_live_address(client, publisher, make_release):
    release = make_release()
    client.force_login(publisher)
    response = client.post(
        "/admin/releases/redirect/add/",
        {"old_path": release.get_absolute_url(), "release": release.pk},
    )
    assert "This is the release&#x27;s own address: it would loop." in response.text
    assert not Redirect.objects.exists()


def test_staff_preview_a_draft_that_readers_cannot_see(client, editor, make_release):
    draft = make_release(title="Draft on rivers", status=Release.Status.DRAFT)
    preview = f"/admin/releases/release/{draft.pk}/preview/"
    assert client.get(preview).status_code == 302  # to the login page
    client.force_login(editor)
    page = client.get(preview)
    assert page.status_code == 200
    assert "Preview for staff." in page.text
    assert "<h1>Draft on rivers</h1>" in page.text
    assert page["X-Robots-Tag"] == "noindex"


def test_preview_shows_unsaved_changes_and_saves_nothing(client, editor, make_release):
    release = make_release(title="Published title", body="Published text.")
    client.force_login(editor)
    data = change_form_data(release, title="Proposed title", body="Proposed *text*.")
    page = client.post(f"/admin/releases/release/{release.pk}/preview/", data)
    assert "<h1>Proposed title</h1>" in page.text
    assert "<em>text</em>" in page.text
    assert Release.objects.get().title == "Published title"
    assert release.history.count() == 1


def test_preview_of_invalid_changes_says_why(client, editor, make_release):
    release = make_release()
    client.force_login(editor)
    data = change_form_data(release, title="")
    page = client.post(f"/admin/releases/release/{release.pk}/preview/", data)
    assert page.status_code == 400
    assert "title: This field is required." in page.text


def test_admin_takes_times_in_the_office_zone(client, publisher, make_release, settings):
    assert settings.TIME_ZONE == "America/New_York"
    release = make_release(date=datetime.date(2021, 1, 15))
    client.force_login(publisher)
    form = client.get(CHANGE.format(release.pk)).text
    assert "Times are America/New_York time" in form
    data = change_form_data(
        release, published_at_0="2021-01-15", published_at_1="14:00:00", minor_edit="on"
    )
    client.post(CHANGE.format(release.pk), data)
    stored = Release.objects.get().published_at
    assert stored == datetime.datetime(2021, 1, 15, 19, 0, tzinfo=datetime.UTC)


def test_old_address_of_a_withdrawn_release_leads_to_its_notice(client, publisher, make_release):
    release = make_release(slug="before")
    old = release.get_absolute_url()
    client.force_login(publisher)
    new = move(client, release, slug="after")
    release.status, release.withdrawal_reason = Release.Status.WITHDRAWN, "Issued in error."
    release.save()
    response = client.get(old, follow=True)
    assert response.redirect_chain == [(new, 301)]
    assert "Issued in error." in response.text
