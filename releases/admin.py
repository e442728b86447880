"""Staff editing of releases and categories."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.html import format_html

from releases.models import Category, Release


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
