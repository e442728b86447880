"""The staff form for a release: the rules for correcting what readers have seen."""

from django import forms
from django.db import models

from releases.models import Release

TEXT_FIELDS = {"title", "body"}


def form_field(model_field, **kwargs):
    """Return the form field for *model_field*: addresses typed without a scheme are https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class ReleaseForm(forms.ModelForm):
    """A release with, for one that readers have seen, a public change note or a minor-edit mark."""

    change_note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What this correction changes, for readers. The release's page shows "
        "“Updated <date>: <note>” and links to the words changed.",
    )
    minor_edit = forms.BooleanField(
        required=False,
        help_text="A typo or formatting fix readers need not be told of: "
        "no change note, and the updated date stays as it is.",
    )

    class Meta:
        model = Release
        fields = [
            "title",
            "slug",
            "category",
            "body",
            "status",
            "published_at",
            "withdrawal_reason",
            "date",
            "modified_at",
            "permalink",
        ]
        formfield_callback = form_field

    def __init__(self, *args, previewing=False, **kwargs):
        super().__init__(*args, **kwargs)
        # A preview shows the changes before their note is written.
        self.previewing = previewing
        # Asked of the database, not the instance: restoring a revision starts
        # from the revision's values, which may be a draft's.
        pk = self.instance.pk
        self.seen_by_readers = pk is not None and Release.objects.on_record().filter(pk=pk).exists()

    def clean(self):
        cleaned = super().clean()
        note, minor = cleaned.get("change_note", ""), cleaned.get("minor_edit")
        if self.seen_by_readers and cleaned.get("status") == Release.Status.DRAFT:
            self.add_error(
                "status", "Readers have seen this release: withdraw it rather than make it a draft."
            )
        if not self.seen_by_readers:
            if note:
                self.add_error(
                    "change_note", "Readers have not seen this release yet: it needs no note."
                )
            return cleaned
        if note and minor:
            self.add_error("minor_edit", "A minor edit has no change note: clear one of them.")
        elif self.corrects_text() and not (note or minor or self.previewing):
            self.add_error(
                "change_note",
                "Readers have seen this release: say what this correction changes, "
                "or mark the edit as minor.",
            )
        return cleaned

    def corrects_text(self):
        """Whether the title or body of a release readers have seen is changing."""
        return self.seen_by_readers and bool(TEXT_FIELDS & set(self.changed_data))

    def public_change_note(self):
        """Return the note to show readers for this save, or "" if it is not a public change."""
        return self.cleaned_data.get("change_note", "") if self.corrects_text() else ""
