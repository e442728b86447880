"""The list a subscription follows, in words: its category, its search, its speaker and
its dates."""

from django.http import QueryDict
from django.utils.formats import date_format

from releases.subscriptions.alerts import followed_list


def list_description(subscription):
    """Return the list *subscription* follows as (what, value) pairs a reader can read.

    A value that is not valid (a date that is not one) is given as written,
    so that the reader sees what to fix. The whole list has no pairs.
    """
    written = QueryDict(subscription.query)
    form = followed_list(subscription).filterset.form
    form.is_valid()  # cleaned_data then holds each valid field, even if another is not
    cleaned = form.cleaned_data
    lines = []
    if subscription.category is not None:
        lines.append(("Category", subscription.category.name))
    if written.get("q"):
        lines.append(("Search", f"“{written['q']}”"))
    if person := cleaned.get("speaker"):
        lines.append(("Said by" if written.get("q") else "Speaker", person.name))
    elif written.get("speaker"):
        lines.append(("Speaker", written["speaker"]))
    for name, what in (("date_after", "From"), ("date_before", "To")):
        if value := cleaned.get(name):
            lines.append((what, date_format(value, "F j, Y")))
        elif written.get(name):
            lines.append((what, written[name]))
    return lines
