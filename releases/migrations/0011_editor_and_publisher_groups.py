"""The two staff roles: editors draft and correct; publishers also publish,
schedule, withdraw, import and undo imports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
PUBLISHERS = "Publishers"

EDITOR_PERMISSIONS = [
    "add_release",
    "change_release",
    "view_release",
    "view_historicalrelease",
    "view_category",
    "view_redirect",
]
PUBLISHER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    "publish_release",
    "delete_release",
    "add_category",
    "change_category",
    "add_redirect",
    "change_redirect",
    "delete_redirect",
    "add_importrun",
    "change_importrun",
    "view_importrun",
    "view_importedfile",
    "view_subscription",
    "delete_subscription",
]


def create_groups(apps, schema_editor):
    # Permissions are made after migrations run; these groups need them now.
    # The migration's app registry lacks models modules, which create_permissions checks.
    app_config = apps.get_app_config("releases")
    stub = getattr(app_config, "models_module", None) is None
    if stub:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if stub:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [(EDITORS, EDITOR_PERMISSIONS), (PUBLISHERS, PUBLISHER_PERMISSIONS)]:
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="releases", codename__in=codenames
        )
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, PUBLISHERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0010_release_status_and_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
