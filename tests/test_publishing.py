"""Drafts, scheduled publishing and withdrawal, and who may do each."""

import datetime
import json

import feedparser
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from releases.caching.version import current_versions
from releases.models import ContentVersion, Release
from releases.search import directory
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"
CHANGE = "/admin/releases/release/{}/change/"


def in_lists(client, release):
    """Whether *release* is linked where readers find releases: list, search, feed, API."""
    places = [
        client.get(LIST).text,
        client.get(LIST, {"q": release.title.split()[-1]}).text,
        client.get(LIST, {"format": "atom"}).text,
        client.get("/api/releases/").text,
    ]
    return [release.get_absolute_url() in place for place in places]


def test_draft_is_neither_listed_nor_at_its_address(client, make_release):
    draft = make_release(title="Draft on water", status=Release.Status.DRAFT)
    assert in_lists(client, draft) == [False] * 4
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_scheduled_release_appears_at_its_minute_with_no_job(client, make_release):
    when = timezone.now() + datetime.timedelta(hours=2)
    release = make_release(title="Embargoed statement on ports", published_at=when)
    assert in_lists(client, release) == [False] * 4
    assert client.get(release.get_absolute_url()).status_code == 404
    with time_machine.travel(when - datetime.timedelta(seconds=30), tick=False):
        assert client.get(release.get_absolute_url()).status_code == 404
    with time_machine.travel(when + datetime.timedelta(seconds=30), tick=False):
        assert in_lists(client, release) == [True] * 4
        assert client.get(release.get_absolute_url()).status_code == 200


def test_withdrawn_release_keeps_its_address_with_a_notice(client, make_release):
    release = make_release(title="Statement on the old bridge")
    release.status = Release.Status.WITHDRAWN
    release.withdrawal_reason = "Superseded by the statement of June 3."
    release.save()
    page = client.get(release.get_absolute_url())
    assert page.status_code == 200
    assert "Withdrawn on" in page.text
    assert f"{timezone.localtime(release.withdrawn_at):%B} " in page.text
    assert "Superseded by the statement of June 3." in page.text
    assert in_lists(client, release) == [False] * 4
    sitemap = client.get("/sitemap-releases.xml").text
    assert release.get_absolute_url() not in sitemap


def test_withdrawal_needs_a_reason(client, publisher, make_release):
    release = make_release()
    client.force_login(publisher)
    data = change_form_data(release, status="withdrawn", withdrawal_reason="")
    response = client.post(CHANGE.format(release.pk), data)
    assert response.status_code == 200
    assert "Say why the release is withdrawn" in response.text
    release.refresh_from_db()
    assert release.status == Release.Status.PUBLISHED


def test_public_release_cannot_go_back_to_draft(client, publisher, make_release):
    release = make_release()
    client.force_login(publisher)
    response = client.post(CHANGE.format(release.pk), change_form_data(release, status="draft"))
    assert "withdraw it rather than make it a draft" in response.text
    release.refresh_from_db()
    assert release.status == Release.Status.PUBLISHED


def tomorrow_form_data(release, **changes):
    """The change form's data for *release*, its publication time moved to tomorrow."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return change_form_data(release, published_at_0=tomorrow.isoformat(), **changes)


def test_public_release_cannot_move_into_the_future(client, publisher, make_release):
    release = make_release()
    client.force_login(publisher)
    response = client.post(CHANGE.format(release.pk), tomorrow_form_data(release))
    assert "This release is public: to take it off the site, withdraw it." in response.text
    release.refresh_from_db()
    assert release.published_at < timezone.now()
    assert client.get(release.get_absolute_url()).status_code == 200


def test_withdrawn_release_cannot_move_into_the_future(client, publisher, make_release):
    release = make_release(status=Release.Status.WITHDRAWN, withdrawal_reason="Wrong date.")
    client.force_login(publisher)
    response = client.post(CHANGE.format(release.pk), tomorrow_form_data(release))
    assert "withdrawal notice is public: its time cannot move into the future" in response.text
    release.refresh_from_db()
    assert release.published_at < timezone.now()
    assert "Wrong date." in client.get(release.get_absolute_url()).text


def test_an_import_cannot_move_a_public_release_into_the_future(client, run_import, write_release):
    run_import(write_release())
    release = Release.objects.get()
    next_year = str(timezone.now().year + 1)
    text = write_release().read_text()
    text = text.replace("published_time: 2021-03-04", f"published_time: {next_year}-03-04")
    status, _, err = run_import(write_release(content=text))
    assert status != 0
    assert "published_time:" in err
    assert "this release is public: to take it off the site, withdraw it" in err
    release.refresh_from_db()
    assert release.published_at < timezone.now()
    assert client.get(release.get_absolute_url()).status_code == 200


def test_a_scheduled_release_may_move_its_time_by_import(run_import, write_release):
    next_year = str(timezone.now().year + 1)
    scheduled = write_release().read_text().replace("2021-03-04 10", f"{next_year}-03-04 10")
    run_import(write_release(content=scheduled))
    later = scheduled.replace(f"{next_year}-03-04 10", f"{next_year}-03-05 10")
    status, _, err = run_import(write_release(content=later))
    assert status == 0, err
    assert Release.objects.get().published_at.day == 5


def test_import_publishes_unless_told_to_draft(run_import, write_release):
    run_import(write_release("a.md"))
    run_import(write_release("b.md", slug="second-release", title="Second"), drafts=True)
    statuses = dict(Release.objects.values_list("title", "status"))
    assert statuses == {"Statement on the Harvest Festival": "published", "Second": "draft"}


def test_reimport_keeps_a_withdrawal(run_import, write_release):
    path = write_release()
    run_import(path)
    Release.objects.update(status=Release.Status.WITHDRAWN, withdrawal_reason="Wrong date.")
    write_release(body="A changed body.\n")
    run_import(path)
    release = Release.objects.get()
    assert (release.status, release.body) == ("withdrawn", "A changed body.\n")


def test_editors_and_publishers_groups_hold_their_permissions(editor, publisher):
    assert editor.has_perm("releases.change_release")
    assert not editor.has_perm("releases.publish_release")
    assert not editor.has_perm("releases.delete_release")
    assert publisher.has_perm("releases.publish_release")
    assert publisher.has_perm("releases.upload_release_files")


def test_publishers_upload_and_undo_through_permissions_named_for_it(editor, publisher):
    assert publisher.has_perms(["releases.upload_release_files", "releases.undo_importrun"])
    assert publisher.has_perm("releases.view_importrun")
    assert not publisher.has_perm("releases.add_importrun")
    assert not publisher.has_perm("releases.change_importrun")
    assert not editor.has_perm("releases.upload_release_files")
    assert not editor.has_perm("releases.undo_importrun")


def test_editor_drafts_but_cannot_publish(client, editor, make_release):
    client.force_login(editor)
    make_release(title="Placeholder")  # gives the category
    category = Release.objects.get().category_id
    data = {
        "title": "Readout of a call",
        "slug": "readout-of-a-call",
        "category": category,
        "body": "The call.",
        "date": "2021-06-01",
        "published_at_0": "2021-06-01",
        "published_at_1": "10:00:00",
        "permalink": "https://www.whitehouse.gov/briefing-room/x/readout-of-a-call/",
        "status": "published",  # not a field an editor is given: ignored
    }
    response = client.post("/admin/releases/release/add/", data)
    assert response.status_code == 302
    assert Release.objects.get(slug="readout-of-a-call").status == Release.Status.DRAFT
    form = client.get(CHANGE.format(Release.objects.get(slug="readout-of-a-call").pk)).text
    assert 'name="status"' not in form
    changelist = client.get("/admin/releases/release/").text
    assert "Publish the selected drafts" not in changelist


def test_editor_corrects_a_published_release_but_cannot_move_its_time(client, editor, make_release):
    release = make_release(body="Old text.")
    client.force_login(editor)
    data = change_form_data(
        release, body="New text.", change_note="Fixed a word.", published_at_1="23:00:00"
    )
    assert client.post(CHANGE.format(release.pk), data).status_code == 302
    stored = Release.objects.get()
    assert (stored.body, stored.published_at) == ("New text.", release.published_at)


def test_publisher_publishes_drafts_from_the_list(client, publisher, make_release):
    draft = make_release(title="Ready draft", status=Release.Status.DRAFT)
    client.force_login(publisher)
    response = client.post(
        "/admin/releases/release/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Published 1 release(s)" in response.text
    assert client.get(draft.get_absolute_url()).status_code == 200
    feed = feedparser.parse(client.get(LIST, {"format": "atom"}).content)
    assert [entry.title for entry in feed.entries] == ["Ready draft"]


def superseded():
    """The content and listing versions lately superseded."""
    return set(json.loads(ContentVersion.objects.get().superseded))


@pytest.mark.django_db(transaction=True)
def test_drafts_published_together_are_one_change_that_readers_find_at_once(
    client, make_release, later
):
    drafts = [
        make_release(title=f"Harbour draft {number}", status=Release.Status.DRAFT)
        for number in range(3)
    ]
    assert client.get(LIST, {"q": "harbour"}).context["release_list"] == []
    versions = current_versions()
    superseded_before = superseded()
    publisher = get_user_model().objects.create_user("pat", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(publisher)
    response = staff.post(
        "/admin/releases/release/",
        {"action": "publish", "_selected_action": [draft.pk for draft in drafts]},
        follow=True,
    )
    assert "Published 3 release(s)" in response.text
    # One change: every reader's kept page is rendered again once, not once a draft.
    assert superseded() - superseded_before == {versions.current, versions.listing}
    later()
    # Caught up by the action itself: no reader's search could, with the lock held.
    with directory.writer_lock():
        found = client.get(LIST, {"q": "harbour"})
    assert "Search is catching up" not in found.text
    assert len(found.context["release_list"]) == 3


def test_editor_cannot_delete(client, editor, make_release):
    release = make_release()
    client.force_login(editor)
    assert client.get(f"/admin/releases/release/{release.pk}/delete/").status_code == 403
