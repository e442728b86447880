"""How far behind the content a kept page may be: stale-while-revalidate's rules.

A kept copy of a page carries the content version it was rendered under.
When a change moves the version on, the copy stays true to the content as it
was until that change: it may still be served for BRIEFING_STALE_SECONDS
after it, while one request renders the new copy, so that no other reader
waits for that render. The ContentVersion row remembers when each recent
version was superseded (``superseded``, written by ``releases/changes.py``)
and is read with the current token, in the one query a request costs.

A copy of a version gone by is rendered again only once it is half the bound
old: a page changed every second (an import's batches, an editor's saves) is
then rendered every half bound rather than at every change, and its render
has the other half to finish before the copy may no longer be served. Such a
render waits its turn: a server renders one of them at a time, while its
other workers serve copies, until the copy is three quarters of the bound
behind its change; then the first reader free to render it does.

A search answered by an index still catching up shows the content of a
version gone by, or of one a little newer: the record remembers, for each
version, the last entry of the search journal it held, and such an answer is
kept as a copy of the newest version the index holds whole, served and
rendered again as any copy of that version is.

The staff member who made a change must see it at once: a signed-in staff
member is never served a copy of a version gone by.
"""

import dataclasses
import json
import math
import time

from django.conf import settings

# The versions remembered at most: a burst of saves (an admin action on many
# releases) must not make the row every request reads grow without end. A
# version forgotten sooner only makes its copies wait for a render.
VERSIONS_REMEMBERED = 32

# The share of BRIEFING_STALE_SECONDS a copy of a version gone by is served
# before a request renders it again, and the share behind its change after
# which that render no longer waits its turn (see the module's docstring).
RENDER_AGAIN_AFTER = 0.5
RENDER_AT_ONCE_AFTER = 0.75


@dataclasses.dataclass(frozen=True)
class Versions:
    """The current content version, and when each version lately gone by was superseded."""

    current: str
    superseded: dict  # token: the Unix time of the change that replaced it
    # token: the last search journal entry its content held, where recorded
    heads: dict = dataclasses.field(default_factory=dict)
    # The listing version: what lists without a search show (ContentVersion.listing).
    listing: str = ""

    def of_listing(self):
        """These Versions as a page that shows the listing alone reads them: its
        current version is the listing version."""
        return dataclasses.replace(self, current=self.listing or self.current)

    def behind(self, version):
        """Return the seconds since *version* was superseded: 0 for the current one,
        infinity for a version not remembered."""
        if version == self.current:
            return 0.0
        when = self.superseded.get(version)
        return math.inf if when is None else max(0.0, time.time() - when)

    def age_order(self, version):
        """A key that sorts versions oldest first: by the journal entry each held, which
        only grows, then by when it was superseded, which each server reads off its
        own clock; the current version last."""
        if version == self.current:
            return (math.inf, math.inf)
        return (self.heads.get(version, -1), self.superseded.get(version, -math.inf))

    def newer(self, version, other):
        """Whether *version* is newer than *other*."""
        return self.age_order(version) > self.age_order(other)

    def servable(self, version):
        """Whether a copy kept under *version* may be served to a reader now."""
        return self.behind(version) <= settings.BRIEFING_STALE_SECONDS

    def overdue(self, version):
        """Whether a copy kept under *version* is so far behind that its render must
        not wait its turn."""
        return self.behind(version) >= settings.BRIEFING_STALE_SECONDS * RENDER_AT_ONCE_AFTER

    def held_whole_at(self, position):
        """Return the newest version gone by, still servable, whose content a search
        index holding the journal up to entry *position* holds whole; or None."""
        held = [
            version
            for version, head in self.heads.items()
            if head <= position and self.servable(version)
        ]
        return max(held, key=self.age_order, default=None)


def due_for_render(rendered_at):
    """Whether a copy of a version gone by, rendered at *rendered_at* (a Unix time),
    is old enough to be rendered again rather than served as it is."""
    return time.time() - rendered_at >= settings.BRIEFING_STALE_SECONDS * RENDER_AGAIN_AFTER


# The record's key for {token: the last journal entry it held}, beside each
# token's time: a server still on the code before heads were recorded reads
# the tokens' times alone, and looks no token up by this name.
HEADS = "heads"


def read_record(text):
    """Return the record of superseded versions stored as *text* (JSON) as
    {token: (when superseded, the last journal entry it held, or None)}.

    A damaged entry is left out: it costs renders, never a stale page.
    """
    if not text:
        return {}
    try:
        stored = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
        return {}
    if not isinstance(stored, dict):
        return {}
    heads = stored.pop(HEADS, None)
    heads = heads if isinstance(heads, dict) else {}
    # A time further ahead than the bound is damage, not another server's clock:
    # its version would be served for good.
    latest = time.time() + settings.BRIEFING_STALE_SECONDS
    record = {}
    for version, value in stored.items():
        when, head = superseded_time(value, latest), heads.get(version)
        if when is not None:
            record[version] = (when, head if type(head) is int and head >= 0 else None)
    return record


def superseded_time(value, latest):
    """Return *value* as the Unix time a version was superseded, if it is one no later
    than *latest*; else None."""
    if type(value) not in (int, float):
        return None
    try:
        when = float(value)
    except OverflowError:
        return None
    return when if math.isfinite(when) and when <= latest else None


def superseded_record(text, token, now, head=None):
    """Return the record stored as *text* with *token*, which held the journal up to
    entry *head*, superseded at *now*, as JSON text: only the versions still
    servable, the most recent VERSIONS_REMEMBERED of them."""
    record = {
        version: entry
        for version, entry in read_record(text).items()
        if now - entry[0] <= settings.BRIEFING_STALE_SECONDS
    }
    if token:
        record[token] = (now, head)
    recent = sorted(record.items(), key=lambda item: item[1][0])[-VERSIONS_REMEMBERED:]
    stored = {version: when for version, (when, _) in recent}
    stored[HEADS] = {version: head for version, (_, head) in recent if head is not None}
    return json.dumps(stored, separators=(",", ":"))


def stored_listing(listing, token):
    """Return the listing version *listing* as stored beside the content version *token*."""
    return f"{listing} {token}"


def listing_of(stored, token):
    """Return the listing version stored as *stored* beside the content version *token*.

    Where the content version has moved on without it (by a server on the code
    before listing versions, whose changes leave the column as it was), or none
    is stored, the content version stands for it: every list is then rendered
    again, as on any change.
    """
    listing, _, kept_for = stored.partition(" ")
    return listing if listing and kept_for == token else token


def sees_changes_at_once(request):
    """Whether *request* is a signed-in staff member's, who must never be served a
    copy of a version gone by.

    Only a request carrying a session cookie is looked up: readers carry none,
    and cost no query for it.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)
