"""An admin save changes only what the editor changed, and never what someone
else saved since the editor opened the form."""

import re

import pytest

from releases.models import Release
from tests.release_files import SEED
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db
CHANGE = "/admin/releases/release/{}/change/"


def opened_form(client, release):
    """Return the change form's data as a browser posts it: the version it was
    opened at, and text areas with CRLF line endings."""
    page = client.get(CHANGE.format(release.pk)).text
    version = re.search(r'name="opened_version" value="([^"]*)"', page)[1]
    data = change_form_data(release)
    assert data["opened_version"] == version
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
    page = admin_client.get(CHANGE.format(imported.pk)).text
    data = opened_form(admin_client, imported)
    for part in ("modified_at_0", "modified_at_1"):
        data[part] = re.search(rf'name="{part}" value="([^"]*)"', page)[1]
    save(admin_client, imported, {**data, "minor_edit": "on"})
    imported.refresh_from_db()
    assert imported.modified_at == corrected_at
    assert imported.history.first().diff_against(imported.history.all()[1]).changes == []
