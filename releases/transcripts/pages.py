"""A transcript's turns as its release page shows them: each in a section of its own."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from releases.transcripts.labels import REPORTER


def turn_html(turn, speaker, said_html):
    """Return the HTML of *turn*, its *said_html* (rendered, anchored) under its speaker.

    The speaker is a paragraph of its own, the label as printed and in bold,
    so that a screen reader says who speaks before what they said; a link to
    their page where the label resolves to a *speaker*; and the turn's own
    anchor (``#t12``) with a link to it beside the label.
    """
    label = turn.label
    if speaker is not None:
        label = format_html('<a href="{}">{}</a>', speaker.page, turn.label)
    return format_html(
        '<div class="turn" id="{anchor}">'
        '<p class="speaker"><b>{label}{colon}</b>'
        '<a class="anchor" href="#{anchor}" aria-label="Link to turn {position}"></a></p>\n'
        "{said}</div>\n",
        anchor=turn.anchor,
        label=label,
        # The archive prints a reporter's Q without one.
        colon="" if turn.label == REPORTER else ":",
        position=turn.position,
        # Sanitized when it was rendered, and anchored since.
        said=mark_safe(said_html),
    )
