"""Staff accounts and their groups: Django's own admins for them, with the site's change list."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from releases.admin.change_lists import RangeChecked

# django.contrib.auth registered its own (importing its admin above made sure of it first).
admin.site.unregister([User, Group])


@admin.register(User)
class AccountAdmin(RangeChecked, UserAdmin):
    """Django's admin for staff accounts."""


@admin.register(Group)
class StaffGroupAdmin(RangeChecked, GroupAdmin):
    """Django's admin for groups of staff (Editors, Publishers)."""
