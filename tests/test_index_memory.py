"""The pages of the search index's files that writing it reads are given back while it
is written, and what searches find is the same."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from releases.caching.pages import LOCAL_PAGES
from releases.search import directory, freed_memory, updating
from releases.search.updating import Background

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"
CROPS = ["sorghum", "barley", "millet", "quinoa", "spelt", "teff", "rye", "oats"]


def mapped_kb(under):
    """Return the KB of the index's files under *under* this process holds in memory."""
    prefix = str(Path(under).resolve())
    total, counting = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and not fields[0].endswith(":"):
            counting = len(fields) == 6 and fields[5].startswith(prefix)
        elif counting and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def found(client, q):
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    return [release.title for release in response.context["release_list"]]


def crop_reports(make_release):
    for number, crop in enumerate(CROPS * 2):
        make_release(
            title=f"Report {number} on {crop}",
            body=f"The harvest of {crop} rose in the spring, and the harvest fell later.",
            slug=f"report-{number}",
        )


def searches(client):
    """Return what each search finds, searched again: not a page kept from before."""
    cache.clear()
    LOCAL_PAGES.clear()
    return {q: sorted(found(client, q)) for q in [*CROPS, "harvest", '"harvest fell"']}


def test_paging_out_takes_the_index_pages_out_of_the_process_and_searches_find_the_same(
    client, make_release
):
    crop_reports(make_release)
    before = searches(client)
    Background.finish()
    held = mapped_kb(directory.root())
    freed_memory.page_out(directory.root())
    # The kernel's paging out is best effort: a page it cannot take at that
    # moment (on a list of another CPU's, say) stays, and was seen to, once.
    assert mapped_kb(directory.root()) <= held // 4, held
    assert searches(client) == before
    assert len(before["harvest"]) == 2 * len(CROPS)


def test_merges_paged_out_as_they_read_find_every_release(client, make_release, monkeypatch):
    found(client, "harvest")
    Background.finish()
    monkeypatch.setattr(updating, "CHUNK", 1)
    monkeypatch.setattr(freed_memory, "PAGE_OUT_SECONDS", 0.001)
    paged_out, mappings = [], freed_memory.index_mappings

    def recorded(under):
        found = mappings(under)
        paged_out.extend(found)
        return found

    monkeypatch.setattr(freed_memory, "index_mappings", recorded)
    make_release(title="Report on wheat", body="The harvest of wheat.", slug="wheat")
    assert found(client, "wheat") == ["Report on wheat"]
    assert not paged_out, "a search's catch-up keeps the pages the server's searches read"
    crop_reports(make_release)
    updating.catch_up(paging_out=True)  # as an import's thread does
    assert paged_out
    caught_up = searches(client)
    # One commit per release, and tantivy merged the segments they wrote.
    assert directory.opened().searcher().num_segments < 2 * len(CROPS)
    call_command("search_index", verbosity=0)
    assert searches(client) == caught_up
    assert all(len(caught_up[crop]) == 2 for crop in CROPS)
    assert len(caught_up['"harvest fell"']) == 2 * len(CROPS)
