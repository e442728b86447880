"""Shared fixtures: release files written to disk, and releases in the database."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.management import CommandError, call_command

from releases.caching.pages import LOCAL_PAGES
from releases.models import Category, Release

SEED = Path(settings.BASE_DIR, "fixtures", "000_134aac580d95912d.txt")
ARCHIVE_SAMPLE = Path(
    os.environ.get(
        "BRIEFING_ARCHIVE_SAMPLE", Path(settings.BASE_DIR).parent / "shared" / "archive-sample"
    )
)

RELEASE_TEMPLATE = """\
---
category: {category}
date: '{date}'
permalink: {permalink}
published_time: {date} 10:00:00-05:00
title: {title}
---
{body}"""


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages, sign-in counts and bodies cached by
    an earlier test belong to its database, which is gone."""
    cache.clear()
    LOCAL_PAGES.clear()


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Fast hashing, and static files found in place rather than collected first."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def archive_sample():
    """The real archive sample beside the checkout (set BRIEFING_ARCHIVE_SAMPLE to move it)."""
    assert ARCHIVE_SAMPLE.is_dir(), f"the archive sample is missing at {ARCHIVE_SAMPLE}"
    return ARCHIVE_SAMPLE


def release_text(
    title="Statement on the Harvest Festival",
    category="statements-releases",
    date="2021-03-04",
    slug="statement-on-the-harvest-festival",
    body="The President welcomed the *harvest*.\n",
):
    """Return the text of a release file in the archive's format."""
    year, month, day = date.split("-")
    permalink = f"https://www.whitehouse.gov/briefing-room/{category}/{year}/{month}/{day}/{slug}/"
    return RELEASE_TEMPLATE.format(
        title=title, category=category, date=date, permalink=permalink, body=body
    )


@pytest.fixture
def write_release(tmp_path):
    """Write a release file under tmp_path and return its path."""

    def write(name="release.md", content=None, **fields):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if content is not None else release_text(**fields)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return write


@pytest.fixture
def run_import(capsys):
    """Run import_release with *args*; return (exit status, stdout, stderr)."""

    def run(*args, **options):
        try:
            call_command("import_release", *map(str, args), **options)
            status = 0
        except CommandError as exc:
            status = exc.returncode
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def make_release(db):
    """Create a published release; keyword arguments override the defaults."""
    counter = iter(range(1, 1_000_000))

    def make(category="statements-releases", **fields):
        number = next(counter)
        category_obj, _ = Category.objects.get_or_create(
            slug=category, defaults={"name": Category.name_for_slug(category)}
        )
        date = fields.pop("date", datetime.date(2021, 3, 1))
        defaults = {
            "title": f"Release number {number}",
            "slug": f"release-number-{number}",
            "date": date,
            "published_at": datetime.datetime.combine(
                date, datetime.time(15, 0), tzinfo=datetime.UTC
            ),
            "permalink": f"https://www.whitehouse.gov/briefing-room/{category}/r{number}/",
            "body": f"Body of release {number}.",
            "status": Release.Status.PUBLISHED,
        }
        return Release.objects.create(category=category_obj, **{**defaults, **fields})

    return make


def change_form_data(release, **changes):
    """Return the admin change form's data for *release*, with *changes*."""
    data = {
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


def staff_member(name, group):
    """Create a staff user in *group* (Editors or Publishers)."""
    user = get_user_model().objects.create_user(name, f"{name}@example.gov", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def staff_with_permissions(name, *codenames):
    """Create a staff user in no group, holding only the releases permissions *codenames*."""
    user = get_user_model().objects.create_user(name, f"{name}@example.gov", "pw", is_staff=True)
    permissions = Permission.objects.filter(
        content_type__app_label="releases", codename__in=codenames
    )
    assert len(permissions) == len(codenames), f"no such permission among {codenames}"
    user.user_permissions.add(*permissions)
    return user


@pytest.fixture
def editor(db):
    return staff_member("edna", "Editors")


@pytest.fixture
def publisher(db):
    return staff_member("percy", "Publishers")
