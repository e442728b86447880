"""A release's revisions in the admin: numbered, their changes listed in the press office's
time zone, and any two of them chosen to compare word by word."""

import datetime

from django import forms
from django.utils import formats, timezone
from simple_history.template_utils import HistoricalRecordContextHelper

from releases import revisions

# Fields whose changes are too long to list: the history links to their comparison.
COMPARED_FIELDS = {"body"}


def saved_by(revision):
    """Return who saved *revision*: its editor, or the import or undo that wrote it."""
    return revision.history_user or revision.history_change_reason or "unknown"


def number_page(page):
    """Number the revisions of *page*, a page of one release's revisions newest first,
    from 1 for the first ever saved."""
    newest = page.paginator.count - page.start_index() + 1
    for offset, revision in enumerate(page):
        revision.number = newest - offset


class RevisionChanges(HistoricalRecordContextHelper):
    """What one revision changed, as its history lists it: times in the press office's
    time zone, as the rest of the admin shows them, and the body as a link to compare."""

    def context_for_delta_changes(self, delta):
        changes = super().context_for_delta_changes(delta)
        for change, model_change in zip(changes, delta.changes, strict=True):
            if model_change.field in COMPARED_FIELDS:
                change["compare"] = (delta.old_record.pk, delta.new_record.pk)
        return changes

    def prepare_delta_change_value(self, change, value):
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value))
        return super().prepare_delta_change_value(change, value)


class RevisionChoice(forms.ModelChoiceField):
    """A revision, labelled by its number, time to the second and author, so that no two
    read the same even when saved in the same second."""

    numbers = {}  # revision id: number, set by the form

    def label_from_instance(self, revision):
        number = self.numbers.get(revision.pk, "?")
        when = timezone.localtime(revision.history_date)
        return f"#{number} · {when:%Y-%m-%d %H:%M:%S} · {saved_by(revision)}"


class ComparisonForm(forms.Form):
    """Two revisions of one release, chosen by id."""

    older = RevisionChoice(queryset=None, empty_label=None)
    newer = RevisionChoice(queryset=None, empty_label=None)

    def __init__(self, data, history):
        super().__init__(data)
        oldest_first = reversed(history.values_list("pk", flat=True))
        numbers = {pk: number for number, pk in enumerate(oldest_first, start=1)}
        for field in (self.fields["older"], self.fields["newer"]):
            field.queryset, field.numbers = history, numbers


def comparison_context(request, release):
    """Return the form choosing two revisions of *release*, and their Comparison.

    With no choice made, the latest revision is compared with the one before;
    a bad choice leaves the comparison out and the form says why.
    """
    # Bodies are read only for the two revisions compared, not for every choice.
    history = release.history.select_related("history_user").defer("body")
    latest = list(history.values_list("pk", flat=True)[:2])
    defaults = {"newer": latest[0], "older": latest[-1]} if latest else {}
    form = ComparisonForm(request.GET or defaults, history)
    comparison = None
    if form.is_valid():
        comparison = revisions.compare(form.cleaned_data["older"], form.cleaned_data["newer"])
    return {"form": form, "comparison": comparison}
