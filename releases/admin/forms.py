"""The staff form for a release: the rules for correcting what readers have seen."""

from django import forms
from django.conf import settings
from django.db import models

from releases.models import Release, release_path

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
        "“Updated (the date): (this note)” and links to the words changed.",
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
        # The admin's form takes its fields from ReleaseAdmin.formfield_overrides,
        # but this class, and the subclass ModelAdmin.get_form makes of it, build
        # theirs with this callback: without it, each build warns that a URL
        # field's default scheme changes in Django 6.0.
        formfield_callback = form_field

    def __init__(self, *args, previewing=False, **kwargs):
        super().__init__(*args, **kwargs)
        # A preview shows the changes before their note is written.
        self.previewing = previewing
        if "permalink" in self.fields:
            self.fields["permalink"].required = False
            self.fields["permalink"].help_text = (
                "The release's original address; imports match on it. Leave it empty for a "
                "release first published here: it gets its address on this site."
            )
        # Asked of the database, not the instance: restoring a revision starts
        # from the revision's values, which may be a draft's.
        pk = self.instance.pk
        public = Release.objects.on_record().filter(pk=pk) if pk else Release.objects.none()
        self.public_text = public.values("title", "body").first()
        self.seen_by_readers = self.public_text is not None

    def clean(self):
        cleaned = super().clean()
        if "permalink" in self.fields and not cleaned.get("permalink"):
            cleaned["permalink"] = self.own_address(cleaned)
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

    def own_address(self, cleaned):
        """Return this site's address for the release, or "" until its parts are valid."""
        category, date, slug = (cleaned.get(name) for name in ("category", "date", "slug"))
        if not (category and date and slug):
            return ""
        return settings.BRIEFING_SITE_URL.rstrip("/") + release_path(category.slug, date, slug)

    def corrects_text(self):
        """Whether the title or body of a release readers have seen is changing."""
        return self.seen_by_readers and any(
            name in self.cleaned_data and self.cleaned_data[name] != self.public_text[name]
            for name in TEXT_FIELDS
        )

    def public_change_note(self):
        """Return the note to show readers for this save, or "" if it is not a public change."""
        return self.cleaned_data.get("change_note", "") if self.corrects_text() else ""
