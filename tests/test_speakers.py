"""Each turn attributed to the person its label names, as a reader of a transcript expects."""

import datetime

from releases.transcripts.resolving import store_turns

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
