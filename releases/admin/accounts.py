"""Staff accounts and their groups: Django's own admins for them, with the site's change list."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from releases.admin.change_lists import RangeChecked


class AccountAdmin(RangeChecked, UserAdmin):
    """Django's admin for staff accounts."""


class StaffGroupAdmin(RangeChecked, GroupAdmin):
    """Django's admin for groups of staff (Editors, Publishers)."""


# django.contrib.auth registered its own (importing its admin above made sure of it first).
for model, model_admin in [(User, AccountAdmin), (Group, StaffGroupAdmin)]:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
