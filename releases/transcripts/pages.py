"""A transcript's turns as its release page shows them: each in a section of its own."""

from html import escape

from releases.transcripts.labels import REPORTER

# Built with str.format from escaped values, not format_html: a briefing has a
# hundred turns or more, and format_html's own escaping cost more than rendering them.
TURN = (
    '<div class="turn" id="{anchor}"><p class="speaker"><b>{label}{colon}</b>'
    '<a class="anchor" href="#{anchor}" aria-label="Link to turn {position}"></a></p>\n'
    "{said}</div>\n"
)
SPEAKER_LINK = '<a href="{page}">{label}</a>'


def turn_html(turn, speaker, said_html):
    """Return the HTML of *turn*, its *said_html* (sanitized, anchored) under its speaker.

    The speaker is a paragraph of its own, the label as printed and in bold,
    so that a screen reader says who speaks before what they said; a link to
    their page where the label resolves to a *speaker*; and the turn's own
    anchor (``#t12``) with a link to it beside the label.
    """
    label = escape(turn.label)
    if speaker is not None:
        label = SPEAKER_LINK.format(page=escape(speaker.page), label=label)
    return TURN.format(
        anchor=turn.anchor,
        label=label,
        # The archive prints a reporter's Q without one.
        colon="" if turn.label == REPORTER else ":",
        position=turn.position,
        said=said_html,
    )
