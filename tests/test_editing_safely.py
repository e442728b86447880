"""An admin save changes only what the editor changed, and never what someone
else saved since the editor opened the form."""

import datetime
import re

import pytest
from django.contrib.admin.models import LogEntry

from releases.models import Release
from tests.release_files import SEED
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db
CHANGE = "/admin/releases/release/{}/change/"


TIME_FIELDS = ("published_at_0", "published_at_1", "modified_at_0", "modified_at_1")


def opened_form(client, release):
    """Return the change form's data as a browser posts it: the version it was
    opened at, the times as the page writes them, and text areas with CRLF line endings."""
    page = client.get(CHANGE.format(release.pk)).text
    version = re.search(r'name="opened_version" value="([^"]*)"', page)[1]
    data = change_form_data(release)
    assert data["opened_version"] == version
    for name in TIME_FIELDS:
        shown = re.search(rf'name="{name}"(?: value="([^"]*)")?', page)
        data[name] = shown[1] or ""
    data["body"] = release.body.replace("\n", "\r\n")
    return data


def save(client, release, data):
    """Post the change form *data* for *release*, and see it accepted."""
    response = client.post(CHANGE.format(release.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.fixture
def imported(run_import):
    """The seed release, imported from its file: a body as the archive wrote it."""
    status, _, _ = run_import(SEED)
    assert status == 0
    return Release.objects.get()


def test_saving_an_untouched_body_keeps_it_byte_for_byte(admin_client, imported):
    before = imported.body
    assert "\n" in before
    data = opened_form(admin_client, imported)
    save(admin_client, imported, {**data, "minor_edit": "on"})
    imported.refresh_from_db()
    assert imported.body == before


def test_withdrawing_an_untouched_release_needs_no_change_note(admin_client, imported):
    data = opened_form(admin_client, imported)
    data.update(status="withdrawn", withdrawal_reason="Issued in error.")
    save(admin_client, imported, data)
    imported.refresh_from_db()
    assert imported.status == Release.Status.WITHDRAWN


def test_an_edited_body_is_stored_with_plain_line_endings(admin_client, imported):
    data = opened_form(admin_client, imported)
    data.update(body="First line.\r\nSecond line.\r\n", change_note="Shortened.")
    save(admin_client, imported, data)
    imported.refresh_from_db()
    assert imported.body == "First line.\nSecond line.\n"


def test_an_edit_keeps_the_whitespace_the_body_opens_and_closes_with(admin_client, imported):
    assert imported.body.startswith(" \n")
    data = opened_form(admin_client, imported)
    data["body"] = data["body"].replace("the", "THE", 1)
    data["change_note"] = "Capitals."
    save(admin_client, imported, data)
    before = imported.body
    imported.refresh_from_db()
    assert imported.body == before.replace("the", "THE", 1)


def test_a_form_opened_before_another_save_is_refused_with_what_changed(
    admin_client, imported, write_release, run_import
):
    data = opened_form(admin_client, imported)
    changed = imported.body.replace("the", "THE", 1)
    front_matter, boundary, body = SEED.read_text(encoding="utf-8").partition("\n---\n")
    edited = front_matter + boundary + body.replace("the", "THE", 1)
    assert run_import(write_release("seed.md", content=edited))[0] == 0
    data.update(title="The editor's title", change_note="Retitled.")
    response = admin_client.post(CHANGE.format(imported.pk), data)
    assert response.status_code == 200
    text = response.text
    assert "changed since you opened it" in text
    assert "<ins>THE</ins>" in text
    imported.refresh_from_db()
    assert imported.body == changed
    assert imported.title != "The editor's title"


def test_the_refusal_shows_a_word_put_in_apart_from_the_word_taken_out(admin_client, make_release):
    release = make_release(title="Remarks by (editor one) Tom")
    data = opened_form(admin_client, release)
    release.title = "Remarks by L. Tom"
    release.save()
    response = admin_client.post(CHANGE.format(release.pk), {**data, "change_note": "Fixed."})
    assert "changed since you opened it" in response.text
    assert "by <del>(editor one)</del> <ins>L.</ins> Tom" in response.text


def test_a_form_opened_after_the_last_save_is_saved(admin_client, imported):
    data = opened_form(admin_client, imported)
    data.update(title="A new title", change_note="Retitled.")
    save(admin_client, imported, data)
    imported.refresh_from_db()
    assert imported.title == "A new title"


def test_a_save_after_a_correction_finds_nothing_else_changed(admin_client, imported):
    data = opened_form(admin_client, imported)
    data.update(title="A corrected title", change_note="Retitled.")
    save(admin_client, imported, data)
    imported.refresh_from_db()
    corrected_at = imported.modified_at

    # The form again, its modified time as the page writes it.
    revisions = imported.history.count()
    save(admin_client, imported, {**opened_form(admin_client, imported), "minor_edit": "on"})
    imported.refresh_from_db()
    assert imported.modified_at == corrected_at
    assert imported.history.count() == revisions


def test_saving_an_untouched_form_records_nothing(admin_client, imported):
    """No revision in the history, and "updated" stays when it was."""
    revisions, updated_at = imported.history.count(), imported.updated_at
    response = admin_client.post(
        CHANGE.format(imported.pk), opened_form(admin_client, imported), follow=True
    )
    assert "Nothing had changed: no revision was recorded." in response.text
    assert "was changed successfully" not in response.text
    assert not LogEntry.objects.filter(object_id=str(imported.pk)).exists()
    imported.refresh_from_db()
    assert imported.history.count() == revisions
    assert imported.updated_at == updated_at


def test_a_time_stored_to_the_microsecond_is_untouched_by_a_save(admin_client, make_release):
    """The list's publish action stamps the time to the microsecond; the form shows seconds."""
    published_at = datetime.datetime(2021, 3, 1, 15, 0, 7, 123456, tzinfo=datetime.UTC)
    release = make_release(published_at=published_at)
    revisions = release.history.count()
    save(admin_client, release, opened_form(admin_client, release))
    release.refresh_from_db()
    assert release.published_at == published_at
    assert release.history.count() == revisions
    data = opened_form(admin_client, release)
    save(admin_client, release, {**data, "title": "Retitled", "change_note": "Retitled."})
    release.refresh_from_db()
    assert (release.title, release.published_at) == ("Retitled", published_at)
    assert release.history.count() == revisions + 1
