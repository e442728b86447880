"""Permissions that mean what they say: "upload release files" and "undo import
runs" take over from "add import run" and "change import run", which the
read-only import-run admin only borrowed. Whoever held an old one (the
Publishers group made by 0011, and any group or user given it since) holds its
new one instead; Editors held neither and get neither."""

from django.db import migrations

NAMES = {
    "add_importrun": "Can add import run",
    "change_importrun": "Can change import run",
    "view_importrun": "Can view import run",
    "upload_release_files": "Can upload release files to import",
    "undo_importrun": "Can undo import runs",
}
# The admin lets whoever may change a model see it too: a holder of "change
# import run" keeps seeing the runs through "view import run".
FORWARD = {
    "add_importrun": ["upload_release_files"],
    "change_importrun": ["undo_importrun", "view_importrun"],
}
BACKWARD = {
    "upload_release_files": ["add_importrun"],
    "undo_importrun": ["change_importrun"],
}


def import_run_permission(apps, codename):
    # Permissions are made after migrations run: on a new database the new ones are not there yet.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="releases", model="importrun")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": NAMES[codename]}
    )
    return permission


def exchange(apps, replacements):
    """Give every group and user that holds a permission its replacements instead."""
    for codename, replacing in replacements.items():
        old = import_run_permission(apps, codename)
        new = [import_run_permission(apps, each) for each in replacing]
        for group in old.group_set.all():
            group.permissions.remove(old)
            group.permissions.add(*new)
        for user in old.user_set.all():
            user.user_permissions.remove(old)
            user.user_permissions.add(*new)


def grant_new_permissions(apps, schema_editor):
    exchange(apps, FORWARD)


def restore_old_permissions(apps, schema_editor):
    exchange(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0016_newest_index_holds_the_category"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importrun",
            options={
                "get_latest_by": "started_at",
                "ordering": ["-started_at", "-id"],
                "permissions": [
                    ("upload_release_files", "Can upload release files to import"),
                    ("undo_importrun", "Can undo import runs"),
                ],
            },
        ),
        migrations.RunPython(grant_new_permissions, restore_old_permissions),
    ]
