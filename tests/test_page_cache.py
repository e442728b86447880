"""Cached public pages: fast to serve again, showing a save to the next reader when no render
is under way, revalidated by ETag."""

import concurrent.futures
import datetime
import urllib.request

import pytest
import time_machine
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from releases.caching.pages import Copy, LocalPages
from tests.staff import change_form_data

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


def test_a_page_served_again_costs_one_query(client, make_release, any_cache):
    make_release(title="Statement on rail")
    first = client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(LIST)
    assert len(queries) == 1  # the content version
    assert again.content == first.content
    assert "Statement on rail" in again.text


def test_an_admin_edit_shows_to_its_editor_at_once_and_to_readers_soon(
    client, publisher, make_release, any_cache, later
):
    release = make_release(title="Old headline")
    assert "Old headline" in client.get(LIST).text
    assert "Old headline" in client.get(release.get_absolute_url()).text
    staff = client.__class__()
    staff.force_login(publisher)
    data = change_form_data(release, title="New headline", change_note="Headline corrected.")
    assert staff.post(f"/admin/releases/release/{release.pk}/change/", data).status_code == 302
    assert "New headline" in staff.get(LIST).text
    later()
    assert "New headline" in client.get(LIST).text
    page = client.get(release.get_absolute_url()).text
    assert "New headline" in page
    assert "Headline corrected." in page


def test_an_import_shows_to_readers_soon(client, run_import, write_release, any_cache, later):
    assert "Harvest Festival" not in client.get(LIST).text
    run_import(write_release())
    later()
    assert "Harvest Festival" in client.get(LIST).text


def test_a_scheduled_release_goes_live_on_a_cached_list(client, make_release, any_cache):
    when = timezone.now() + datetime.timedelta(minutes=10)
    release = make_release(title="Embargoed readout", published_at=when)
    assert "Embargoed readout" not in client.get(LIST).text
    with time_machine.travel(when + datetime.timedelta(seconds=1), tick=False):
        assert "Embargoed readout" in client.get(LIST).text
        assert client.get(release.get_absolute_url()).status_code == 200


def test_etag_answers_not_modified_until_something_changes(client, make_release, any_cache, later):
    release = make_release(body="First.")
    response = client.get(release.get_absolute_url())
    etag = response["ETag"]
    assert response["Cache-Control"] == "public, no-cache"
    unchanged = client.get(release.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    release.body = "Second."
    release.save()
    later()
    changed = client.get(release.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Second." in changed.text


def test_streamed_csv_and_errors_are_not_cached(client, make_release):
    make_release(title="Listed")
    csv = client.get(LIST, {"format": "csv"})
    assert csv.streaming
    assert "ETag" not in csv
    assert "ETag" not in client.get("/briefing-room/statements-releases/2021/03/01/none/")


def test_local_pages_keep_the_most_recent_within_their_budget():
    pages = LocalPages(budget=12, largest=10)
    pages.put("a", page(b"first"))
    pages.put("b", page(b"second"))  # 11 bytes in all
    assert pages.get("a") == page(b"first")  # now the most recent
    pages.put("c", page(b"third"))  # over budget: the least recent goes
    assert pages.get("b") is None
    assert pages.get("a") is not None
    assert pages.get("c") is not None
    pages.put("d", page(b"more than ten bytes"))
    assert pages.get("d") is None


def test_local_pages_keep_one_copy_of_a_page_the_newest():
    pages = LocalPages(budget=12, largest=10)
    pages.put("a", page(b"old", version="v1"))
    pages.put("a", page(b"newer", version="v2"))
    pages.put("b", page(b"seven"))  # 10 bytes in all: the old copy counts no more
    assert pages.get("a") == page(b"newer", version="v2")
    assert pages.get("b") is not None


def page(content, version="v1"):
    return Copy(version, 200, {}, content)


def test_head_gets_the_headers_without_the_body(client, make_release):
    make_release(title="Headed")
    full = client.get(LIST)
    head = client.head(LIST)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == full["ETag"]
    assert head["Content-Length"] == str(len(full.content))


@pytest.mark.slow  # a live server
@pytest.mark.django_db(transaction=True)
def test_readers_arriving_together_after_a_change_cause_one_render(live_server, make_release):
    make_release(title="Just saved")
    renders = []

    def count(sender, template, **kwargs):
        if template.name == "releases/release_list.html":
            renders.append(template.name)

    template_rendered.connect(count)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def read(_):
        with opener.open(f"{live_server.url}/briefing-room/", timeout=30) as response:
            return response.status, b"Just saved" in response.read()

    try:
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(read, range(12)))
    finally:
        template_rendered.disconnect(count)
    assert answers == [(200, True)] * 12
    assert len(renders) == 1


def test_a_change_of_image_hosts_is_never_served_from_an_older_copy(
    client, make_release, settings, any_cache
):
    chart = "https://www.whitehouse.gov/wp-content/uploads/chart.png"
    release = make_release(title="Jobs report", body=f"Jobs grew.\n\n![Jobs added]({chart})")
    assert chart in client.get(release.get_absolute_url()).text

    settings.BRIEFING_IMAGE_HOSTS = ["bidenwhitehouse.archives.gov"]
    assert chart not in client.get(release.get_absolute_url()).text
