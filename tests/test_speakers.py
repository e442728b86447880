"""Each turn attributed to the person its label names, as a reader of a transcript expects."""

import datetime

import pytest

from releases.importing.undoing import undo_run
from releases.models import ImportRun, Release
from releases.transcripts.models import Turn
from releases.transcripts.resolving import store_turns
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db

BRIEFING = "MS. PSAKI:  Good afternoon.\n\nQ  Thanks, Jen.\n\nPRESS SECRETARY PSAKI:  Sure.\n"
INAUGURATION_NOON = datetime.datetime(2025, 1, 20, 17, tzinfo=datetime.UTC)


def speakers(release):
    store_turns([release])
    return [
        (turn.label, turn.person.slug if turn.person else None)
        for turn in release.turns.select_related("person")
    ]


def test_one_press_secretary_under_two_labels_and_a_reporter(make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    assert speakers(release) == [
        ("MS. PSAKI", "jen-psaki"),
        ("Q", None),
        ("PRESS SECRETARY PSAKI", "jen-psaki"),
    ]


def test_the_president_changes_hands_at_noon_on_inauguration_day(make_release):
    body = "THE PRESIDENT:  Thank you.\n\nTHE VICE PRESIDENT:  And thank you.\n"
    morning = make_release(
        body=body, published_at=INAUGURATION_NOON - datetime.timedelta(minutes=1)
    )
    afternoon = make_release(body=body, published_at=INAUGURATION_NOON)
    assert speakers(morning) == [
        ("THE PRESIDENT", "joe-biden"),
        ("THE VICE PRESIDENT", "kamala-harris"),
    ]
    assert speakers(afternoon) == [
        ("THE PRESIDENT", "donald-trump"),
        ("THE VICE PRESIDENT", "jd-vance"),
    ]


def test_anonymous_roles_are_never_guessed(make_release):
    body = (
        "MODERATOR:  Welcome.\n\nSENIOR ADMINISTRATION OFFICIAL:  Thanks.\n\n"
        "AUDIENCE MEMBER:  We love you!\n\nMR. NOBODY-KNOWN:  Hello.\n"
    )
    release = make_release(category="press-briefings", body=body)
    assert [person for _, person in speakers(release)] == [None, None, None, None]


def test_turns_are_replaced_not_added_when_the_body_changes(make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    store_turns([release])
    release.body = "MS. PSAKI:  Only this.\n"
    assert speakers(release) == [("MS. PSAKI", "jen-psaki")]


def test_a_statement_has_no_turns(make_release):
    release = make_release(body="The President said today: we act.\n\nSUBJECT:  Nothing.\n")
    assert speakers(release) == []


CHANGE = "/admin/releases/release/{}/change/"
GAGGLE = "MS. PSAKI:  Hi.\n\nQ  A question.\n"
LONGER = "MS. JEAN-PIERRE:  Hello.\n\nQ  One.\n\nMS. JEAN-PIERRE:  Two.\n"


def stored_speakers(release):
    return list(Turn.objects.filter(release=release).values_list("label", "person__slug"))


def test_an_admin_edit_reads_the_new_body_into_turns(client, editor, make_release):
    release = make_release(category="press-briefings", body=GAGGLE)
    assert stored_speakers(release) == [("MS. PSAKI", "jen-psaki"), ("Q", None)]
    client.force_login(editor)
    data = change_form_data(release, body=LONGER, change_note="Fixed the speaker.")
    assert client.post(CHANGE.format(release.pk), data).status_code == 302
    assert stored_speakers(release) == [
        ("MS. JEAN-PIERRE", "karine-jean-pierre"),
        ("Q", None),
        ("MS. JEAN-PIERRE", "karine-jean-pierre"),
    ]


def test_an_import_its_changed_file_and_its_undo_keep_turns_in_step(run_import, write_release):
    path = write_release(category="press-briefings", body=GAGGLE)
    run_import(path)
    release = Release.objects.get()
    assert [label for label, _ in stored_speakers(release)] == ["MS. PSAKI", "Q"]
    write_release(category="press-briefings", body=LONGER)
    run_import(path)
    assert len(stored_speakers(release)) == 3
    undo_run(ImportRun.objects.latest())
    assert [label for label, _ in stored_speakers(release)] == ["MS. PSAKI", "Q"]


def test_deleting_a_release_deletes_its_turns(make_release):
    release = make_release(category="press-briefings", body=GAGGLE)
    release.delete()
    assert not Turn.objects.exists()


def test_the_archive_samples_briefings_are_read_into_turns_on_import(run_import, archive_sample):
    run_import(archive_sample)
    briefings = Release.objects.filter(category__slug="press-briefings")
    with_turns = briefings.filter(turns__isnull=False).distinct().count()
    assert with_turns >= 0.95 * briefings.count()
    assert not Turn.objects.filter(release__category__slug="presidential-actions").exists()
    psaki = Turn.objects.filter(person__slug="jen-psaki")
    assert psaki.count() > 1000


def stored_turns():
    rows = Turn.objects.order_by("release", "position")
    return list(rows.values_list("release", "position", "label", "key", "person", "text"))


def test_an_import_stores_the_turns_a_save_reads_from_the_same_bodies(run_import, archive_sample):
    # The import's workers read and resolve turns; a save reads them itself.
    run_import(archive_sample)
    imported = stored_turns()
    store_turns(list(Release.objects.all()))
    assert stored_turns() == imported


def test_an_imported_turn_whose_paragraphs_are_far_apart_keeps_its_text(run_import, write_release):
    body = "MS. PSAKI:  One.\n\n\n\nTwo.\n\nQ  Three.\n"
    run_import(write_release(category="press-briefings", body=body))
    assert [(label, text) for _, _, label, _, _, text in stored_turns()] == [
        ("MS. PSAKI", "One.\n\nTwo."),
        ("Q", "Three."),
    ]
