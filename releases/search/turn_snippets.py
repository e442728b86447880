"""Snippets of a search scoped to a speaker: the turn of theirs that matched, marked,
and the anchor that leads to it on the release's page.

The index finds the releases where that person said the words; which of their
turns said them is found here, in the page's turns alone, read in one query,
each split by the index's analyzer as its words were indexed.
"""

from django.utils.html import format_html

from releases.rendering import plain_text
from releases.search.highlights import Marker, stretch, with_marks
from releases.transcripts.models import Turn


def add_turn_snippets(releases, query, person_id):
    """Give each of *releases* ``title_html``, ``snippet_html`` (the turn of the person
    *person_id* where the matches of *query* weigh most, after its speaker's label)
    and ``snippet_anchor`` (that turn's anchor)."""
    releases = list(releases)
    if not releases:
        return
    best = best_turns(Marker.of(query), [release.pk for release in releases], person_id)
    for release in releases:
        # The title is not what they said: nothing in it is marked.
        release.title_html = with_marks(release.title, [])
        turn = best.get(release.pk)
        if turn is None:
            # A release the index found before its turns changed: no snippet.
            release.snippet_html = ""
            continue
        release.snippet_html = format_html(
            '<span class="speaker">{}:</span> {}', turn.label, stretch(turn.text, turn.spans, True)
        )
        release.snippet_anchor = turn.anchor


class MarkedTurn:
    """A turn's label, anchor and plain text, and where a search's matches are in it."""

    def __init__(self, label, position, text, spans):
        self.label = label
        self.anchor = f"t{position}"
        self.text = text
        self.spans = spans
        self.weight = sum(span[2] for span in spans)


def best_turns(marker, release_ids, person_id):
    """Return {release id: MarkedTurn} of the person's turn in each of *release_ids*
    where *marker*'s matches weigh most (the first of equals)."""
    turns = (
        Turn.objects.filter(release_id__in=release_ids, person_id=person_id)
        .order_by("release_id", "position")
        .values_list("release_id", "position", "label", "text")
    )
    best = {}
    for release_id, position, label, text in turns:
        plain = plain_text(text)
        turn = MarkedTurn(label, position, plain, marker.spans(plain))
        if turn.weight and turn.weight > getattr(best.get(release_id), "weight", 0):
            best[release_id] = turn
    return best
