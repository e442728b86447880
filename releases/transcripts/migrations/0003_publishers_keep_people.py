"""Publishers keep the people transcripts name: add, change, merge and delete people
and their aliases. Editors see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Editors": ["view_person", "view_alias"],
    "Publishers": [
        *(
            f"{action}_{model}"
            for model in ("person", "alias")
            for action in ("add", "change", "delete", "view")
        )
    ],
}


def grant(apps, schema_editor):
    # Permissions are made after migrations run; the groups need them now. The
    # migration's app registry lacks models modules, which create_permissions checks.
    app_config = apps.get_app_config("transcripts")
    stub = getattr(app_config, "models_module", None) is None
    if stub:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if stub:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="transcripts", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="transcripts", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0002_seed_people"),
        ("releases", "0011_editor_and_publisher_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
