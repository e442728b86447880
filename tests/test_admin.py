"""Staff editing in the Django admin."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import capfirst

from releases.models import Category, Release
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/releases/release/"


def assert_saved(response):
    """Assert the admin accepted the form and sent staff back to the release list."""
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == CHANGELIST


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.gov", "pw")
    client.force_login(user)
    return client


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_new_editor_signs_in_once_staff_status_is_ticked_as_the_guide_says(client):
    user = get_user_model().objects.create_user("newcomer", "newcomer@example.gov", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    sign_in = {"username": "newcomer", "password": "pw"}
    refused = client.post("/admin/login/?next=/admin/", sign_in)
    assert "enter the correct username and password for a staff account" in refused.text
    user.is_staff = True
    user.save()
    assert client.post("/admin/login/?next=/admin/", sign_in).url == "/admin/"
    label = capfirst(get_user_model()._meta.get_field("is_staff").verbose_name)
    guide = Path(settings.BASE_DIR, "docs", "editors.md").read_text(encoding="utf-8")
    section = guide.split("\n## Editors and publishers\n")[1].split("\n## ")[0]
    assert f"*{label}*" in section


def test_staff_edit_shows_on_the_public_page(staff_client, make_release):
    release = make_release(title="Old title", body="Old text.")
    assert "Old text." in staff_client.get(release.get_absolute_url()).text
    url = f"/admin/releases/release/{release.pk}/change/"
    data = change_form_data(
        release, title="New title", body="New **text**.", change_note="Corrected the title."
    )
    assert_saved(staff_client.post(url, data))
    page = staff_client.get(release.get_absolute_url()).text
    assert "<h1>New title</h1>" in page
    assert '<p id="p1">New <strong>text</strong>.' in page
    assert "Old text." not in page
    assert "Corrected the title." in page


def test_changelist_searches_titles_and_bodies(staff_client, make_release):
    make_release(title="On vaccines", body="Shots in arms.")
    make_release(title="On trade", body="Tariffs and vaccines.")
    make_release(title="On roads", body="Bridges.")
    response = staff_client.get(CHANGELIST, {"q": "vaccines"})
    shown = {release.title for release in response.context["cl"].result_list}
    assert shown == {"On vaccines", "On trade"}


def test_changelist_filters_by_category_and_links_to_the_public_page(staff_client, make_release):
    briefing = make_release(title="A briefing", category="press-briefings")
    make_release(title="A statement")
    response = staff_client.get(CHANGELIST, {"category__id__exact": briefing.category_id})
    assert [r.title for r in response.context["cl"].result_list] == ["A briefing"]
    assert f'<a href="{briefing.get_absolute_url()}">View</a>' in response.text


def test_permalink_is_fixed_once_the_release_exists(staff_client, make_release):
    release = make_release()
    url = f"/admin/releases/release/{release.pk}/change/"
    permalink = release.permalink
    data = change_form_data(
        release, title="Retitled", minor_edit="on", permalink="https://example.gov/other/"
    )
    assert_saved(staff_client.post(url, data))
    release.refresh_from_db()
    assert release.title == "Retitled"
    assert release.permalink == permalink


def test_category_list_counts_releases(staff_client, make_release):
    make_release(category="press-briefings")
    make_release(category="press-briefings")
    response = staff_client.get("/admin/releases/category/")
    counts = {c.slug: c.release_count for c in response.context["cl"].result_list}
    assert counts["press-briefings"] == 2


def test_a_categorys_slug_is_fixed_once_it_has_a_release(staff_client, make_release):
    release = make_release(category="press-briefings", status=Release.Status.DRAFT)
    category = release.category
    url = f"/admin/releases/category/{category.pk}/change/"
    form = staff_client.get(url)
    assert 'name="slug"' not in form.text
    assert "it can change only while the category has no release" in form.text
    response = staff_client.post(url, {"name": "Briefings", "slug": "briefings"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.slug) == ("Briefings", "press-briefings")
    release.status = Release.Status.PUBLISHED
    release.save()
    assert staff_client.get(release.get_absolute_url()).status_code == 200
    assert staff_client.get("/briefing-room/press-briefings/").status_code == 200


def test_a_new_or_empty_categorys_slug_can_be_set(staff_client):
    assert 'name="slug"' in staff_client.get("/admin/releases/category/add/").text
    added = staff_client.post("/admin/releases/category/add/", {"name": "Notes", "slug": "notes"})
    assert added.status_code == 302
    category = Category.objects.get(slug="notes")
    url = f"/admin/releases/category/{category.pk}/change/"
    assert 'name="slug"' in staff_client.get(url).text
    assert staff_client.post(url, {"name": "Readouts", "slug": "readouts"}).status_code == 302
    category.refresh_from_db()
    assert category.slug == "readouts"


def test_changelist_search_explains_a_query_it_cannot_run(staff_client, make_release):
    make_release(title="On vaccines")
    response = staff_client.get(CHANGELIST, {"q": "x " * 150}, follow=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "200 characters" in response.text


def test_changelist_filters_by_year(staff_client, make_release):
    make_release(title="Of 2019", date=datetime.date(2019, 5, 1))
    make_release(title="Of 2021", date=datetime.date(2021, 5, 1))
    response = staff_client.get(CHANGELIST, {"year": "2019"})
    assert [release.title for release in response.context["cl"].result_list] == ["Of 2019"]
    assert ">2021</a>" in response.text
    for bad in ("nineteen", "9999", "0", "-1", "9" * 30):
        nothing = staff_client.get(CHANGELIST, {"year": bad})
        assert nothing.status_code == 200
        assert list(nothing.context["cl"].result_list) == []


def test_add_form_lists_a_new_release_on_the_press_offices_today(staff_client):
    # 02:00 on 10 March in UTC is still the evening of 9 March in New York.
    with time_machine.travel(datetime.datetime(2025, 3, 10, 2, 0, tzinfo=datetime.UTC)):
        form = staff_client.get(f"{CHANGELIST}add/").context["adminform"].form
    assert form["date"].value() == datetime.date(2025, 3, 9)


def test_only_a_release_from_another_host_says_where_it_was_first_published(
    staff_client, make_release, settings
):
    imported = make_release(title="Imported", source_hash="0" * 32)
    settings.BRIEFING_SITE_URL = "https://briefing.example.gov"
    data = {
        **change_form_data(imported, title="Written here", slug="written-here", permalink=""),
        "status": "published",
    }
    assert_saved(staff_client.post(f"{CHANGELIST}add/", data))
    written_here = Release.objects.get(slug="written-here")
    assert written_here.permalink.startswith("https://briefing.example.gov/briefing-room/")
    assert "Originally published at" not in staff_client.get(written_here.get_absolute_url()).text
    page = staff_client.get(imported.get_absolute_url()).text
    assert f'Originally published at <a href="{imported.permalink}">' in page

    settings.BRIEFING_SITE_URL = "https://briefing.whitehouse.gov"
    moved = staff_client.get(written_here.get_absolute_url()).text
    assert "Originally published at" not in moved, "the site's address changed, not its history"


def test_release_list_writes_its_dates_short_and_modified_times_in_the_press_offices_zone(
    staff_client, make_release
):
    make_release(
        date=datetime.date(2025, 3, 9),
        modified_at=datetime.datetime(2025, 3, 10, 2, 5, tzinfo=datetime.UTC),
    )
    row = re.search(r"<tr>.*?</tr>", staff_client.get(CHANGELIST).text.split("<tbody>")[1], re.S)
    assert '<td class="field-listed_on">2025-03-09</td>' in row.group(0)
    assert '<span class="nowrap">2025-03-09</span> 22:05' in row.group(0)


def test_a_date_outside_the_public_record_is_refused_with_a_reason(staff_client, make_release):
    release = make_release(title="Slip of the keyboard")
    data = change_form_data(release, date="2205-03-01")
    response = staff_client.post(f"{CHANGELIST}{release.pk}/change/", data)
    assert response.status_code == 200
    assert "outside the years a release may have (1789-2149)" in response.text
    assert Release.objects.get(pk=release.pk).date == release.date
