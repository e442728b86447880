"""Search on the list pages: what a query finds, ranks and marks, and the index beside the
database following it, on SQLite and PostgreSQL alike."""

import datetime
import logging
import threading
import time

import pytest
import tantivy
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from releases.caching.version import current_version
from releases.importing.parsing import parse_release
from releases.models import Release, SearchJournalEntry
from releases.rendering import readable_text, render_body, searchable_text
from releases.search import directory, journal, schema, updating
from releases.search.compiling import Criteria
from releases.search.engine import Search
from releases.search.query import MAX_QUERY_LENGTH, SearchQueryError, parse_search
from releases.search.updating import CAUGHT_UP_IN_REQUEST, Background

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


def titles(response):
    return [release.title for release in response.context["release_list"]]


def search(client, q, status=200, **params):
    response = client.get(LIST, {"q": q, **params})
    assert response.status_code == status
    return response


@pytest.fixture
def releases(make_release):
    make_release(
        title="Statement on Migration Policy",
        body="The administration set out its approach.",
        date=datetime.date(2021, 6, 1),
    )
    make_release(
        title="Remarks on the Economy",
        body="Migration was mentioned once, in passing, among many other topics.",
        date=datetime.date(2021, 6, 20),
        category="speeches-remarks",
    )
    make_release(
        title="Fact Sheet: Climate Change",
        body="A plan on climate change and clean energy for migrants and workers.",
        date=datetime.date(2022, 1, 10),
    )
    make_release(
        title="Readout of a Call",
        body="They discussed change in the climate of trade talks.",
        date=datetime.date(2020, 2, 3),
    )


def test_a_word_finds_titles_and_bodies_and_titles_rank_first(client, releases):
    found = titles(search(client, "migration"))
    assert found == ["Statement on Migration Policy", "Remarks on the Economy"]


def test_a_search_page_is_titled_by_its_search(client, releases):
    assert "<title>“migration” · Briefing Room</title>" in search(client, "migration").text
    response = client.get("/briefing-room/speeches-remarks/2021/", {"q": "economy"})
    name = response.context["category"].name
    assert f"<title>“economy” in {name}, 2021 · Briefing Room</title>" in response.text
    assert "<title>All releases · Briefing Room</title>" in client.get(LIST).text


def test_words_are_stemmed(client, releases):
    assert "Fact Sheet: Climate Change" in titles(search(client, "migrant"))


def test_every_word_must_match(client, releases):
    assert titles(search(client, "climate energy")) == ["Fact Sheet: Climate Change"]


def test_a_quoted_phrase_must_match_in_order(client, releases):
    assert titles(search(client, '"climate change"')) == ["Fact Sheet: Climate Change"]
    assert len(titles(search(client, "climate change"))) == 2


def test_several_words_rank_a_title_holding_them_above_a_newer_body(client, make_release):
    make_release(
        title="Climate change and the economy",
        body="Remarks as delivered.",
        date=datetime.date(2019, 5, 1),
    )
    make_release(
        title="Readout of a call",
        body="They spoke of change, of the climate, and of change again.",
        date=datetime.date(2022, 5, 1),
    )
    assert titles(search(client, "climate change")) == [
        "Climate change and the economy",
        "Readout of a call",
    ]
    assert titles(search(client, "change climat*")) == [
        "Climate change and the economy",
        "Readout of a call",
    ]


def test_a_prefix_matches_every_word_it_begins(client, releases):
    found = titles(search(client, "migra*", sort="newest"))
    assert found == [
        "Fact Sheet: Climate Change",
        "Remarks on the Economy",
        "Statement on Migration Policy",
    ]


def test_search_combines_with_category_and_dates(client, releases):
    by_category = search(client, "migration", category="speeches-remarks")
    assert titles(by_category) == ["Remarks on the Economy"]
    by_date = search(client, "migra*", date_after="2021-06-10", date_before="2021-12-31")
    assert titles(by_date) == ["Remarks on the Economy"]
    category_page = client.get("/briefing-room/speeches-remarks/", {"q": "migration"})
    assert titles(category_page) == ["Remarks on the Economy"]


def test_newest_first_is_one_link_away(client, releases):
    by_relevance = search(client, "migration")
    assert 'href="?q=migration&amp;sort=newest"' in by_relevance.text
    newest = search(client, "migration", sort="newest")
    assert titles(newest) == ["Remarks on the Economy", "Statement on Migration Policy"]


def test_a_match_deep_in_a_long_release_is_marked_too(client, make_release):
    filler = "The delegation discussed the harvest and the ports. " * 200
    make_release(title="Long remarks", body=f"{filler}\n\nFinally, the lighthouse keepers.")
    make_release(title="Short remarks", body="The lighthouse keepers met.")
    make_release(title="On the lighthouse", body=f"{filler}\n\nThe end.")
    response = search(client, "lighthouse")
    snippets = {release.title: release.snippet_html for release in response.context["release_list"]}
    assert "<mark>lighthouse</mark>" in snippets["Long remarks"]
    assert "<mark>lighthouse</mark>" in snippets["Short remarks"]
    # A match in the title alone: the snippet is the body's opening.
    assert snippets["On the lighthouse"].startswith("The delegation discussed the harvest")


def test_hits_show_a_snippet_with_the_match_marked(client, releases):
    html = search(client, "passing").text
    assert "in <mark>passing</mark>, among many" in html
    assert "<mark>Migration</mark> Policy" in search(client, "migration").text


def test_snippets_and_titles_stay_text(client, make_release):
    make_release(
        title="<b>Bold</b> harvest",
        body='**Harvest** <script>alert("x")</script> [link](javascript:alert(1)) report.',
    )
    html = search(client, "harvest").text
    assert "<script>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; <mark>harvest</mark>" in html
    snippet = html.split('<p class="snippet">')[1].split("</p>")[0]
    assert "<mark>Harvest</mark>" in snippet
    assert "**" not in snippet
    assert "javascript" not in snippet


HIDDEN_WORDS_BODY = (
    "Ports reopen on Monday.\n\n"
    '<script>alert("zeppelin")</script>\n\n'
    "<style>.quokka { color: red }</style>\n\n"
    "See [the harbour plan](https://example.gov/wombat-plan)."
)


def test_a_search_finds_what_readers_see_and_not_what_the_page_leaves_out(client, make_release):
    release = make_release(title="Statement on ports", body=HIDDEN_WORDS_BODY)
    page = client.get(release.get_absolute_url()).text
    assert "harbour plan" in page
    assert "zeppelin" not in page
    assert "quokka" not in page
    for shown in ("reopen", "harbour plan"):
        assert titles(search(client, shown)) == ["Statement on ports"]
    for left_out in ("zeppelin", "quokka", "wombat", "alert"):
        assert titles(search(client, left_out)) == []


@pytest.mark.parametrize(
    "body",
    [
        HIDDEN_WORDS_BODY,
        'A [link](https://example.gov/?a>b "a title > this") and <span title="x > y">text</span>.',
        "Andr**é**s and Andr<u>é</u>s; fish &amp; chips &lt;b&gt;",
        "| Cell | Other |\n| --- | --- |\n| one | two |\n\n- item one\n- item two<br>three",
        '![a map > a plan](https://www.whitehouse.gov/map.png "The map")\n\nAfter.',
    ],
)
def test_the_index_reads_the_words_change_pages_compare(body):
    html = render_body(body)
    assert searchable_text(html).split() == readable_text(html).split()


def test_the_index_reads_the_words_change_pages_compare_in_every_sample_release(archive_sample):
    for path in sorted(archive_sample.rglob("*.md")):
        if path.name != "README.md":
            body = parse_release(path.read_bytes()).body
            html = render_body(body)
            assert searchable_text(html).split() == readable_text(html).split(), path


def previous_version_index(monkeypatch, path, release):
    """Build at *path* an index as the version before held *release*: its body's
    Markdown as written, under analyzers of that version's names."""
    with monkeypatch.context() as patched:
        patched.setattr(schema, "ANALYZER_NAME", "briefing-1")
        patched.setattr(schema, "WORDS_ANALYZER_NAME", "briefing-words-1")
        patched.setattr(schema, "PAIRS_ANALYZER_NAME", "briefing-pairs-1")
        path.mkdir(parents=True)
        index = tantivy.Index(schema.build_schema(), path=str(path))
        index.register_tokenizer("briefing-1", schema.ANALYZER)
        index.register_tokenizer("briefing-words-1", schema.words_analyzer())
        index.register_tokenizer("briefing-pairs-1", schema.pairs_analyzer())
        columns = [column.replace("rendered_text", "body") for column in schema.INDEXED_COLUMNS]
        row = Release.objects.filter(pk=release.pk).values_list(*columns).get()
        writer = index.writer()
        writer.add_document(schema.release_document(*row))
        updating.commit_and_merge(writer, journal.head())


@pytest.mark.django_db(transaction=True)
def test_an_index_of_the_version_before_is_rebuilt_and_no_longer_finds_hidden_words(
    client, make_release, search_index, monkeypatch
):
    release = make_release(title="Statement on ports", body=HIDDEN_WORDS_BODY)
    path = search_index / "generations" / "older"
    previous_version_index(monkeypatch, path, release)
    with directory.writer_lock():
        directory.swap_in(path)
    try:
        assert "Search is catching up" in search(client, "zeppelin").content.decode()
    finally:
        Background.finish()
    assert titles(search(client, "zeppelin")) == []
    assert titles(search(client, "reopen")) == ["Statement on ports"]


def test_the_index_follows_edits_and_deletions(client, make_release, later):
    release = make_release(title="Statement on rural broadband")
    assert titles(search(client, "broadband")) == ["Statement on rural broadband"]
    release.title = "Statement on rural roads"
    release.save()
    later()
    assert titles(search(client, "broadband")) == []
    assert titles(search(client, "roads")) == ["Statement on rural roads"]
    release.delete()
    later()
    assert titles(search(client, "roads")) == []


def test_the_index_follows_imports(client, run_import, write_release, later):
    path = write_release(body="A report on wheat.\n")
    run_import(path)
    assert len(titles(search(client, "wheat"))) == 1
    write_release(body="A report on barley.\n")
    run_import(path)
    later()
    assert titles(search(client, "wheat")) == []
    assert len(titles(search(client, "barley"))) == 1


def test_a_rebuild_reading_a_few_releases_at_a_time_finds_every_one(
    client, make_release, monkeypatch
):
    for number in range(5):
        make_release(title=f"Sorghum report {number}", slug=f"sorghum-{number}")
    monkeypatch.setattr(updating, "READ_ROWS", 2)
    call_command("search_index", verbosity=0)
    assert sorted(titles(search(client, "sorghum"))) == [f"Sorghum report {n}" for n in range(5)]


def test_scheduled_releases_are_not_found(client, make_release):
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    make_release(title="Embargoed statement", published_at=later)
    assert titles(search(client, "embargoed")) == []


@pytest.mark.parametrize(
    "q",
    ["the", "of the", '""', "***", "!!!", "-"],
)
def test_a_query_with_nothing_to_find_is_explained(client, make_release, q):
    make_release()
    response = search(client, q, status=400)
    assert "There is nothing to search for" in response.text
    assert titles(response) == []


def test_an_over_long_query_is_explained(client, make_release):
    make_release()
    response = search(client, "word " * MAX_QUERY_LENGTH, status=400)
    assert f"Search for at most {MAX_QUERY_LENGTH} characters" in response.text


@pytest.mark.parametrize(
    "q",
    [
        'NEAR(climate change, 2) OR "',
        "title:climate ^change",
        "climate AND NOT change | !x & y:*",
        "clim\x00ate",
        "'); DROP TABLE releases_release; --",
        "é* ü 中文 😀",
        '"unclosed phrase',
        "a" * 200,
    ],
    ids=["fts5-near", "fts5-column", "tsquery-operators", "nul", "sql", "unicode", "quote", "long"],
)
def test_any_query_gets_a_page_not_an_error(client, releases, q):
    response = client.get(LIST, {"q": q})
    # A NUL, or a prefix of one letter (y:*, é*), cannot be searched for: the page says so.
    refused = {"clim\x00ate", "climate AND NOT change | !x & y:*", "é* ü 中文 😀"}
    assert response.status_code == (400 if q in refused else 200)
    assert Release.objects.count() == 4
    assert "release" in response.text


def test_operators_are_read_as_words(client, releases):
    assert titles(search(client, "climate AND change OR x")) == []
    # "not" is too common a word to search for, not an operator.
    both = titles(search(client, "climate change"))
    assert len(both) == 2
    assert titles(search(client, "climate NOT change")) == both


def test_empty_fields_are_left_out_of_the_address(client):
    response = client.get(LIST, {"q": "", "category": "", "date_after": "2021-01-01"})
    assert response.status_code == 302
    assert response.url == f"{LIST}?date_after=2021-01-01"
    assert client.get(LIST, {"q": " ", "date_before": ""}).url == LIST


def test_search_query_count_does_not_grow_with_hits_shown(client, make_release, later):
    make_release(title="Harvest one")
    # Each count is taken with the search index up to date: bringing it up
    # costs queries of its own, however many results are shown.
    search(client, "body")
    with CaptureQueriesContext(connection) as one:
        search(client, "harvest")
    for number in range(25):
        make_release(title=f"Harvest {number}", category="press-briefings")
    later()
    search(client, "body")
    with CaptureQueriesContext(connection) as many:
        response = search(client, "harvest")
    assert len(titles(response)) == 20
    assert len(many) == len(one)


def test_parsed_terms():
    query = parse_search('"Climate change"  migra* covid-19 the')
    assert [(term.words, term.prefix) for term in query.terms] == [
        (("climate", "change"), False),
        (("migra",), True),
        (("covid", "19"), False),
    ]
    with pytest.raises(SearchQueryError):
        parse_search("the and of")


def test_a_prefix_of_fewer_than_three_letters_is_explained(client, releases):
    response = search(client, "a*", status=400)
    assert "A word ending in * needs at least 3 letters before it: a*" in response.text


@pytest.mark.django_db(transaction=True)
def test_a_search_catching_up_leaves_out_releases_since_withdrawn_or_deleted(
    client, make_release, later
):
    make_release(title="Harbour Dredging Resumes")
    withdrawn = make_release(title="Harbour Fees Rise")
    deleted = make_release(title="Harbour Closed for Repairs")
    assert len(titles(search(client, "harbour"))) == 3
    withdrawn.status = Release.Status.WITHDRAWN
    withdrawn.withdrawal_reason = "Issued in error."
    withdrawn.save()
    deleted.delete()
    later()
    # More changes than a search takes in itself (to releases never stored):
    # this search answers from the index as it was.
    journal.append(range(10**6, 10**6 + CAUGHT_UP_IN_REQUEST))
    try:
        # The catching up the search starts waits for the writer lock held here,
        # so that the feed too finds the index as it was.
        with directory.writer_lock():
            response = search(client, "harbour")
            feed = client.get(LIST, {"q": "harbour", "format": "atom"})
        assert "Search is catching up" in response.content.decode()
        assert titles(response) == ["Harbour Dredging Resumes"]
        # Kept, if at all, as the version before: never as the one the index lacks.
        for answer in (response, feed):
            assert not answer["ETag"].startswith(f'"{current_version()}-')
    finally:
        Background.finish()


@pytest.mark.django_db(transaction=True)
def test_catching_up_up_to_an_entry_leaves_later_ones_for_later(
    client, make_release, later, elsewhere
):
    make_release(title="Harbour Dredging Resumes")
    search(client, "harbour")
    with elsewhere():
        make_release(title="Harbour Fees Rise")
        first = journal.head()
        make_release(title="Harbour Closed for Repairs")
    updating.catch_up(up_to=first)
    index = directory.opened()
    index.reload()
    assert updating.position(index.searcher()) == first
    later()
    assert len(titles(search(client, "harbour"))) == 3


@pytest.mark.django_db(transaction=True)
def test_an_index_a_change_ahead_of_a_requests_version_is_searched_as_it_is(make_release):
    make_release(title="Harbour Dredging Resumes")
    updating.catch_up()
    version = current_version()
    assert updating.journal_head(version) == journal.head()  # held for the version
    # Committed and indexed by others after this request read its version.
    make_release(title="Harbour Fees Rise")
    updating.catch_up()
    opened = directory.opened()
    opened.reload()  # as the reader does by itself once it sees the commit
    found = Search(wait=0, version=version)
    assert found.releases_to_go == 0, "not taken for an index ahead of the database"
    assert directory.opened() is opened, "not rebuilt"
    assert found.count(Criteria(parse_search("harbour"))) == 2


@pytest.mark.django_db(transaction=True)
def test_an_index_ahead_of_the_database_is_rebuilt_by_itself(client, make_release, later):
    make_release(title="Harbour Dredging Resumes")
    assert len(titles(search(client, "harbour"))) == 1
    # The database restored from a backup older than the index: its journal
    # ends before the index's position, and the index holds a release it lacks.
    make_release(title="Harbour Fees Rise")
    later()
    assert len(titles(search(client, "harbour"))) == 2
    Release.objects.filter(title="Harbour Fees Rise").delete()
    SearchJournalEntry.objects.all().delete()
    later()
    try:
        response = search(client, "harbour")
        assert "Search is catching up" in response.content.decode()
    finally:
        Background.finish()
    later()  # the answer while catching up was not kept: the page from before stands meanwhile
    assert titles(search(client, "harbour")) == ["Harbour Dredging Resumes"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_index_is_logged_once_until_it_is_mended(
    client, releases, settings, caplog, damage_index
):
    settings.BRIEFING_PAGE_CACHE = False
    caplog.set_level(logging.WARNING)
    page = Release.objects.first().get_absolute_url()

    def logged():
        return [record.message for record in caplog.records if "unusable" in record.message]

    updating.catch_up()
    damage_index()
    for _ in range(10):
        assert client.get(page).status_code == 200
    assert len(logged()) == 1
    # A search rebuilds it; what follows is quiet.
    search(client, "migration")
    Background.finish()
    for word in ["migration", "climate", "economy"]:
        search(client, word)
        assert client.get(page).status_code == 200
    assert len(logged()) == 1
    # The rebuilt index damaged in its turn is logged again, once.
    damage_index()
    for word in ["migration", "climate", "economy"]:
        search(client, word)
    Background.finish()
    assert len(logged()) == 2
    assert logged()[1].startswith("Search index unusable, rebuilding it: ")


@pytest.mark.django_db(transaction=True)
def test_an_index_that_cannot_be_built_is_logged_once_in_one_line(
    client, releases, settings, tmp_path, caplog, monkeypatch
):
    settings.BRIEFING_PAGE_CACHE = False
    monkeypatch.setattr(Background, "failure", None)  # as in a process just started
    # A file where the index's directory should be: every rebuild fails.
    settings.BRIEFING_SEARCH_INDEX = tmp_path / "not-a-directory"
    settings.BRIEFING_SEARCH_INDEX.write_text("")
    for word in ["migration", "climate", "economy", "migration"]:
        search(client, word)
        Background.finish()
    failures = [record for record in caplog.records if "brought up to date" in record.message]
    assert len(failures) == 1
    assert failures[0].exc_info is None
    assert "Not a directory" in failures[0].message


def test_an_import_rebuilds_a_damaged_index_and_leaves_it_whole(
    client, write_release, run_import, make_release, damage_index
):
    make_release(title="Harbour Dredging Resumes")
    updating.catch_up()
    damage_index()
    status, _, err = run_import(write_release(title="Harbour Fees Rise"))
    assert status == 0, err
    assert sorted(titles(search(client, "harbour"))) == [
        "Harbour Dredging Resumes",
        "Harbour Fees Rise",
    ]


def test_a_row_dated_outside_the_record_leaves_search_working(client, make_release):
    make_release(title="Harbour dredging", body="Dredging the harbour.")
    # Written around the importer and the admin, which refuse such dates.
    for year in (1, 2205, 9999):
        make_release(
            title=f"Harbour of the year {year}",
            body="Another harbour.",
            date=datetime.date(year, 3, 1),
            published_at=datetime.datetime(2021, 3, 1, tzinfo=datetime.UTC),
        )
    response = search(client, "harbour")
    assert "catching up" not in response.text
    assert len(titles(response)) == 4


def test_the_newest_first_key_orders_dates_across_its_whole_range():
    moment = datetime.datetime(2021, 3, 1, tzinfo=datetime.UTC)
    days = [datetime.date(year, 1, 1) for year in (1, 1442, 1800, 2024, 2158, 9999)]
    keys = [schema.newest_key(day, moment, 1) for day in days]
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert keys == sorted(keys)


def beside_a_catching_up(seconds):
    """Start holding the index's writer lock for *seconds*, as another process catching
    up would; return (an Event set once it is held, the holding thread)."""
    taken = threading.Event()

    def hold():
        with directory.writer_lock():
            taken.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    return taken, holder


def searched_beside_a_catching_up(client, q, seconds):
    """Return the search for *q* asked while another process holds the index's writer
    lock, catching up, for *seconds* from just before the search."""
    taken, holder = beside_a_catching_up(seconds)
    try:
        taken.wait()
        return search(client, q)
    finally:
        holder.join()
        Background.finish()


@pytest.mark.django_db(transaction=True)
def test_a_save_leaves_its_servers_index_current_for_readers(client, make_release, later):
    make_release(title="Harbour dredging", body="Dredging the harbour.")
    assert titles(search(client, "harbour")) == ["Harbour dredging"]
    make_release(title="Harbour lights", body="Lights of the harbour.")
    later()
    # A reader's search that found the index behind could not catch it up now.
    response = searched_beside_a_catching_up(client, "harbour", 3)
    assert "Search is catching up" not in response.text
    assert sorted(titles(response)) == ["Harbour dredging", "Harbour lights"]


@pytest.mark.django_db(transaction=True)
def test_a_save_beside_another_editors_catching_up_waits_its_turn_and_takes_its_change_in(
    make_release, monkeypatch
):
    make_release(title="Harbour dredging", body="Dredging the harbour.")
    updating.catch_up()
    # However slow the machine: the wait outlasts the other editor's hold.
    monkeypatch.setattr(updating, "WAIT_SECONDS", 60)
    taken, holder = beside_a_catching_up(0.3)
    try:
        taken.wait()
        make_release(title="Harbour lights", body="Lights of the harbour.")
    finally:
        holder.join()
    index = directory.opened()
    index.reload()
    assert updating.position(index.searcher()) == journal.head(), "left for a reader's search"


@pytest.mark.django_db(transaction=True)
def test_a_readers_search_never_waits_for_another_process_catching_up(
    client, make_release, later, monkeypatch, elsewhere
):
    make_release(title="Harbour dredging", body="Dredging the harbour.")
    assert titles(search(client, "harbour")) == ["Harbour dredging"]
    with elsewhere():
        make_release(title="Harbour lights", body="Lights of the harbour.")
    later()
    # Were it to wait, it would outlast the other process's hold and catch up.
    monkeypatch.setattr(updating, "WAIT_SECONDS", 60)
    response = searched_beside_a_catching_up(client, "harbour", 3)
    assert "Search is catching up" in response.text
    assert titles(response) == ["Harbour dredging"]
    later()
    assert sorted(titles(search(client, "harbour"))) == ["Harbour dredging", "Harbour lights"]


@pytest.mark.django_db(transaction=True)
def test_a_staff_members_search_waits_a_moment_to_find_their_change(
    client, make_release, monkeypatch
):
    make_release(title="Harbour dredging", body="Dredging the harbour.")
    assert titles(search(client, "harbour")) == ["Harbour dredging"]
    # A staff member of no group: a flushed database has none.
    client.force_login(get_user_model().objects.create_user("edna", is_staff=True))
    make_release(title="Harbour lights", body="Lights of the harbour.")
    # However slow the machine: the wait outlasts the other process's hold.
    monkeypatch.setattr(updating, "WAIT_SECONDS", 60)
    response = searched_beside_a_catching_up(client, "harbour", 0.3)
    assert "Search is catching up" not in response.text
    assert sorted(titles(response)) == ["Harbour dredging", "Harbour lights"]
