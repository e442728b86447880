"""Staff editing of releases, their categories and their old addresses."""

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from releases.admin import history, previews
from releases.admin.change_lists import RangeChecked
from releases.admin.forms import ReleaseForm
from releases.caching.version import computed_once
from releases.changes import one_change
from releases.facets import counts_by
from releases.models import RENDERED_FIELDS, Category, Redirect, Release
from releases.search.compiling import Criteria
from releases.search.lookups import search_releases
from releases.search.query import SearchQueryError, parse_search


@admin.register(Category)
class CategoryAdmin(RangeChecked, admin.ModelAdmin):
    list_display = ["name", "slug", "release_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(release_count=Count("releases"))

    def get_fieldsets(self, request, obj=None):
        description = (
            "The slug is part of the address of every release in the category "
            "(/briefing-room/slug/…): it can change only while the category has no release."
        )
        return [(None, {"fields": ["name", "slug"], "description": description})]

    def get_readonly_fields(self, request, obj=None):
        """Keep the slug fixed once the category has a release, draft or not: its
        releases' addresses, and its list's, would answer 404 under a new one."""
        if obj is not None and obj.releases.exists():
            return ["slug"]
        return []

    def get_prepopulated_fields(self, request, obj=None):
        # A slug shown as text is not filled in from the name.
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return self.prepopulated_fields

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, category):
        return category.release_count


class YearFilter(admin.SimpleListFilter):
    """Releases by listing year, newest first.

    In place of a date hierarchy, whose year links SQLite works out with a
    Python function called once a row, slow on a whole archive.
    """

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        # Counted once for each version of the content, not on every page.
        years = computed_once(
            "admin-release-years", "", lambda: counts_by(Release.objects.all(), "year")
        )
        return [(str(year), str(year)) for year in sorted(years, reverse=True)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            year = int(self.value())
            start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        except (ValueError, OverflowError):  # not a year, or one no date can have
            return queryset.none()
        return queryset.filter(date__gte=start, date__lt=end)


@admin.register(Release)
class ReleaseAdmin(RangeChecked, SimpleHistoryAdmin):
    form = ReleaseForm
    # Dates written short, so that at 1366 px the title keeps room for two lines.
    list_display = ["title", "category", "listed_on", "state", "modified", "public_page"]
    list_filter = ["status", "category", YearFilter, "date"]
    list_select_related = ["category"]
    search_fields = ["title", "body"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "former_permalinks",
        "extra_front_matter",
        "withdrawn_at",
        "created_at",
        "updated_at",
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish"]
    object_history_template = "admin/releases/release/object_history.html"
    object_history_list_template = "admin/releases/release/object_history_list.html"

    def get_queryset(self, request):
        # Staff see a release's Markdown; a save renders it afresh.
        return super().get_queryset(request).defer(*RENDERED_FIELDS)

    def get_search_results(self, request, queryset, search_term):
        """Search titles and bodies with the search index, as readers' searches do,
        drafts and withdrawn releases included.

        A LIKE reads every body; the index finds the matches without reading
        them, with the same syntax as the public search box.
        """
        if not search_term.strip():
            return queryset, False
        try:
            query = parse_search(search_term)
        except SearchQueryError as error:
            self.message_user(request, str(error), messages.WARNING)
            return queryset.none(), False
        return search_releases(queryset, Criteria(query, public=False)), False

    def get_fieldsets(self, request, obj=None):
        zone = settings.TIME_ZONE
        fieldsets = [
            (None, {"fields": ["title", "slug", "category", "body", "opened_version"]}),
            (
                "Publishing",
                {
                    "fields": ["status", "published_at", "withdrawal_reason", "withdrawn_at"],
                    "description": f"Times are {zone} time, the press office's. A published "
                    "release appears to readers at its publication time, to the minute.",
                },
            ),
            ("Dates", {"fields": ["date", "modified_at"]}),
            (
                "Source",
                {
                    "fields": [
                        "permalink",
                        "former_permalinks",
                        "extra_front_matter",
                        "created_at",
                        "updated_at",
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]
        if obj is not None and Release.objects.on_record().filter(pk=obj.pk).exists():
            correction = ("Correction", {"fields": ["change_note", "minor_edit"]})
            fieldsets.insert(1, correction)
        if restoring(request):
            # Restoring brings back words and dates; publishing stays as it is now.
            fieldsets = [fieldset for fieldset in fieldsets if fieldset[0] != "Publishing"]
        return fieldsets

    def get_changeform_initial_data(self, request):
        """Start a new release listed on the press office's today, so that a first save
        with the defaults succeeds."""
        return {"date": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def get_readonly_fields(self, request, obj=None):
        """Keep the permalink fixed once set, as imports find the release by it; leave
        publishing to publishers."""
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("permalink")
        if not self.has_publish_permission(request):
            fields += ["status", "withdrawal_reason"]
            if obj is not None and obj.status != Release.Status.DRAFT:
                fields.append("published_at")
        return fields

    def has_publish_permission(self, request):
        return request.user.has_perm("releases.publish_release")

    def save_model(self, request, obj, form, change):
        if change:
            stored = Release.objects.get(pk=obj.pk)
            keep_what_the_form_does_not_edit(obj, form, stored)
            if not changes_anything(obj, stored):
                # A revision that changes nothing would fill the history, move
                # "updated" and make every page render afresh.
                request.release_unchanged = True
                self.message_user(request, "Nothing had changed: no revision was recorded.")
                return
        obj.change_note = form.public_change_note()
        if obj.change_note:
            # To the second, as the form shows it: a later save that changes
            # nothing must not find the time changed.
            obj.modified_at = timezone.now().replace(microsecond=0)
        super().save_model(request, obj, form, change)

    def log_change(self, request, obj, message):
        if not getattr(request, "release_unchanged", False):
            super().log_change(request, obj, message)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # Django's own "was changed successfully" would contradict "Nothing had changed".
        if level == messages.SUCCESS and getattr(request, "release_unchanged", False):
            return
        super().message_user(request, message, level, *args, **kwargs)

    @admin.action(permissions=["publish"], description="Publish the selected drafts")
    def publish(self, request, queryset):
        """Publish the selected drafts, all or none, as one change to the content."""
        published = 0
        with transaction.atomic(using=router.db_for_write(self.model)), one_change():
            for release in queryset.filter(status=Release.Status.DRAFT):
                # A draft's time is when it was drafted: publishing it means now,
                # unless it is set for later, which schedules it.
                release.published_at = max(release.published_at, timezone.now())
                release.status = Release.Status.PUBLISHED
                release.save()
                published += 1
        self.message_user(
            request,
            f"Published {published} release(s); each appears to readers at its publication time.",
        )

    @admin.display(description="also published at")
    def former_permalinks(self, release):
        """The permalinks the release had before its current one; imports match them too."""
        urls = [former.url for former in release.former_permalinks.all()]
        return format_html_join(mark_safe("<br>"), "{}", ((url,) for url in urls)) or "—"

    @admin.display(description="status", ordering="status")
    def state(self, release):
        if release.is_scheduled():
            local = timezone.localtime(release.published_at)
            return f"Scheduled for {local:%Y-%m-%d %H:%M}"
        return release.get_status_display()

    @admin.display(description="date", ordering="date")
    def listed_on(self, release):
        return release.date.isoformat()

    @admin.display(description="modified", ordering="modified_at")
    def modified(self, release):
        if release.modified_at is None:
            return "—"
        local = timezone.localtime(release.modified_at)
        # The date whole on its line, the time below it if the column is narrow.
        return format_html(
            '<span class="nowrap">{}</span> {}', f"{local:%Y-%m-%d}", f"{local:%H:%M}"
        )

    @admin.display(description="page")
    def public_page(self, release):
        if not release.is_on_record():
            url = reverse("admin:releases_release_preview", args=[release.pk])
            return format_html('<a href="{}">Preview</a>', url)
        return format_html('<a href="{}">View</a>', release.get_absolute_url())

    def history_view(self, request, object_id, extra_context=None):
        if not object_id.isdecimal():
            raise Http404("No such release")
        context = {
            "time_zone": settings.TIME_ZONE,
            # Only publishers open a revision: opening one is the way to restore it.
            "may_restore": self.has_publish_permission(request),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        """Give each revision of the history's page its changes, and its number."""
        super().set_history_delta_changes(request, historical_records, **kwargs)
        history.number_page(historical_records)

    def get_historical_record_context_helper(self, request, historical_record):
        return history.RevisionChanges(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Show a revision to restore, to publishers: restoring brings back words readers saw."""
        if not (object_id.isdigit() and version_id.isdigit()):
            raise Http404("No such revision")
        if not self.has_publish_permission(request):
            raise PermissionDenied
        # In one transaction, as the change form is: the form locks the release it saves.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        compare = self.admin_site.admin_view(self.compare_view)
        return [
            path("preview/", preview, name="releases_release_add_preview"),
            path("<path:object_id>/preview/", preview, name="releases_release_preview"),
            path(
                "<path:object_id>/history/compare/",
                compare,
                name="releases_release_compare",
            ),
            *super().get_urls(),
        ]

    def viewable_release(self, request, object_id):
        """Return the release *object_id* if it exists and *request*'s user may see it."""
        release = self.get_object(request, object_id)
        if release is None:
            raise Http404("No such release")
        if not self.has_view_or_change_permission(request, release):
            raise PermissionDenied
        return release

    def preview_view(self, request, object_id=None):
        """Show a release, or the unsaved changes posted from its form, as readers would see it."""
        release = self.viewable_release(request, object_id) if object_id else None
        if release is None and not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form_class = self.get_form(request, release, change=release is not None)
            form = form_class(request.POST, request.FILES, instance=release, previewing=True)
            if not form.is_valid():
                return previews.invalid(request, form)
            release = form.save(commit=False)
        elif release is None:
            raise Http404("Nothing to preview")
        return previews.render_preview(request, release)

    def compare_view(self, request, object_id):
        """Show what changed in the title and body between any two revisions."""
        release = self.viewable_release(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            **history.comparison_context(request, release),
            "opts": self.opts,
            "original": release,
            "title": f"Compare revisions: {release}",
        }
        return TemplateResponse(request, "admin/releases/release/compare.html", context)


def restoring(request):
    """Whether *request* is for the form that restores a revision."""
    match = request.resolver_match
    return match is not None and match.url_name == "releases_release_simple_history"


def keep_what_the_form_does_not_edit(release, form, stored):
    """Give *release* the *stored* values of every field its form leaves out.

    A restored revision starts from all of the revision's values: without
    this, restoring would also bring back its status and publication time,
    which the form did not offer to change.
    """
    for field in Release._meta.concrete_fields:
        if field.name not in form.fields and not field.primary_key:
            setattr(release, field.attname, getattr(stored, field.attname))


def changes_anything(release, stored):
    """Whether saving *release* would change its *stored* row, the time of the save aside."""
    return any(
        getattr(release, field.attname) != getattr(stored, field.attname)
        for field in Release._meta.concrete_fields
        if not getattr(field, "auto_now", False)
    )


@admin.register(Redirect)
class RedirectAdmin(RangeChecked, admin.ModelAdmin):
    list_display = ["old_path", "release", "created_at"]
    search_fields = ["old_path", "release__title"]
    list_select_related = ["release"]
    raw_id_fields = ["release"]
    readonly_fields = ["created_at"]
