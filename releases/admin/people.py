"""Staff editing of the people transcripts name: their aliases, and merging two into one.

Every save, deletion or merge re-resolves the turns of the releases it
touches (``transcripts/following.py``), so that each release, its page and
every speaker's page follow at once.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.template.response import TemplateResponse

from releases.admin.change_lists import RangeChecked
from releases.transcripts.following import (
    PeopleChanged,
    alias_keys,
    follow_people,
    merge_people,
    releases_naming,
    slugs_given_up,
)
from releases.transcripts.models import Alias, Person


class AliasInline(admin.TabularInline):
    model = Alias
    fields = ["label", "starts_at", "ends_at"]
    extra = 1


@admin.register(Person)
class PersonAdmin(RangeChecked, admin.ModelAdmin):
    list_display = ["name", "role", "slug", "turn_count"]
    search_fields = ["name", "slug", "role", "aliases__label"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(turn_count=Count("turns", distinct=True))

    @admin.display(description="turns", ordering="turn_count")
    def turn_count(self, person):
        return person.turn_count

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Add or change a person; a form posted holds the labels (``hold_labels``) from
        before its aliases are checked until its save commits."""
        with transaction.atomic():
            if request.method == "POST":
                hold_labels()
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        """Return the person to change, or None if there is none; locked, for a form
        posted, until its save commits.

        A merge of the same person at the same moment (``merge_people`` locks
        them too) then waits for the save and moves what it saved, or the save
        waits for the merge and finds no one: the admin's own message says so,
        and nothing is written, rather than the person saved back into being.
        """
        person = super().get_object(request, object_id, from_field)
        if person is None or request.method != "POST":
            return person
        # Apart from the change list's query: PostgreSQL locks no row of a GROUP BY.
        if not Person.objects.select_for_update().filter(pk=person.pk).exists():
            return None
        return person

    def save_model(self, request, obj, form, change):
        """Save the person; a slug changed leads to the new one (their old page, lists
        and alerts)."""
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            slugs_given_up({form.initial["slug"]}, obj)

    def save_related(self, request, form, formsets, change):
        """Save the aliases, then have the releases they named before or name now follow."""
        person = form.instance
        keys_before = alias_keys([person.pk])
        super().save_related(request, form, formsets, change)
        follow_people(releases_naming(keys_before | alias_keys([person.pk]), [person.pk]))

    def delete_model(self, request, obj):
        release_ids = releases_naming(people=[obj.pk])
        super().delete_model(request, obj)
        follow_people(release_ids)

    def delete_queryset(self, request, queryset):
        release_ids = releases_naming(people=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        follow_people(release_ids)

    @admin.action(permissions=["change", "delete"], description="Merge into…")
    def merge(self, request, queryset):
        """Ask which of the selected people to keep; on confirmation, merge the others
        into them."""
        people = list(queryset.order_by("name"))
        if len(people) < 2:
            self.message_user(request, "Select two or more people to merge.", messages.ERROR)
            return None
        form = MergeForm(people, request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_valid():
            return self.merge_confirmation(request, people, form)
        kept = form.cleaned_data["kept"]
        try:
            release_ids = merge_people(kept, people)
        except (PeopleChanged, IntegrityError):
            changed = "Someone else changed these people meanwhile: nothing was merged."
            self.message_user(request, f"{changed} Select them again.", messages.ERROR)
            return None
        self.message_user(
            request,
            f"Merged {len(people) - 1} into {kept}: {len(release_ids)} release(s) follow.",
            messages.SUCCESS,
        )
        return None

    def merge_confirmation(self, request, people, form):
        """The page that asks whom to keep, as Django's delete confirmation asks first."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge these people?",
            "opts": self.opts,
            "people": people,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/transcripts/person/merge_confirmation.html", context
        )


# Two publishers adding one label to two people at once would each find it
# free, and both save it: a label names one person at a time. Each person's form
# posted takes this lock before its aliases are checked, so the second waits and
# finds the first's alias. (SQLite has one writer at a time, which does the same.)
LABELS_LOCK = 0x6C6162656C73  # "labels"


def hold_labels():
    """Hold the labels of every alias until this transaction ends (see LABELS_LOCK)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LABELS_LOCK])


class MergeForm(forms.Form):
    """Which of the people selected to keep."""

    kept = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        widget=forms.RadioSelect,
        label="Keep",
        error_messages={
            "required": "Choose the person to keep.",
            "invalid_choice": "Choose one of the people selected.",
        },
    )

    def __init__(self, people, data=None):
        super().__init__(data)
        self.fields["kept"].queryset = Person.objects.filter(pk__in=[p.pk for p in people])
