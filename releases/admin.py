"""Staff editing of releases and categories."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from releases.models import Category, ImportedFile, ImportRun, Redirect, Release, Subscription


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "release_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(release_count=Count("releases"))

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, category):
        return category.release_count


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "date", "modified_at", "public_page"]
    list_filter = ["category", "date"]
    list_select_related = ["category"]
    search_fields = ["title", "body"]
    date_hierarchy = "date"
    list_per_page = 50
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["extra_front_matter", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "body"]}),
        ("Dates", {"fields": ["date", "published_at", "modified_at"]}),
        (
            "Source",
            {
                "fields": ["permalink", "extra_front_matter", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        """Keep the permalink fixed once set: imports find the release by it."""
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "permalink"]

    @admin.display(description="public page")
    def public_page(self, release):
        return format_html('<a href="{}">View</a>', release.get_absolute_url())


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "release", "created_at"]
    search_fields = ["old_path", "release__title"]
    list_select_related = ["release"]
    raw_id_fields = ["release"]
    readonly_fields = ["created_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin for records that only the importer writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "started_by",
        "status",
        "created",
        "updated",
        "unchanged",
        "superseded",
        "failed",
        "file_list",
    ]
    list_filter = ["status"]
    date_hierarchy = "started_at"

    @admin.display(description="files")
    def file_list(self, run):
        url = reverse("admin:releases_importedfile_changelist")
        return format_html('<a href="{}?run__id__exact={}">Files</a>', url, run.pk)


@admin.register(ImportedFile)
class ImportedFileAdmin(ReadOnlyAdmin):
    list_display = ["path", "outcome", "reason", "release", "run"]
    list_filter = ["outcome", "run"]
    list_select_related = ["release", "run"]
    search_fields = ["path", "reason"]
    show_full_result_count = False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Readers' alerts: staff can see and remove them; readers make them."""

    list_display = ["email", "list_path", "created_at", "confirmed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "category"]
    search_fields = ["email", "query"]
    list_select_related = ["category"]
    readonly_fields = ["email", "category", "query", "created_at", "confirmed_at"]

    def has_add_permission(self, request):
        return False
