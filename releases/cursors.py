"""Stable cursors for reading a list newest first, to its end.

A cursor names the last release read (its date, publication time and id),
not a position: releases published meanwhile never shift what comes next,
and reading on from it costs the same at the end of an archive as at its start.
"""

import base64
import binascii
import datetime


class CursorError(ValueError):
    """A cursor this API did not make; the message says so."""


def encode(release):
    """Return the cursor that reads on after *release*."""
    text = f"{release.date.isoformat()}|{release.published_at.isoformat()}|{release.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor):
    """Return (date, published_at, pk) from *cursor*, or raise CursorError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        date, published_at, pk = base64.urlsafe_b64decode(padded).decode().split("|")
        return (
            datetime.date.fromisoformat(date),
            datetime.datetime.fromisoformat(published_at),
            int(pk),
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("Not a cursor from this API: follow the “next” link as given.") from None


def read_on(queryset, cursor, size):
    """Return (up to *size* releases after *cursor* in *queryset*, newest first; the
    cursor to read on from, or None at the end)."""
    if cursor:
        queryset = queryset.older_than(*decode(cursor))
    rows = list(queryset.order_by("-date", "-published_at", "-pk")[: size + 1])
    return rows[:size], encode(rows[size - 1]) if len(rows) > size else None
