"""The staff form for a release: the rules for correcting what readers have seen."""

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from releases import revisions
from releases.models import Release, release_path

TEXT_FIELDS = {"title", "body"}


def latest_revision_id(pk):
    """Return the id of the newest revision of the release *pk*, or "" for none."""
    if pk is None:
        return ""
    latest = Release.history.filter(id=pk).order_by("-history_id").values_list("history_id")
    return next((str(row[0]) for row in latest[:1]), "")


def stale_form_message(older, newer):
    """Return the message that says what the save at *newer* changed since *older*."""
    comparison = revisions.compare(older, newer)
    context = {
        "newer": newer,
        "who": newer.history_user or newer.history_change_reason or "someone",
        "title": revisions.condensed(comparison.title) if changed(comparison.title) else [],
        "body": revisions.condensed(comparison.body),
    }
    return render_to_string("admin/releases/release/stale_form.html", context)


def changed(segments):
    return any(segment.kind != "same" for segment in segments)


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
    # The revision the form was opened at: a save on top of a later one is refused.
    opened_version = forms.CharField(required=False, widget=forms.HiddenInput)
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
        self.public_text = public.values("title", "body", "status").first()
        self.seen_by_readers = self.public_text is not None
        if not self.is_bound:
            self.initial["opened_version"] = latest_revision_id(pk)
        if "body" in self.fields:
            # A body opens and closes as written (archives start many with " \n").
            self.fields["body"].strip = False

    def clean_title(self):
        return self.as_stored("title")

    def clean_body(self):
        return self.as_stored("body")

    def clean_published_at(self):
        return self.time_as_stored("published_at")

    def clean_modified_at(self):
        return self.time_as_stored("modified_at")

    def time_as_stored(self, name):
        """Return the time *name* as posted, or as stored where the form showed it untouched.

        The form shows whole seconds, and a time stored to the microsecond (a
        draft published by the list's action) would come back changed.
        """
        posted = self.cleaned_data[name]
        stored = getattr(self.instance, name) if self.instance.pk else None
        if posted is not None and stored is not None and posted == stored.replace(microsecond=0):
            return stored
        return posted

    def as_stored(self, name):
        """Return the field *name* as posted, or as stored where it is the same text.

        Browsers post text with CRLF line endings and the form strips it: an
        untouched body would come back altered, and a release no longer
        match its file byte for byte. Edited text gets plain line endings.
        """
        posted = self.cleaned_data[name].replace("\r\n", "\n")
        stored = getattr(self.instance, name) if self.instance.pk else None
        if stored is not None and posted.strip() == stored.replace("\r\n", "\n").strip():
            return stored
        return posted

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.previewing:
            self.refuse_a_stale_form(cleaned.get("opened_version", ""))
        if "permalink" in self.fields and not cleaned.get("permalink"):
            cleaned["permalink"] = self.own_address(cleaned)
        note, minor = cleaned.get("change_note", ""), cleaned.get("minor_edit")
        if not self.seen_by_readers:
            if note:
                self.add_error(
                    "change_note", "Readers have not seen this release yet: it needs no note."
                )
            return cleaned
        self.refuse_a_bare_404(cleaned)
        if note and minor:
            self.add_error("minor_edit", "A minor edit has no change note: clear one of them.")
        elif self.corrects_text() and not (note or minor or self.previewing):
            self.add_error(
                "change_note",
                "Readers have seen this release: say what this correction changes, "
                "or mark the edit as minor.",
            )
        return cleaned

    def refuse_a_bare_404(self, cleaned):
        """Refuse what would turn a public release's address into a plain 404: a
        return to draft, or a publication time moved into the future."""
        if cleaned.get("status") == Release.Status.DRAFT:
            self.add_error(
                "status", "Readers have seen this release: withdraw it rather than make it a draft."
            )
        published_at = cleaned.get("published_at")
        if published_at is None or published_at <= timezone.now():
            return
        if self.public_text["status"] == Release.Status.WITHDRAWN:
            reason = (
                "This release's withdrawal notice is public: its time cannot move into the future."
            )
        else:
            reason = "This release is public: to take it off the site, withdraw it."
        self.add_error("published_at", reason)

    def refuse_a_stale_form(self, opened):
        """Refuse the save if the release was saved (by an editor or an import) since
        the form was opened, showing what that save changed."""
        # Locked until the save commits, so that no other save slips in between.
        if transaction.get_connection().in_atomic_block:
            list(Release.objects.select_for_update().filter(pk=self.instance.pk).values("pk"))
        latest = latest_revision_id(self.instance.pk)
        if str(latest) == opened:
            return
        revisions = Release.history.filter(id=self.instance.pk)
        older = revisions.filter(history_id=opened).first() if opened.isdigit() else None
        newer = revisions.get(history_id=latest)
        raise forms.ValidationError(stale_form_message(older, newer))

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
