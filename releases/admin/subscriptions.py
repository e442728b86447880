"""Readers' email alerts, as staff see them."""

from django.contrib import admin

from releases.admin.change_lists import RangeChecked
from releases.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(RangeChecked, admin.ModelAdmin):
    """Readers' alerts: staff can see and remove them; readers make them."""

    list_display = ["email", "list_path", "created_at", "confirmed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "category"]
    search_fields = ["email", "query"]
    list_select_related = ["category"]
    readonly_fields = ["email", "category", "query", "created_at", "confirmed_at"]

    def has_add_permission(self, request):
        return False
