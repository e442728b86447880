"""Import runs and the files they read: staff see them, upload more, and undo a run."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode

from releases.admin.change_lists import RangeChecked
from releases.admin.uploads import upload_urls
from releases.importing.undoing import UndoError, preview_undo, refuse_on_the_web, undo_run
from releases.models import ImportedFile, ImportRun


class ReadOnlyAdmin(RangeChecked, admin.ModelAdmin):
    """An admin for records that only the importer writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    # Few and narrow columns, so that the list fits a laptop's screen beside its filters.
    list_display = ["started_at", "started_by", "status", "files"]
    list_filter = ["status"]
    date_hierarchy = "started_at"
    change_list_template = "admin/releases/importrun/change_list.html"
    actions = ["undo"]
    readonly_fields = ["started_at", "finished_at", "started_by", "status", "options", "files"]

    def get_fieldsets(self, request, obj=None):
        zone = settings.TIME_ZONE
        return [
            (
                None,
                {
                    "fields": self.readonly_fields,
                    "description": f"Times are {zone} time, the press office's.",
                },
            )
        ]

    def get_urls(self):
        return [*upload_urls(self), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        # A run whose process was killed is shown for what it is: interrupted.
        ImportRun.objects.settle_abandoned()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ImportRun.objects.settle_abandoned()
        return super().change_view(request, object_id, form_url, extra_context)

    def has_upload_permission(self, request):
        """Return whether the user may upload release files to import."""
        return request.user.has_perm("releases.upload_release_files")

    def has_add_permission(self, request):
        # The add button uploads files (see add_view): who may upload may add.
        return self.has_upload_permission(request)

    def add_view(self, request, form_url="", extra_context=None):
        # A run is added by importing files, never by filling in its fields.
        return redirect("admin:releases_importrun_upload")

    @admin.display(description="files")
    def files(self, run):
        """The run's count of each outcome, each a link to those files."""
        links = [
            (files_of(run, outcome), count, outcome.value)
            for outcome in ImportedFile.Outcome
            if (count := getattr(run, outcome.value))
        ]
        return format_html_join(", ", '<a href="{}">{} {}</a>', links) or "none"

    def has_undo_permission(self, request):
        return request.user.has_perm("releases.undo_importrun")

    @admin.action(permissions=["undo"], description="Undo the selected import runs")
    def undo(self, request, queryset):
        """Show what undoing the runs would remove and restore; on confirmation, undo
        each, newest first, so that a later run's releases go before an earlier's."""
        runs = list(queryset.order_by("-started_at", "-pk"))
        if request.POST.get("post") != "yes":
            return self.undo_confirmation(request, runs)
        for run in runs:
            try:
                refuse_on_the_web(run)
                summary = undo_run(run)
            except UndoError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                continue
            self.message_user(request, f"Undid {run}: {summary}.", messages.SUCCESS)
            for release, reason in summary.left_alone:
                self.message_user(request, f"Kept “{release}”: {reason}.", messages.WARNING)

    def undo_confirmation(self, request, runs):
        """The page that asks before undoing *runs*, as Django's delete confirmation does."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Undo these import runs?",
            "opts": self.opts,
            "previews": preview_undo(runs, check=refuse_on_the_web),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/releases/importrun/undo_confirmation.html", context)


def files_of(run, outcome):
    """Return the address of the list of *run*'s files that had *outcome*."""
    query = urlencode({"run__id__exact": run.pk, "outcome__exact": outcome})
    return f"{reverse('admin:releases_importedfile_changelist')}?{query}"


@admin.register(ImportedFile)
class ImportedFileAdmin(ReadOnlyAdmin):
    list_display = ["path", "outcome", "reason", "release", "run"]
    list_filter = ["outcome", "run"]
    list_select_related = ["release", "run"]
    search_fields = ["path", "reason"]
    show_full_result_count = False
