"""The one address of each list: its filters validated and written one way.

A list's address is what the page cache and the per-list counts are filed
under. Two addresses that ask for the same list (keys in another order,
blank or repeated fields, unknown parameters, a date written another way)
are sent to the canonical one, so that they share one cached copy and junk
parameters make no new ones. An invalid request has no canonical address:
it is answered with its errors and never cached.
"""

import datetime
import functools

from django.db.models import Model
from django.http import QueryDict

from releases.caching.pages import EVERY_PARAMETER, cached_page

# Parameters a list reads besides its filters: which page, which format.
PAGING = ("page", "cursor", "format")
# More digits than any page number of a list could have: such a "number" is refused as written.
MAX_PAGE_DIGITS = 12

# A list page, cached under its whole query: the list views redirect any
# query not written the canonical way, so only canonical queries are kept.
cached_list = functools.partial(cached_page, reads=EVERY_PARAMETER)


def canonical_query(filterset, data, *, cursor=False):
    """Return the canonical query (a QueryDict) of the list *filterset* filters *data* to.

    Call it on a valid (or unbound) filterset only. A *cursor* is kept only
    where the list reads on by one (as JSON).
    """
    query = QueryDict(mutable=True)
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    for name in filterset.form.fields:
        raw = data.get(name, "").strip()
        if raw:
            query[name] = written_once(cleaned.get(name), raw)
    for name in PAGING:
        if name == "cursor" and not cursor:
            continue
        if value := data.get(name, "").strip():
            query[name] = page_number(value) if name == "page" else value
    return query


def page_number(raw):
    """Return a page number written one way (``02``, ``+2`` or ``٢`` as ``2``); anything
    that is not a number as it is, for the paginator to refuse."""
    if len(raw) > MAX_PAGE_DIGITS:
        return raw
    try:
        return str(int(raw))  # as the paginator reads it
    except ValueError:
        return raw


def same_query(data, query):
    """Whether QueryDicts *data* and *query* hold the same values, in whatever order."""
    return sorted(data.lists()) == sorted(query.lists())


def written_once(value, raw):
    """Return the one way to write a filter's cleaned *value*, typed as *raw*."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return getattr(value, "slug", raw)
    return " ".join(raw.split())
