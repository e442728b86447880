"""A body read into speaker turns: what a reader of a transcript sees attributed to whom."""

from pathlib import Path

import frontmatter
import pytest

from releases.transcripts.turns import transcript

ARCHIVE = Path(__file__).parent / "data" / "archive-sample"


def labels_and_texts(body):
    return [(turn.label, turn.text) for turn in transcript(body).turns]


def test_a_briefing_is_read_as_turns_after_its_place_and_time():
    body = (
        "James S. Brady Press Briefing Room\n\n1:06 P.M. EST\n\n"
        "MS. PSAKI:  Good afternoon.\n\n"
        "Q    Thank you, Jen.  On the border —\n\n"
        "MS. PSAKI:  Well, let me say this.\n\nAnd one more thing.\n\n"
        "END\n\n1:45 P.M. EST\n"
    )
    read = transcript(body)
    assert read.opening == "James S. Brady Press Briefing Room\n\n1:06 P.M. EST"
    assert labels_and_texts(body) == [
        ("MS. PSAKI", "Good afternoon."),
        ("Q", "Thank you, Jen.  On the border —"),
        ("MS. PSAKI", "Well, let me say this.\n\nAnd one more thing."),
    ]
    assert [turn.anchor for turn in read.turns] == ["t1", "t2", "t3"]
    assert read.closing == "END\n\n1:45 P.M. EST"


def test_a_label_inside_a_paragraph_is_not_a_turn():
    body = "THE PRESIDENT:  Thank you.\n\nHe said: THE PRESIDENT: no.  And he meant it.\n"
    assert labels_and_texts(body) == [
        ("THE PRESIDENT", "Thank you.\n\nHe said: THE PRESIDENT: no.  And he meant it.")
    ]


@pytest.mark.parametrize("space", ["  ", "\t", "\u00a0\u00a0", " "])
def test_a_question_is_q_and_any_space(space):
    body = f"MS. PSAKI:  Go ahead.\n\nQ{space}Is it true?\n"
    assert labels_and_texts(body)[1] == ("Q", "Is it true?")


def test_a_word_that_begins_with_q_is_not_a_question():
    body = "MS. PSAKI:  Go ahead.\n\nQuite so, she said.\n"
    assert labels_and_texts(body) == [("MS. PSAKI", "Go ahead.\n\nQuite so, she said.")]


def test_names_keep_their_apostrophes_and_hyphens():
    body = "MR. O'ROURKE:  Thanks.\n\nMS. JEAN-PIERRE:  Sure.\n\nMR. O’NEILL:  Yes.\n"
    assert [label for label, _ in labels_and_texts(body)] == [
        "MR. O'ROURKE",
        "MS. JEAN-PIERRE",
        "MR. O’NEILL",
    ]


def test_stage_directions_stay_inside_the_turn():
    body = "THE PRESIDENT:  We will. (Laughter.)\n\n(Inaudible.)\n\n(Applause.)\n\nQ  Sir?\n"
    assert labels_and_texts(body) == [
        ("THE PRESIDENT", "We will. (Laughter.)\n\n(Inaudible.)\n\n(Applause.)"),
        ("Q", "Sir?"),
    ]


def test_a_label_in_bold_is_a_label():
    body = "**VICE PRESIDENT HARRIS:** Good evening.\n\nIt is my honor.\n"
    assert labels_and_texts(body) == [("VICE PRESIDENT HARRIS", "Good evening.\n\nIt is my honor.")]


@pytest.mark.parametrize(
    "body",
    [
        "SUBJECT:  Delegation of Functions\n\nBy the authority vested in me...\n",
        "NOMINATIONS SENT TO THE SENATE:\n\nJane Doe, of Ohio, to be...\n",
        "TO THE CONGRESS OF THE UNITED STATES:\n\nI hereby report...\n",
        "WASHINGTON — The President said today: THE PRESIDENT: we act.\n",
        "JANE DOE:  A name alone, and no one else speaks.\n",
    ],
)
def test_documents_and_quotes_have_no_turns(body):
    assert transcript(body) is None


def test_no_turn_is_invented_in_the_archive_statements_and_actions():
    for path in ARCHIVE.glob("presidential-actions/**/*.md"):
        assert transcript(frontmatter.load(path).content) is None, path


def test_every_press_briefing_of_the_archive_with_labels_is_read_to_its_end():
    for path in ARCHIVE.glob("press-briefings/**/*.md"):
        body = frontmatter.load(path).content
        read = transcript(body)
        if read is None:
            continue
        said = sum(len(turn.text) for turn in read.turns)
        # Every word of the body is in the opening, a turn or the closing.
        assert said + len(read.opening) + len(read.closing) > 0.9 * len(body.strip()), path
        assert all(turn.text for turn in read.turns if turn.label != "Q"), path
