"""Staff for the tests: members of the Editors and Publishers groups, and the data they
submit through the admin's release form."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from releases.admin.forms import latest_revision_id


def staff_member(name, group):
    """Create a staff user in *group* (Editors or Publishers)."""
    user = get_user_model().objects.create_user(name, f"{name}@example.gov", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def change_form_data(release, **changes):
    """Return the admin change form's data for *release*, with *changes*, as a form
    opened now posts it: at the release's latest revision."""
    data = {
        "opened_version": latest_revision_id(release.pk),
        "title": release.title,
        "slug": release.slug,
        "category": release.category_id,
        "body": release.body,
        "date": release.date.isoformat(),
        "published_at_0": release.published_at.date().isoformat(),
        "published_at_1": "10:00:00",
        "modified_at_0": "",
        "modified_at_1": "",
        "permalink": release.permalink,
        "status": release.status,
        "withdrawal_reason": release.withdrawal_reason,
    }
    return {**data, **changes}


def staff_with_permissions(name, *codenames):
    """Create a staff user in no group, holding only the releases permissions *codenames*."""
    user = get_user_model().objects.create_user(name, f"{name}@example.gov", "pw", is_staff=True)
    permissions = Permission.objects.filter(
        content_type__app_label="releases", codename__in=codenames
    )
    assert len(permissions) == len(codenames), f"no such permission among {codenames}"
    user.user_permissions.add(*permissions)
    return user
