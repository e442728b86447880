"""What a reader may be served after a change: the copy from just before it, for a few
seconds at most, rendered again by one request once it is half that old; staff see the
change at once."""

import json
import math
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from releases.caching import backends, pages, version
from releases.caching.freshness import VERSIONS_REMEMBERED, Versions, superseded_record
from releases.caching.pages import page_address
from releases.caching.version import read_version
from releases.models import ContentVersion
from releases.search import directory, journal
from releases.search.updating import CAUGHT_UP_IN_REQUEST, Background
from tests.own_services import free_port

pytestmark = pytest.mark.django_db


def rendering_elsewhere(path):
    """Take the lock on the page at *path*, as another request rendering it would."""
    address = page_address(RequestFactory().get(path), ())
    cache.add(f"rendering:{address}", 1, 60)


def retitle(release, title):
    release.title = title
    release.save()


def test_a_copy_younger_than_half_the_bound_is_served_without_a_render(client, make_release):
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    assert "Before the change" in page.text
    assert len(queries) == 1, "the content version alone: no render"


def test_while_another_request_renders_a_reader_gets_the_copy_from_before_at_once(
    client, make_release, later
):
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    later()
    rendering_elsewhere(path)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    assert "Before the change" in page.text
    assert len(queries) == 1, "the content version alone: no render, no session looked up"


def test_while_the_server_renders_another_page_a_due_copy_waits_its_turn_until_overdue(
    client, make_release, settings
):
    settings.BRIEFING_STALE_SECONDS = 5
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    cache.add(pages.EARLY_RENDER, 1, 60)  # another page rendering early on this server
    with time_machine.travel(time.time() + 3):  # due (2.5 s old), not overdue (3.75 s behind)
        assert "Before the change" in client.get(path).text
    with time_machine.travel(time.time() + 4):
        assert "After the change" in client.get(path).text


def test_once_the_copy_is_half_the_bound_old_a_reader_renders_the_change(
    client, make_release, later
):
    release = make_release(title="Before the change")
    client.get(release.get_absolute_url())
    retitle(release, "After the change")
    later()
    assert "After the change" in client.get(release.get_absolute_url()).text


def searched_with_the_index_behind(client, make_release, later, path, meanwhile=None):
    """Keep the search at *path*, then save a release it finds and append more journal
    entries than a search takes in itself, and call *meanwhile*; return the search
    asked while the index, whose writer lock is held, cannot catch up, and the same
    search asked again."""
    assert "Dredging Resumes" in client.get(path).text
    make_release(title="Harbour Fees Rise")
    if meanwhile:
        meanwhile()
    journal.append(range(10**6, 10**6 + CAUGHT_UP_IN_REQUEST))  # releases never stored
    later()
    try:
        with directory.writer_lock():  # the catching up a search starts waits for it
            first = client.get(path)
            with CaptureQueriesContext(connection) as queries:
                again = client.get(path)
    finally:
        Background.finish()
    assert "Search is catching up" in first.text, "whose turn it was"
    assert "Fees Rise" not in again.text
    assert len(queries) == 1, "the content version alone: no render"
    return first, again


def test_a_search_the_index_is_behind_on_is_kept_as_the_version_it_holds_whole(
    client, make_release, later
):
    """Without this, every reader would render the search again until the index
    caught up, and wait for their own render."""
    make_release(title="Harbour Dredging Resumes")
    path = "/briefing-room/?q=harbour"
    held = read_version().token  # the version the index holds whole
    first, again = searched_with_the_index_behind(client, make_release, later, path)
    assert "Search is catching up" in again.text, "the copy kept of it"
    assert again["ETag"] == first["ETag"]
    assert first["ETag"].startswith(f'"{held}-'), "kept as the version the index holds"
    later()  # the bound past the change after it: that copy is never served again
    assert client.get(path).context is not None, "rendered, not the copy kept"


def test_a_search_further_behind_than_another_servers_copy_leaves_that_copy_standing(
    client, make_release, later
):
    make_release(title="Harbour Dredging Resumes")
    path = "/briefing-room/?q=harbour"
    client.get(path)  # this server's index holds the first version
    make_release(title="Harbour Fees Rise")
    further_on = read_version().token  # which another server's index holds
    make_release(title="Harbour Lights Relit")
    address = page_address(RequestFactory().get(path), pages.EVERY_PARAMETER)
    theirs = pages.Copy(further_on, 200, {}, b"Fees Rise, from another server", 0.0)
    cache.set(pages.page_key(address), tuple(theirs))  # due for a render
    pages.LOCAL_PAGES.clear()
    journal.append(range(10**6, 10**6 + CAUGHT_UP_IN_REQUEST))  # releases never stored
    try:
        with directory.writer_lock():  # this server's index cannot catch up
            page = client.get(path)
    finally:
        Background.finish()
    assert page.content == theirs.content
    kept = pages.shared_copy(address)
    assert (kept.version, kept.content) == (further_on, theirs.content)
    assert time.time() - kept.rendered_at < 60, "as rendered now: not due again at once"


def test_a_search_behind_every_version_remembered_leaves_the_copy_from_before_standing(
    client, make_release, later
):
    """A record kept before versions held their journal entries names none the
    index holds: the answer is not kept, and the copy from before stands another
    half bound."""
    make_release(title="Harbour Dredging Resumes")
    path = "/briefing-room/?q=harbour"

    def forget_journal_entries():
        times = read_version().superseded  # {token: when}, as a record kept before
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE releases_contentversion SET superseded = %s", [json.dumps(times)]
            )

    first, again = searched_with_the_index_behind(
        client, make_release, later, path, forget_journal_entries
    )
    assert first["Cache-Control"] == "no-store"
    assert "Search is catching up" not in again.text, "the copy from before"
    later()  # the bound past the change: the copy from before is never served again
    assert client.get(path).context is not None, "rendered, not the copy from before"


def test_a_copy_further_behind_than_the_bound_is_never_served(
    client, make_release, settings, monkeypatch
):
    settings.BRIEFING_STALE_SECONDS = 5
    monkeypatch.setattr(pages, "RENDER_WAIT_SECONDS", 0.1)
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    rendering_elsewhere(path)
    with time_machine.travel(time.time() + 6):
        assert "After the change" in client.get(path).text


def test_a_copy_past_the_bound_is_never_served_however_recent_its_render(
    client, make_release, settings, monkeypatch
):
    """A server whose clock runs ahead labels its copies as rendered later than they were:
    the bound, counted from the change, still holds."""
    settings.BRIEFING_STALE_SECONDS = 5
    monkeypatch.setattr(pages, "RENDER_WAIT_SECONDS", 0.1)
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    with time_machine.travel(time.time() + 60):
        client.get(path)
    retitle(release, "After the change")
    rendering_elsewhere(path)
    with time_machine.travel(time.time() + 6):
        assert "After the change" in client.get(path).text


def test_after_a_quiet_spell_the_first_reader_renders_a_change(client, make_release, later):
    """A copy rendered long before the change is due at once: a lone save shows to the
    first reader after it, as before there was a bound."""
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    later()
    retitle(release, "After the change")
    assert "After the change" in client.get(path).text


def test_the_staff_member_who_saved_sees_the_change_at_once(client, publisher, make_release):
    """However young the readers' copy, and while another request renders the page."""
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    rendering_elsewhere(path)
    staff = client.__class__()
    staff.force_login(publisher)
    assert "After the change" in staff.get(path).text
    # Their render is kept for everyone.
    assert "After the change" in client.get(path).text


def test_a_copy_kept_before_copies_carried_their_render_time_counts_as_rendered_long_ago(
    client, make_release
):
    """Copies a server kept before an upgrade are read, not a 500: of the current version
    they are served, and of a version gone by they are due for a render at once."""
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    key = pages.page_key(page_address(RequestFactory().get(path), ()))
    version, status, headers, content, _ = cache.get(key)
    cache.set(key, (version, status, headers, content))
    pages.LOCAL_PAGES.clear()
    assert "Before the change" in client.get(path).text
    retitle(release, "After the change")
    pages.LOCAL_PAGES.clear()
    cache.set(key, (version, status, headers, content))
    assert "After the change" in client.get(path).text


def test_a_304_answers_only_for_the_copy_served(client, make_release, later):
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    before = client.get(path)["ETag"]
    retitle(release, "After the change")
    later()
    rendering_elsewhere(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=before).status_code == 304
    assert client.get(path)["ETag"] == before

    cache.clear()  # the render elsewhere ended, and kept nothing
    after = client.get(path, HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before
    assert "After the change" in after.text


def test_each_change_remembers_when_the_version_it_replaced_went(make_release):
    old, held = read_version().token, journal.head()
    make_release()
    row = read_version()
    assert row.token != old
    assert abs(row.superseded[old] - time.time()) < 60
    assert row.heads[old] == held < journal.head(), "the journal up to the change, not its entry"


def test_a_version_is_servable_for_the_bound_after_it_was_superseded(settings):
    settings.BRIEFING_STALE_SECONDS = 5
    versions = Versions("new", {"old": time.time() - 4, "older": time.time() - 6})
    assert versions.servable("new")
    assert versions.servable("old")
    assert not versions.servable("older")
    assert not versions.servable("forgotten")


def test_the_record_keeps_only_versions_still_servable_and_the_most_recent(settings):
    settings.BRIEFING_STALE_SECONDS = 5
    now = time.time()
    gone = json.dumps({"gone": now - 6, "heads": {"gone": 1}})
    assert json.loads(superseded_record(gone, "old", now, 2)) == {"old": now, "heads": {"old": 2}}
    many = {f"v{number}": now - 1 + number / 1000 for number in range(100)}
    record = json.loads(superseded_record(json.dumps(many), "old", now))
    assert len(record) == VERSIONS_REMEMBERED + 1, "and the heads"
    assert "old" in record


def test_an_index_up_to_an_entry_holds_the_newest_version_served_that_it_holds_whole(
    settings,
):
    settings.BRIEFING_STALE_SECONDS = 5
    now = time.time()
    superseded = {"old": now - 1, "older": now - 2, "gone": now - 6}
    versions = Versions("new", superseded, {"old": 20, "older": 10, "gone": 5})
    assert versions.held_whole_at(25) == "old"
    assert versions.held_whole_at(20) == "old"
    assert versions.held_whole_at(19) == "older"
    assert versions.held_whole_at(9) is None, "behind every version that may be served"


def test_a_record_kept_before_journal_entries_were_reads_as_times_alone():
    now = time.time()
    record = json.loads(superseded_record(json.dumps({"earlier": now - 1}), "old", now, 7))
    assert record == {"earlier": now - 1, "old": now, "heads": {"old": 7}}


def test_a_server_on_the_code_before_reads_each_version_of_the_record_as_its_time(make_release):
    """Servers are upgraded one at a time: those before read {token: time}."""
    make_release()
    first = ContentVersion.objects.get()
    make_release()
    stored = ContentVersion.objects.get().superseded
    times = {key: when for key, when in json.loads(stored).items() if key != "heads"}
    # The content version and the listing version the second save replaced.
    assert {first.token, first.listing.split()[0]} <= times.keys()
    assert all(isinstance(when, float) for when in times.values())


def test_a_damaged_entry_of_the_record_is_left_out():
    now = time.time()
    damaged = {
        "a boolean": True,
        "a string": "then",
        "for ever": 1e400,
        "past a float": 10**400,
        "not a number": math.nan,
        "a year ahead": now + 365 * 86400,
        "a head that is not a number": now,
        "a head below the first": now,
        "kept": now,
        "heads": {"a head that is not a number": "1", "a head below the first": -1, "kept": 3},
    }
    record = json.loads(superseded_record(json.dumps(damaged), "", now))
    expected = {"a head that is not a number": now, "a head below the first": now, "kept": now}
    assert record == {**expected, "heads": {"kept": 3}}


def test_a_record_nested_past_the_parsers_depth_reads_as_no_record():
    nested = "[" * 5000 + "]" * 5000
    damaged = f'{{"old": {time.time()}, "heads": {{"old": {nested}}}}}'
    assert json.loads(superseded_record(damaged, "new", time.time())) == {
        "new": pytest.approx(time.time(), abs=60),
        "heads": {},
    }


def test_an_index_holds_whole_the_version_of_the_latest_entry_whatever_the_clocks(settings):
    settings.BRIEFING_STALE_SECONDS = 5
    now = time.time()
    # Superseded on a server whose clock runs a second behind the other's.
    versions = Versions("new", {"later": now - 2, "earlier": now - 1}, {"later": 20, "earlier": 10})
    assert versions.held_whole_at(25) == "later"


def test_a_damaged_record_serves_no_stale_copy(client, make_release, monkeypatch):
    monkeypatch.setattr(pages, "RENDER_WAIT_SECONDS", 0.1)
    release = make_release(title="Before the change")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "After the change")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE releases_contentversion SET superseded = 'not json'")
    rendering_elsewhere(path)
    assert "After the change" in client.get(path).text


def test_with_the_database_down_the_page_kept_under_an_older_version_is_served_stale(
    client, make_release, monkeypatch
):
    release = make_release(title="Kept before the outage")
    path = release.get_absolute_url()
    client.get(path)
    retitle(release, "Saved before the outage")

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(version, "read_version", unreachable)
    page = client.get(path)
    assert page.status_code == 200
    assert "Kept before the outage" in page.text
    assert page["X-Served-Stale"]
    assert client.get("/briefing-room/?q=never+asked").status_code == 503


def test_with_redis_down_a_reader_renders_a_change_once_their_copy_is_due(
    client, make_release, settings, monkeypatch, later
):
    """The cache answers as an empty one: a page's render lock is free, not taken."""
    # The outage this test finds is this test's: the tests after it use a Redis that is up.
    monkeypatch.setattr(backends, "OUTAGE", backends.Outage())
    settings.CACHES = {
        "default": {
            "BACKEND": "releases.caching.backends.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    release = make_release(title="Before the change")
    assert "Before the change" in client.get(release.get_absolute_url()).text
    retitle(release, "After the change")
    later()
    assert "After the change" in client.get(release.get_absolute_url()).text
