"""Revisions of releases: what each records, how two compare, and public corrections."""

import difflib
import re
import typing

from simple_history.signals import pre_create_historical_record

from releases.models import Release
from releases.rendering import readable_text, render_body

TOKENS = re.compile(r"\s+|[^\s]+")


def connect():
    """Have every revision saved through the model record its change note."""
    pre_create_historical_record.connect(
        record_change_note, sender=Release.history.model, dispatch_uid="release-change-note"
    )


def record_change_note(sender, instance, history_instance, **kwargs):
    """Copy the note an editor gave for this save (``release.change_note``) into its revision."""
    history_instance.change_note = getattr(instance, "change_note", "")


class Segment(typing.NamedTuple):
    """A run of text in a word-level diff: kept, removed or added."""

    kind: str  # "same", "removed" or "added"
    text: str
    # Added words that would run into the removed ones shown just before them
    # ("(editor one)L."): a space is shown between the two, in neither.
    apart: bool = False


def word_diff(old, new):
    """Return the Segments that turn *old* into *new*, word by word.

    Whitespace is kept as its own token, so that the text reads as it was
    written, line breaks included.
    """
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    head, tail = common_ends(before, after)
    segments = [Segment("same", "".join(before[:head]))] if head else []
    # Compared without the unchanged ends: an edit is mostly in one place, and the
    # matcher's time grows with the square of a long body's repeated words (one
    # word added to a long fact sheet held a save past the worker's timeout).
    middle_before, middle_after = before[head : len(before) - tail], after[head : len(after) - tail]
    segments += changed_middle(middle_before, middle_after)
    if tail:
        segments.append(Segment("same", "".join(before[len(before) - tail :])))
    return segments


def common_ends(before, after):
    """Return how many tokens *before* and *after* share at their start, and then at their end."""
    most = min(len(before), len(after))
    head = 0
    while head < most and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < most - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, tail


def changed_middle(before, after):
    """Return the Segments that turn the tokens *before* into *after*."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    segments = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            segments.append(Segment("same", "".join(before[i1:i2])))
            continue
        removed, added = "".join(before[i1:i2]), "".join(after[j1:j2])
        if removed:
            segments.append(Segment("removed", removed))
        if added:
            touching = bool(removed) and not (removed[-1].isspace() or added[0].isspace())
            segments.append(Segment("added", added, apart=touching))
    return segments


def condensed(segments, context=12):
    """Return *segments* with long unchanged runs cut to *context* words either side
    of a change, for a summary of what changed."""
    shown = []
    for index, segment in enumerate(segments):
        if segment.kind != "same":
            shown.append(segment)
            continue
        words = TOKENS.findall(segment.text)
        keep = 2 * context  # words and the spaces between them
        if len(words) <= 2 * keep:
            shown.append(segment)
            continue
        head = "".join(words[:keep]) if index > 0 else ""
        tail = "".join(words[-keep:]) if index < len(segments) - 1 else ""
        shown.append(Segment("same", f"{head} … {tail}".strip()))
    return shown


class Comparison(typing.NamedTuple):
    """What changed between two revisions of a release."""

    older: object
    newer: object
    title: list
    body: list

    @property
    def changed(self):
        return any(segment.kind != "same" for segment in [*self.title, *self.body])


def compare(older, newer):
    """Return the Comparison of two revisions of one release (*older* may be None).

    Bodies are compared as readers read them, rendered: the words of the page,
    not the Markdown's marks (``**``, a list item's ``-``).
    """
    old_title = older.title if older else ""
    old_text = read(older.body) if older else ""
    return Comparison(
        older, newer, word_diff(old_title, newer.title), word_diff(old_text, read(newer.body))
    )


def read(body):
    """Return the text readers read in the Markdown *body*."""
    return readable_text(render_body(body))
