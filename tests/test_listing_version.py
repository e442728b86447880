"""Lists without a search are kept under the listing version: an import that corrects
bodies alone leaves them current (their readers wait for no render), while the
release pages and searches it changed move on; anything a list shows or counts
moves them too."""

import pytest

from releases.caching.version import current_versions
from releases.models import ContentVersion

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
