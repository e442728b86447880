"""A body read as speaker turns: the paragraphs each speaker said, in order.

A transcript's paragraphs open with the speaker's label in capitals and a
colon (``MS. PSAKI:``, ``THE PRESIDENT:``), or ``Q`` for a reporter's
question; the paragraphs that follow, up to the next label, are the same
turn. What comes before the first label (a place, a time) and after the
closing ``END`` is not said by anyone. Turns are derived from the body and
never written back to it.
"""

import dataclasses
import re

# Paragraphs are separated by lines holding nothing but spaces.
PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0\u202f]*\n")
SPACE = " \t\u00a0\u202f\r\n"
# A label at the start of a paragraph, perhaps in bold: capitals, initials and
# the apostrophes and hyphens of names, then a colon and a space.
LABEL = re.compile(
    r"(?:\*\*)?(?P<label>[A-Z][A-Z0-9.'’\- ]{0,60}[A-Z.])(?:\*\*)?:(?:\*\*)?"
    r"(?:[ \t\u00a0\u202f]+|$)"
)
# A reporter's question: Q, then spaces, a tab or a colon.
QUESTION = re.compile(r"(?:\*\*)?Q(?:\*\*)?(?:[:.]?[ \t\u00a0\u202f]+|:$)")
# The transcript's closing line, perhaps with the time it ended.
END = re.compile(r"END(?:[ \t\u00a0\u202f]|$)")
# The first word of a label that names a speaker by title or role.
TITLES = frozenset({
    "MR", "MS", "MRS", "MISS", "MX", "DR", "THE", "PRESIDENT", "VICE", "SECRETARY", "AMBASSADOR",
    "SENATOR", "REPRESENTATIVE", "CONGRESSMAN", "CONGRESSWOMAN", "GOVERNOR", "LIEUTENANT",
    "MAYOR", "ADMINISTRATOR", "ACTING", "DIRECTOR", "DEPUTY", "GENERAL", "ADMIRAL", "MAJOR",
    "COLONEL", "CAPTAIN", "CHAIR", "CHAIRMAN", "CHAIRWOMAN", "COMMISSIONER", "SPEAKER", "LEADER",
    "PRIME", "CHANCELLOR", "KING", "QUEEN", "PRINCE", "PRINCESS", "JUSTICE", "JUDGE", "ATTORNEY",
    "SURGEON", "REVEREND", "REV", "FATHER", "SISTER", "RABBI", "BISHOP", "PASTOR", "SENIOR",
    "MODERATOR", "OPERATOR", "PARTICIPANT", "PARTICIPANTS", "AIDE", "AUDIENCE", "REPORTER",
    "REPORTERS", "STAFF", "OFFICIAL", "INTERPRETER", "NARRATOR", "HOST", "CROWD", "STUDENT",
    "PRESS", "FIRST", "SECOND", "MADAM", "DELEGATE", "CHIEF",
})  # fmt: skip
# Words of a document's headings and memo fields, never of a speaker's label.
NOT_SPEAKERS = frozenset({
    "SUBJECT", "FROM", "TO", "RE", "CC", "DATE", "NOTE", "NOTES", "MEMORANDUM", "SENT",
    "CONGRESS", "WITHDRAWAL", "WITHDRAWALS", "NOMINATION", "NOMINATIONS", "FURTHER",
    "INFORMATION", "CONTACT", "ATTACHMENT", "ATTACHMENTS", "WHEREAS", "BACKGROUND", "SUMMARY",
    "UPDATE", "UPDATED", "EMBARGOED", "RELEASE", "FACT", "SHEET", "WHAT", "WHY", "HOW", "WHO",
    "WHEN", "WHERE", "AGENDA", "TOPLINE", "TOPLINES", "KEY",
})  # fmt: skip
# A label of a name alone is a speaker only in a transcript, and is this short.
NAME_WORDS = 4


@dataclasses.dataclass(frozen=True)
class Turn:
    """What one speaker said at one point: their label as printed, and their Markdown."""

    position: int
    label: str
    text: str

    @property
    def anchor(self):
        """The fragment that links to this turn, the same for the same text."""
        return f"t{self.position}"


@dataclasses.dataclass(frozen=True)
class Transcript:
    """A body read as turns, with what no one said before and after them."""

    opening: str
    turns: tuple
    closing: str


def transcript(body, *, spoken=None):
    """Return *body* (Markdown) read as a Transcript, or None if no one speaks in it.

    *spoken*, for the start of a longer body, says whether someone speaks in
    that body (``speaks_in``): the start is then read as the whole body is,
    since a name alone is a label only in a body that has a titled one.
    """
    paragraphs = paragraphs_of(body)
    labels = [speaker_label(paragraph) for paragraph in paragraphs]
    if spoken is None:
        spoken = any(label and label.titled for label in labels)
    if not spoken:
        # Names alone, or no labels at all: a statement that quotes, not a transcript.
        return None
    opening, turns, closing = [], [], []
    for paragraph, label in zip(paragraphs, labels, strict=True):
        if closing or (turns and END.match(paragraph)):
            closing.append(paragraph)
        elif label:
            text = paragraph[label.length :].strip(SPACE)
            turns.append([label.text, [text] if text else []])
        elif turns:
            turns[-1][1].append(paragraph)
        else:
            opening.append(paragraph)
    return Transcript(
        opening="\n\n".join(opening),
        turns=tuple(
            Turn(position, label, "\n\n".join(texts))
            for position, (label, texts) in enumerate(turns, start=1)
        ),
        closing="\n\n".join(closing),
    )


def speaks_in(body):
    """Whether someone speaks in *body* (Markdown): a paragraph opens with a titled label."""
    return any(
        (label := speaker_label(paragraph)) and label.titled for paragraph in paragraphs_of(body)
    )


def paragraphs_of(body):
    """Return the paragraphs of *body*, each without the spaces around it."""
    paragraphs = [paragraph.strip(SPACE) for paragraph in PARAGRAPH_BREAK.split(body)]
    return [paragraph for paragraph in paragraphs if paragraph]


@dataclasses.dataclass(frozen=True)
class Label:
    """A speaker's label found at the start of a paragraph."""

    text: str  # as printed, without bold marks
    length: int  # of the label and its colon in the paragraph
    titled: bool  # named by a title or role, not by a name alone


def speaker_label(paragraph):
    """Return the Label that opens *paragraph*, or None if it opens with none."""
    question = QUESTION.match(paragraph)
    if question:
        return Label("Q", question.end(), titled=True)
    match = LABEL.match(paragraph)
    if not match:
        return None
    text = " ".join(match["label"].split())
    words = [word.strip(".") for word in text.replace("’", "'").split()]
    if NOT_SPEAKERS.intersection(words):
        return None
    if words[0] in TITLES:
        return Label(text, match.end(), titled=True)
    if len(words) <= NAME_WORDS and all(len(word) > 1 or word.isalpha() for word in words):
        return Label(text, match.end(), titled=False)
    return None
