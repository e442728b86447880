"""What staff see before readers do: a release as its page will look, and two revisions compared."""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from releases import metadata, revisions


def render_preview(request, release):
    """Render *release* (saved or not) with the public page's template, for staff only."""
    context = {
        "release": release,
        "preview": True,
        **metadata.page_metadata(request, release),
        "changes": list(release.public_changes()) if release.pk else [],
    }
    response = render(request, "releases/release_detail.html", context)
    response["X-Robots-Tag"] = "noindex"
    add_never_cache_headers(response)
    return response


def invalid(request, form):
    """Say why the posted changes cannot be previewed."""
    response = render(request, "admin/releases/release/preview_invalid.html", {"form": form})
    response.status_code = 400
    return response


class RevisionChoice(forms.ModelChoiceField):
    def label_from_instance(self, revision):
        user = revision.history_user or revision.history_change_reason or "unknown"
        when = timezone.localtime(revision.history_date)
        return f"{when:%Y-%m-%d %H:%M:%S} ({revision.get_history_type_display()}, {user})"


class ComparisonForm(forms.Form):
    """Two revisions of one release, chosen by id."""

    older = RevisionChoice(queryset=None, empty_label=None)
    newer = RevisionChoice(queryset=None, empty_label=None)

    def __init__(self, data, revisions):
        super().__init__(data)
        self.fields["older"].queryset = self.fields["newer"].queryset = revisions


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
