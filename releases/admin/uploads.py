"""Importing release files from the admin: upload them, see what importing
them would do, then confirm. The views hang off ImportRunAdmin's URLs."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.generic import FormView, View

from releases.importing.archives import UploadRefused
from releases.importing.key_names import KNOWN_KEYS, key_mappings
from releases.importing.records import Outcome
from releases.importing.uploads import import_staged, stage_upload
from releases.models import StagedUpload

OUTCOME_ICONS = {
    Outcome.CREATED: "admin/img/icon-yes.svg",
    Outcome.UPDATED: "admin/img/icon-yes.svg",
    Outcome.UNCHANGED: "admin/img/icon-yes.svg",
    Outcome.SUPERSEDED: "admin/img/icon-alert.svg",
    Outcome.FAILED: "admin/img/icon-no.svg",
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files, with a MultipleFileInput, and at least one."""

    def clean(self, data, initial=None):
        clean_one = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        # With no file at all, cleaning None raises the "required" error.
        return [clean_one(file, initial) for file in files or [None]]


class KeyMapField(forms.CharField):
    """``KEY=FIELD`` entries separated by commas, as ``import_release --map`` takes
    them, cleaned to {KEY: FIELD}."""

    def clean(self, value):
        try:
            return key_mappings(super().clean(value))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Release files",
        widget=MultipleFileInput(attrs={"accept": ".md,.txt,.zip"}),
    )
    key_map = KeyMapField(
        label="Other key names",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "headline=title, url=permalink"}),
        help_text="Front-matter keys to read as the release's fields, as KEY=FIELD separated "
        f"by commas, FIELD one of {', '.join(sorted(KNOWN_KEYS))}. Today's archive's tags "
        "and source_url are read as category and permalink without it.",
    )
    drafts = forms.BooleanField(
        label="Store new releases as drafts",
        required=False,
        help_text="They wait for a publisher. Releases already on the site keep their status.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        largest = filesizeformat(settings.BRIEFING_UPLOAD_MAX_BYTES)
        self.fields["files"].help_text = (
            "Release files (.md or .txt), or one .zip of them: at most "
            f"{settings.BRIEFING_UPLOAD_MAX_FILES:,} files and {largest} in all."
        )


class ConfirmForm(forms.Form):
    """The choices made with the upload, carried to its confirmation."""

    drafts = forms.BooleanField(required=False, widget=forms.HiddenInput)
    key_map = KeyMapField(required=False, widget=forms.HiddenInput)


class UploadPermissionMixin:
    """What the upload views share: their ImportRunAdmin, which says who may
    upload, and the admin's page context."""

    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        if not self.model_admin.has_upload_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def admin_context(self, **context):
        site_context = self.model_admin.admin_site.each_context(self.request)
        return {**site_context, "opts": self.model_admin.opts, **context}


class UploadView(UploadPermissionMixin, FormView):
    """Take the files, and show what importing them would do."""

    form_class = UploadForm
    template_name = "admin/releases/importrun/upload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fieldsets = [(None, {"fields": ["files", "key_map", "drafts"]})]
        adminform = AdminForm(context["form"], fieldsets, prepopulated_fields={})
        return self.admin_context(title="Upload release files", adminform=adminform, **context)

    def form_valid(self, form):
        files, drafts, key_map = (
            form.cleaned_data[name] for name in ("files", "drafts", "key_map")
        )
        try:
            preview = stage_upload(files, self.request.user, drafts=drafts, key_map=key_map)
        except UploadRefused as refusal:
            form.add_error("files", str(refusal))
            return self.form_invalid(form)
        columns = [
            (outcome, OUTCOME_ICONS[outcome], preview.summary[outcome]) for outcome in Outcome
        ]
        context = self.admin_context(
            title=f"Import {preview.staged.name}?",
            preview=preview,
            columns=columns,
            drafts=drafts,
            confirm_form=ConfirmForm(
                initial={"drafts": drafts, "key_map": form["key_map"].value()}
            ),
        )
        return TemplateResponse(self.request, "admin/releases/importrun/preview.html", context)


class ConfirmView(UploadPermissionMixin, View):
    """Import an upload its uploader has seen the preview of."""

    http_method_names = ["post"]

    def post(self, request, pk):
        staged = get_object_or_404(StagedUpload, pk=pk, uploaded_by=request.user)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            # Only a confirmation altered since its preview, which checked the same text.
            messages.error(request, " ".join(form.errors["key_map"]))
            return redirect("admin:releases_importrun_upload")
        options = form.cleaned_data
        try:
            imported = import_staged(
                staged, request.user, drafts=options["drafts"], key_map=options["key_map"]
            )
        except UploadRefused as refusal:
            # Only if the limits were lowered since the upload was checked.
            messages.error(request, str(refusal))
            return redirect("admin:releases_importrun_upload")
        summary = imported.summary
        notify = messages.warning if summary[Outcome.FAILED] else messages.success
        notify(request, f"Imported {staged.name}: {summary}")
        files = reverse("admin:releases_importedfile_changelist")
        return redirect(f"{files}?run__id__exact={imported.run_record.pk}")


def upload_urls(model_admin):
    """Return the URL patterns of the upload views, for *model_admin*'s get_urls."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "upload/",
            wrap(UploadView.as_view(model_admin=model_admin)),
            name="releases_importrun_upload",
        ),
        path(
            "upload/<int:pk>/confirm/",
            wrap(ConfirmView.as_view(model_admin=model_admin)),
            name="releases_importrun_upload_confirm",
        ),
    ]
