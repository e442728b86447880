"""Reading a list in pages: page numbers that stay fast deep into an archive, and
stable cursors that read a list newest first, to its end.

A cursor names the last release read (its date, publication time and id),
not a position: releases published meanwhile never shift what comes next,
and reading on from it costs the same at the end of an archive as at its start.
"""

import base64
import binascii
import datetime

from django.core.paginator import PageNotAnInteger, Paginator
from django.db.models import QuerySet

# More digits than any page number of a list could have.
MAX_PAGE_DIGITS = 12


class DeepPaginator(Paginator):
    """A Paginator that finds a page's ids first, then reads only those rows.

    With OFFSET, the database reads every row before the page to skip it:
    page 2,000 of a list read 40,000 rows for 20. The ids come from the
    listing index alone, so skipping costs index entries, not rows.
    *rows* reads the releases for a list of ids, as {id: release}, leaving out
    any it no longer lists (a search index behind the database). The list
    is a queryset, or an object that counts and gives a window's ids itself
    (search.engine.SearchResults). *window*, where given, reads a page's
    releases in order from its start and stop at once, ids and rows together.
    """

    def __init__(self, object_list, per_page, *, rows, window=None, **options):
        super().__init__(object_list, per_page, **options)
        self.rows = rows
        self.window = window

    def validate_number(self, number):
        # More digits than any list has pages: as written, it would be one more
        # address of a page ("0000000000002"), never redirected to its one way.
        if isinstance(number, str) and len(number) > MAX_PAGE_DIGITS:
            raise PageNotAnInteger("That page number has more digits than any list has pages")
        return super().validate_number(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.window is not None:
            return self._get_page(self.window(bottom, top), number, self)
        if isinstance(self.object_list, QuerySet):
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        else:
            ids = self.object_list.ids(bottom, top)
        # Read by id alone, and put in order here: given the list's filters
        # and order too, the database may walk a whole listing index looking
        # for these few rows instead of fetching them.
        rows = self.rows(ids)
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class CursorError(ValueError):
    """A cursor this API did not make; the message says so."""


def encode(release):
    """Return the cursor that reads on after *release*."""
    date, published_at, pk = release.sort_key()
    text = f"{date.isoformat()}|{published_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor):
    """Return (date, published_at, pk) from *cursor*, or raise CursorError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        # In UTC: a time at the edge of the calendar in another zone is past it.
        date, published_at, pk = base64.urlsafe_b64decode(padded).decode().split("|")
        published_at = datetime.datetime.fromisoformat(published_at)
        key = datetime.date.fromisoformat(date), published_at.astimezone(datetime.UTC), int(pk)
        if not 0 < key[2] < 2**63 or published_at.tzinfo is None:
            raise ValueError("out of range")
        return key
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise CursorError("Not a cursor from this API: follow the “next” link as given.") from None


def read_on(queryset, cursor, size):
    """Return (up to *size* releases after *cursor* in *queryset*, newest first; the
    cursor to read on from, or None at the end)."""
    if cursor:
        queryset = queryset.older_than(decode(cursor))
    rows = list(queryset.newest_first()[: size + 1])
    return rows[:size], encode(rows[size - 1]) if len(rows) > size else None
