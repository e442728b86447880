"""Lists without a search are kept under the listing version: an import that corrects
bodies alone leaves them current (their readers wait for no render), while the
release pages and searches it changed move on; anything a list shows or counts
moves them too."""

import datetime

import pytest
from django.utils import timezone

from releases.caching.version import current_versions
from releases.importing.storing import BatchWriter
from releases.models import ContentVersion, Release

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"
CATEGORY = "/briefing-room/statements-releases/"
SEARCH = "/briefing-room/?q=harvest"
RELEASE = "/briefing-room/statements-releases/2021/03/04/statement-on-the-harvest-festival/"


def etags(client, *paths):
    """Return {path: the ETag a reader is given for it}."""
    return {path: client.get(path)["ETag"] for path in paths}


def still_current(client, tags):
    """Return the paths of *tags* ({path: ETag}) whose copy a reader holds is still the
    one served (ask once the copies from before a change are rendered again: until
    then they are served as they are)."""
    return {
        path
        for path, tag in tags.items()
        if client.get(path, headers={"If-None-Match": tag}).status_code == 304
    }


@pytest.fixture
def imported(client, run_import, write_release, any_cache):
    """Import one release, and return what a reader's copies of its pages are tagged."""
    assert run_import(write_release())[0] == 0
    return etags(client, LIST, CATEGORY, SEARCH, RELEASE)


def test_a_body_corrected_by_an_import_leaves_the_lists_current(
    client, run_import, write_release, imported, later
):
    body = "The President welcomed the *harvest* and the *festival*.\n"
    assert run_import(write_release(body=body))[0] == 0
    later()
    assert still_current(client, imported) == {LIST, CATEGORY}
    assert "the <em>festival</em>" in client.get(RELEASE).text


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Statement on the Harvest Fair"},
        {"date": "2021-03-05"},
        {"category": "press-briefings"},
    ],
    ids=["title", "date", "category"],
)
def test_what_a_list_shows_changed_by_an_import_moves_the_lists(
    client, run_import, write_release, imported, change, later
):
    listing = current_versions().listing
    assert run_import(write_release(**change))[0] == 0
    # The lists' copies from before may be served while the bound lasts, as any page's.
    assert current_versions().of_listing().servable(listing)
    later()
    assert still_current(client, imported) == set()


def test_a_release_created_by_an_import_moves_the_lists(
    client, run_import, write_release, imported, later
):
    other = write_release("other.md", title="Statement on the Spring Fair", slug="spring-fair")
    assert run_import(other)[0] == 0
    later()
    assert still_current(client, imported) == set()
    assert "Statement on the Spring Fair" in client.get(LIST).text


def test_a_change_by_a_server_that_does_not_keep_the_listing_moves_the_lists(
    client, imported, later
):
    """A server still on the code before the listing version changes the content
    version alone, during an upgrade: the lists move as on any change."""
    ContentVersion.objects.update(token="fromanoldserver")
    later()
    assert still_current(client, imported) == set()


def test_a_scheduled_release_going_live_before_an_import_of_bodies_reaches_the_lists(
    client, run_import, write_release, imported, make_release, later
):
    """No request came between the release's time and the import's batch: the batch is
    the change that shows it."""
    soon = timezone.now() + datetime.timedelta(seconds=4)
    make_release(title="Embargoed statement", published_at=soon, date=datetime.date(2021, 3, 5))
    later()
    assert "Embargoed statement" not in client.get(LIST).text
    later()
    assert run_import(write_release(body="The President welcomed the *harvest* again.\n"))[0] == 0
    later()
    assert "Embargoed statement" in client.get(LIST).text


def test_a_title_saved_while_an_import_stores_its_release_is_not_left_on_the_lists(
    client, run_import, write_release, imported, later, monkeypatch
):
    """An editor retitles the release between the import's reading it and its batch's
    writing it: the file's title is written over theirs, and the lists follow."""
    store = BatchWriter.store

    def store_after_an_editor(writer, writes):
        release = Release.objects.get(slug="statement-on-the-harvest-festival")
        release.title = "Retitled by an editor meanwhile"
        release.save()
        later()
        assert "Retitled by an editor meanwhile" in client.get(LIST).text
        return store(writer, writes)

    monkeypatch.setattr(BatchWriter, "store", store_after_an_editor)
    assert run_import(write_release(body="The President welcomed the *harvest* again.\n"))[0] == 0
    later()
    page = client.get(LIST).text
    assert "Statement on the Harvest Festival" in page
    assert "Retitled by an editor meanwhile" not in page
