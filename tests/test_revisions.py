"""Revision history: every save recorded, public corrections with their diffs, restore and undo."""

import datetime
import html
import io
import json
import re
from pathlib import Path

import feedparser
import pytest
import time_machine
from django.core.management import call_command

from releases.importing import undoing
from releases.importing.undoing import UndoError, undo_run
from releases.models import ImportRun, Release
from releases.revisions import Segment, word_diff
from tests.staff import change_form_data, staff_with_permissions

pytestmark = pytest.mark.django_db

CHANGE = "/admin/releases/release/{}/change/"


def correct(client, release, **changes):
    response = client.post(CHANGE.format(release.pk), change_form_data(release, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    release.refresh_from_db()
    return release


def structured_data(page):
    return json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S).group(1))


def test_word_diff_marks_only_the_words_that_changed():
    segments = word_diff("The tax cut was 2 percent.", "The tax cut was 3 percent.")
    changed = [(segment.kind, segment.text) for segment in segments if segment.kind != "same"]
    assert changed == [("removed", "2"), ("added", "3")]
    assert "".join(s.text for s in segments if s.kind != "removed") == "The tax cut was 3 percent."


def test_admin_save_records_a_revision_by_its_editor(client, editor, make_release):
    release = make_release(body="First.")
    client.force_login(editor)
    correct(client, release, body="Second.", change_note="Clarified.")
    latest = release.history.first()
    assert (latest.body, latest.history_user, latest.change_note) == (
        "Second.",
        editor,
        "Clarified.",
    )
    assert release.history.count() == 2


def test_import_records_a_revision_naming_its_run(run_import, write_release):
    path = write_release()
    run_import(path)
    write_release(body="Changed.\n")
    run_import(path)
    release = Release.objects.get()
    kinds = [(r.history_type, r.import_run_id) for r in release.history.order_by("history_id")]
    runs = list(ImportRun.objects.order_by("pk").values_list("pk", flat=True))
    assert kinds == [("+", runs[0]), ("~", runs[1])]


def test_correction_needs_a_note_or_a_minor_mark(client, editor, make_release):
    release = make_release(body="Old.")
    client.force_login(editor)
    response = client.post(CHANGE.format(release.pk), change_form_data(release, body="New."))
    assert "say what this correction changes" in response.text
    assert Release.objects.get().body == "Old."


def test_reader_sees_the_note_and_exactly_what_changed(client, editor, make_release):
    release = make_release(title="Statement on tariffs", body="Tariffs rise by 2 percent.")
    client.force_login(editor)
    correct(client, release, body="Tariffs rise by 3 percent.", change_note="Corrected the rate.")
    client.logout()
    page = client.get(release.get_absolute_url()).text
    assert re.search(r"Updated <time[^>]*>[^<]+</time>: Corrected the rate\.", page)
    link = re.search(r'href="([^"]+/changes/\d+/)"', page).group(1)
    change = client.get(link).text
    assert "<del>2</del> <ins>3</ins>" in change
    assert "Corrected the rate." in change
    assert structured_data(page)["dateModified"] == release.modified_at.isoformat()


LIST_BODY = "Attending:\n\n-   National Climate Advisor (Chair)\n-   Secretary of Defense\n"


def test_change_page_shows_the_rendered_words_that_changed(client, editor, make_release):
    release = make_release(body=LIST_BODY)
    client.force_login(editor)
    corrected = LIST_BODY.replace("of Defense", "of **Defense** and the **Key Bridge** team")
    correct(client, release, body=corrected, change_note="Named the team.")
    revision = release.public_changes().get()
    for url in (
        release.get_absolute_url() + f"changes/{revision.pk}/",
        f"/admin/releases/release/{release.pk}/history/compare/",
    ):
        diff = re.search(r'<div class="diff">(.*?)</div>', client.get(url).text, re.S).group(1)
        assert "Secretary of Defense<ins> and the Key Bridge team</ins>" in diff
        assert "**" not in diff
        assert "National Climate Advisor (Chair)\nSecretary of Defense" in diff
        assert not re.search(r"^\s*-", diff, re.M), "a Markdown list marker is shown"


def test_change_page_ends_its_sentences_with_one_full_stop(client, editor, make_release):
    release = make_release(body="One.")
    client.force_login(editor)
    correct(client, release, body="Two.", change_note="Fixed.")
    revision = release.public_changes().get()
    page = client.get(release.get_absolute_url() + f"changes/{revision.pk}/").text
    assert re.search(r"Compared with the text of <time[^>]*>[^<]+[ap]\.m\.</time></p>", page)
    assert ".." not in re.sub(r"<[^>]+>", "", page)


def test_notes_are_listed_newest_first(client, editor, make_release):
    release = make_release(body="One.")
    client.force_login(editor)
    correct(client, release, body="Two.", change_note="First fix.")
    correct(client, release, body="Three.", change_note="Second fix.")
    page = client.get(release.get_absolute_url()).text
    assert page.index("Second fix.") < page.index("First fix.")


def test_minor_edit_tells_readers_nothing(client, editor, make_release):
    release = make_release(body="Teh text.")
    client.force_login(editor)
    correct(client, release, body="The text.", minor_edit="on")
    page = client.get(release.get_absolute_url()).text
    assert 'id="changes-heading"' not in page
    assert release.modified_at is None
    assert release.body == "The text."


def test_draft_edits_need_no_note(client, editor, make_release):
    release = make_release(status=Release.Status.DRAFT, body="Draft one.")
    client.force_login(editor)
    correct(client, release, body="Draft two.")
    assert not release.public_changes().exists()


def test_corrections_feed_has_an_entry_per_public_change(client, editor, make_release):
    release = make_release(title="Readout", body="Met on Monday.")
    hidden = make_release(title="Withdrawn one", body="x")
    client.force_login(editor)
    correct(client, release, body="Met on Tuesday.", change_note="Corrected the day.")
    correct(client, hidden, body="y", change_note="Fixed.")
    Release.objects.filter(pk=hidden.pk).update(status=Release.Status.WITHDRAWN)
    feed = feedparser.parse(client.get("/corrections/feed/").content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [(e.title, e.summary) for e in feed.entries] == [
        ("Correction: Readout", "Corrected the day.")
    ]
    assert "<ins>Tuesday.</ins>" in client.get(feed.entries[0].link).text


def test_staff_compare_any_two_revisions(client, editor, make_release):
    release = make_release(title="Notice", body="Alpha beta.")
    client.force_login(editor)
    correct(client, release, body="Alpha gamma.", change_note="One.")
    correct(client, release, body="Delta gamma.", change_note="Two.")
    first, *_, last = release.history.order_by("history_id")
    url = f"/admin/releases/release/{release.pk}/history/compare/"
    page = client.get(url, {"older": first.pk, "newer": last.pk}).text
    assert "<del>Alpha</del> <ins>Delta</ins>" in page
    assert "<del>beta.</del> <ins>gamma.</ins>" in page
    bad = client.get(url, {"older": "nonsense", "newer": 10**9})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.text


def test_revisions_saved_in_the_same_second_read_differently_in_the_compare_menu(
    client, editor, make_release
):
    client.force_login(editor)
    with time_machine.travel(datetime.datetime(2025, 3, 10, 16, 5, 9, tzinfo=datetime.UTC)):
        release = make_release(body="One.")
        correct(client, release, body="Two.", change_note="First fix.")
        correct(client, release, body="Three.", change_note="Second fix.")
    page = client.get(f"/admin/releases/release/{release.pk}/history/compare/").text
    menu = re.search(r'<select name="newer".*?</select>', page, re.S).group(0)
    labels = [html.unescape(label) for label in re.findall(r">([^<]+)</option>", menu)]
    assert labels[:2] == ["#3 · 2025-03-10 12:05:09 · edna", "#2 · 2025-03-10 12:05:09 · edna"]
    assert len(set(labels)) == len(labels) == 3


def test_history_lists_revisions_in_the_press_offices_time_with_plain_headings(
    client, editor, make_release
):
    client.force_login(editor)
    # 04:30 in UTC is 00:30 in New York: the hour tells which zone a time is shown in.
    with time_machine.travel(datetime.datetime(2025, 3, 10, 4, 30, 15, tzinfo=datetime.UTC)):
        release = make_release(body="One.", modified_at=None)
        correct(client, release, body="Two.", change_note="Fixed.")
    page = client.get(f"/admin/releases/release/{release.pk}/history/").text
    table = re.search(r'<table id="change-history".*?</table>', page, re.S).group(0)
    headings = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headings == [
        "Revision", "Saved", "Saved by", "Action", "Status", "Change note", "Changes"
    ]  # fmt: skip
    assert "March 10, 2025, 12:30:15 a.m." in table
    assert re.search(r"Modified:</strong>\s*—&nbsp;&rarr; March 10, 2025, 12:30 a\.m\.", table)
    assert "+00:00" not in table
    assert "4:30" not in table
    assert "None" not in re.sub(r"<[^>]+>", "", table)
    assert "compare the words" in page
    # An editor may not restore a revision, so is not sent to a page that refuses them.
    assert '<th scope="row">#2</th>' in table


def test_publisher_restores_an_earlier_revision(client, publisher, make_release):
    release = make_release(body="Original.")
    client.force_login(publisher)
    correct(client, release, body="Mistaken.", change_note="Updated.")
    original = release.history.order_by("history_id").first()
    url = f"/admin/releases/release/{release.pk}/history/{original.pk}/"
    assert "Original." in client.get(url).text
    data = change_form_data(release, body="Original.", change_note="Restored the original.")
    assert client.post(url, data).status_code == 302
    release.refresh_from_db()
    assert release.body == "Original."
    assert release.history.count() == 3


def test_editors_may_not_restore_a_revision(client, editor, make_release):
    release = make_release(body="Original.")
    release.body = "Changed."
    release.save()
    original = release.history.order_by("history_id").first()
    client.force_login(editor)
    url = f"/admin/releases/release/{release.pk}/history/{original.pk}/"
    assert client.get(url).status_code == 403
    data = change_form_data(release, body="Original.", change_note="Restored.")
    assert client.post(url, data).status_code == 403
    release.refresh_from_db()
    assert release.body == "Changed."


def test_undoing_an_import_removes_what_it_created_and_restores_what_it_updated(
    run_import, write_release
):
    kept = write_release("kept.md")
    run_import(kept)
    write_release("kept.md", body="Overwritten by the bad run.\n")
    write_release("new.md", slug="brand-new", title="Brand new")
    run_import(kept.parent)
    run = ImportRun.objects.latest()
    summary = undo_run(run)
    assert (summary.removed, summary.restored) == (1, 1)
    release = Release.objects.get()
    assert release.body == "The President welcomed the *harvest*.\n"
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.UNDONE
    _, out, _ = run_import(kept)
    assert "updated 1" in out  # the file's digest went back with the revision


def test_undo_keeps_a_release_edited_since(run_import, write_release, client):
    path = write_release()
    run_import(path)
    write_release(body="Imported change.\n")
    run_import(path)
    release = Release.objects.get()
    release.body = "An editor's later fix."
    release.save()
    summary = undo_run(ImportRun.objects.latest())
    assert summary.left_alone == [(release, "changed since the import")]
    assert Release.objects.get().body == "An editor's later fix."
    with pytest.raises(UndoError, match="undone already"):
        undo_run(ImportRun.objects.latest())


def test_run_from_before_revisions_cannot_be_undone(run_import, write_release):
    run_import(write_release())
    Release.history.all().delete()
    with pytest.raises(UndoError, match="before revisions were kept"):
        undo_run(ImportRun.objects.get())
    assert Release.objects.count() == 1


def test_publisher_undoes_a_run_from_the_admin(
    client, publisher, editor, run_import, write_release
):
    run_import(write_release())
    run = ImportRun.objects.get()
    client.force_login(editor)
    assert client.get("/admin/releases/importrun/").status_code == 403
    client.force_login(publisher)
    undo = {"action": "undo", "_selected_action": [run.pk]}
    asked = client.post("/admin/releases/importrun/", undo)
    assert asked.status_code == 200
    assert "removes 1 release and restores 0." in asked.text
    assert Release.objects.exists(), "nothing is undone before it is confirmed"
    response = client.post("/admin/releases/importrun/", {**undo, "post": "yes"}, follow=True)
    assert "Undid Import of" in response.text
    assert "1 removed, 0 restored" in response.text
    assert not Release.objects.exists()
    again = client.post("/admin/releases/importrun/", undo)
    assert "cannot be undone:" in again.text
    assert "was undone already" in again.text


def test_undoing_a_run_needs_the_undo_permission(client, run_import, write_release):
    run_import(write_release())
    undo = {"action": "undo", "_selected_action": [ImportRun.objects.get().pk], "post": "yes"}
    client.force_login(staff_with_permissions("vera", "view_importrun", "change_importrun"))
    assert "Undo the selected import runs" not in client.get("/admin/releases/importrun/").text
    refused = client.post("/admin/releases/importrun/", undo, follow=True)
    assert "Undid" not in refused.text
    assert Release.objects.exists()
    client.force_login(staff_with_permissions("umar", "view_importrun", "undo_importrun"))
    assert "Undo the selected import runs" in client.get("/admin/releases/importrun/").text
    undone = client.post("/admin/releases/importrun/", undo, follow=True)
    assert "Undid Import of" in undone.text
    assert not Release.objects.exists()


def test_a_run_too_large_for_a_web_request_is_undone_from_the_command_line(
    client, publisher, run_import, write_release, monkeypatch
):
    monkeypatch.setattr(undoing, "WEB_UNDO_LIMIT", 1)
    for number in range(2):
        write_release(f"r{number}.md", slug=f"release-{number}", title=f"Release {number}")
    directory = write_release("r0.md", slug="release-0", title="Release 0").parent
    run_import(directory)
    run = ImportRun.objects.get()
    client.force_login(publisher)
    asked = client.post(
        "/admin/releases/importrun/", {"action": "undo", "_selected_action": [run.pk]}
    )
    assert f"undo it with “manage.py undo_import {run.pk}”" in asked.text
    out = io.StringIO()
    call_command("undo_import", str(run.pk), "--dry-run", stdout=out)
    assert "Dry run, nothing changed" in out.getvalue()
    assert Release.objects.count() == 2
    call_command("undo_import", str(run.pk), stdout=out)
    assert "2 removed, 0 restored" in out.getvalue()
    assert not Release.objects.exists()


ARCHIVE = Path(__file__).parent / "data" / "archive-sample"


def test_a_word_added_to_the_longest_release_of_the_archive_is_all_the_diff_shows():
    """Compared whole, such a body held an editor's save past the worker's timeout."""
    longest = max(
        (path for path in ARCHIVE.rglob("*.md") if path.name != "README.md"),
        key=lambda path: path.stat().st_size,
    )
    body = longest.read_text().rstrip()
    assert word_diff(body, f"{body} RACE") == [
        Segment("same", body),
        Segment("added", " RACE"),
    ]
