"""Every list as Atom, RSS, JSON and CSV, the JSON API, and feed autodiscovery."""

import csv
import datetime
import io
import re

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


@pytest.fixture
def releases(make_release):
    make_release(
        title="Statement on trade",
        body="Trade **grew**.",
        date=datetime.date(2021, 6, 1),
        modified_at=datetime.datetime(2021, 6, 2, 12, tzinfo=datetime.UTC),
    )
    make_release(
        title="Briefing on trade and ports",
        category="press-briefings",
        body="Ports and trade.",
        date=datetime.date(2021, 6, 5),
    )
    make_release(title="Remarks on schools", body="Schools.", date=datetime.date(2021, 6, 9))


@pytest.mark.parametrize(("key", "version"), [("atom", "atom10"), ("rss", "rss20")])
def test_feeds_are_valid_and_carry_the_search(client, releases, key, version):
    response = client.get(LIST, {"q": "trade", "format": key})
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    assert feed.feed.title == "Briefing Room: “trade”"
    assert [entry.title for entry in feed.entries] == [
        "Briefing on trade and ports",
        "Statement on trade",
    ]
    entry = feed.entries[1]
    assert (
        entry.link
        == "http://testserver/briefing-room/statements-releases/2021/06/01/release-number-1/"
    )
    assert entry.summary == "Trade grew."
    assert entry.published_parsed[:3] == (2021, 6, 1)
    assert entry.tags[0].term == "Statements and Releases"


@pytest.mark.parametrize("key", ["atom", "rss"])
def test_feed_entries_give_the_opening_words_and_link_to_the_rest(client, make_release, key):
    paragraph = "The President met the delegation in the Roosevelt Room today. " * 20
    release = make_release(
        title="Readout", body=f"{paragraph}\n\n{paragraph}", date=datetime.date(2021, 6, 1)
    )
    feed = feedparser.parse(client.get(LIST, {"format": key}).content)
    (entry,) = feed.entries
    assert entry.summary.startswith("The President met the delegation")
    assert entry.summary.endswith("…")
    assert len(entry.summary.split()) <= 41
    assert entry.link == f"http://testserver{release.get_absolute_url()}"


def test_feed_entries_give_the_rendered_words_without_markdown(client, make_release):
    make_release(
        body="## Readout\n\n- **Ports** and _trade_\n1. [Schools](https://example.gov/)\n",
        date=datetime.date(2021, 6, 1),
    )
    (entry,) = feedparser.parse(client.get(LIST, {"format": "atom"}).content).entries
    assert entry.summary == "Readout Ports and trade Schools"


def test_atom_entries_say_when_they_were_updated(client, releases):
    feed = feedparser.parse(client.get(LIST, {"format": "atom", "q": "grew"}).content)
    assert feed.entries[0].updated_parsed[:3] == (2021, 6, 2)


def test_category_feed(client, releases):
    response = client.get("/briefing-room/press-briefings/", {"format": "atom"})
    feed = feedparser.parse(response.content)
    assert feed.feed.title == "Briefing Room: Press Briefings"
    assert [entry.title for entry in feed.entries] == ["Briefing on trade and ports"]


def test_list_pages_advertise_their_alternates(client, releases):
    html = client.get(LIST, {"q": "trade", "category": "press-briefings"}).text
    links = dict(re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', html))
    base = "http://testserver/briefing-room/?q=trade&amp;category=press-briefings&amp;format="
    assert links == {
        "application/atom+xml": base + "atom",
        "application/rss+xml": base + "rss",
        "application/json": base + "json",
        "text/csv": base + "csv",
    }


def test_json_reads_through_the_list_with_its_filters(client, make_release):
    for day in range(1, 26):
        make_release(title=f"Day {day}", date=datetime.date(2021, 1, day))
    first = client.get(LIST, {"format": "json", "date_after": "2021-01-02"}).json()
    assert first["count"] == 24
    assert [item["title"] for item in first["results"][:2]] == ["Day 25", "Day 24"]
    assert "date_after=2021-01-02" in first["next"]
    second = client.get(first["next"]).json()
    assert [item["title"] for item in second["results"]] == [f"Day {day}" for day in (5, 4, 3, 2)]
    assert second["next"] is None
    item = second["results"][-1]
    assert item["date"] == "2021-01-02"
    assert item["category"] == {"slug": "statements-releases", "name": "Statements and Releases"}
    assert client.get(item["url"]).status_code == 200


def test_json_cursor_is_stable_while_releases_arrive(client, make_release):
    for day in range(1, 26):
        make_release(title=f"Day {day}", date=datetime.date(2021, 1, day))
    first = client.get("/api/releases/").json()
    make_release(title="Published meanwhile", date=datetime.date(2021, 2, 1))
    rest = client.get(first["next"]).json()
    titles = [item["title"] for item in first["results"] + rest["results"]]
    assert titles == [f"Day {day}" for day in range(25, 0, -1)]
    assert rest["count"] == 26


def test_json_reads_to_the_end_of_a_long_list(client, make_release):
    for number in range(65):
        make_release(date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number))
    seen, url = [], "/api/releases/"
    while url:
        data = client.get(url).json()
        seen += [item["id"] for item in data["results"]]
        url = data["next"]
    assert len(seen) == len(set(seen)) == 65


def test_json_reads_on_past_releases_published_at_one_moment(client, make_release):
    published = datetime.datetime(2021, 1, 5, 12, tzinfo=datetime.UTC)
    for _ in range(45):
        make_release(date=published.date(), published_at=published)
    seen, url = [], "/api/releases/"
    while url:
        data = client.get(url).json()
        seen += [item["id"] for item in data["results"]]
        url = data["next"]
    assert seen == sorted(seen, reverse=True)
    assert len(set(seen)) == 45


def test_json_refuses_a_cursor_it_did_not_make(client, make_release):
    make_release()
    response = client.get("/api/releases/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "Not a cursor from this API" in response.json()["errors"]["cursor"][0]


def test_json_page_numbers_still_answer(client, make_release):
    for day in range(1, 26):
        make_release(title=f"Day {day}", date=datetime.date(2021, 1, day))
    second = client.get(LIST, {"format": "json", "page": 2}).json()
    assert (second["page"], second["pages"], second["count"]) == (2, 2, 25)
    assert [item["title"] for item in second["results"]] == [f"Day {d}" for d in range(5, 0, -1)]
    assert second["previous"].endswith("page=1")


def test_csv_downloads_the_whole_filtered_list(client, make_release):
    for day in range(1, 26):
        make_release(title=f"Day {day}, “quoted”", date=datetime.date(2021, 1, day))
    response = client.get(LIST, {"format": "csv", "date_before": "2021-01-22"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="releases.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 22
    assert rows[0]["title"] == "Day 22, “quoted”"
    assert rows[0]["category"] == "Statements and Releases"


def test_api_lists_and_shows_releases(client, releases):
    listing = client.get("/api/releases/", {"q": "trade", "sort": "newest"}).json()
    assert [item["title"] for item in listing["results"]] == [
        "Briefing on trade and ports",
        "Statement on trade",
    ]
    one = client.get(f"/api/releases/{listing['results'][1]['id']}/").json()
    assert one["title"] == "Statement on trade"
    assert one["body"] == "Trade **grew**."
    assert one["body_html"].startswith('<p id="p1">Trade <strong>grew</strong>.<a class="anchor"')
    assert one["turns"] == []
    assert one["modified_at"] == "2021-06-02T12:00:00+00:00"


def test_api_does_not_show_what_readers_cannot_see(client, make_release):
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    release = make_release(published_at=later)
    response = client.get(f"/api/releases/{release.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": f"No published release has id {release.pk}."}
    assert client.get("/api/releases/").json()["count"] == 0


@pytest.mark.parametrize("path", [LIST, "/api/releases/"])
def test_bad_filters_in_a_format_get_a_reason(client, releases, path):
    response = client.get(path, {"format": "json", "date_after": "someday", "q": "the"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["date_after"] == ["Enter a valid date."]
    assert errors["q"][0].startswith("There is nothing to search for")


def test_unknown_format_is_404(client, releases):
    assert client.get(LIST, {"format": "xml"}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"format": "atom"}, {"format": "rss"}, {"format": "json"}, {"format": "csv"}],
    ids=["atom", "rss", "json", "csv"],
)
def test_formats_take_a_fixed_number_of_queries(client, make_release, params):
    make_release()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, params)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured)

    few = queries()
    for number in range(30):
        make_release(category=f"category-{number % 4}")
    assert queries() == few


def test_a_format_there_is_not_names_the_formats_there_are(client, releases):
    response = client.get(LIST, {"format": "xml"})
    assert response.status_code == 404
    assert response.text == "No format 'xml': this list comes as atom, rss, json, csv.\n"


def test_the_api_names_its_one_format_when_asked_for_another(client, releases):
    response = client.get("/api/releases/", {"format": "xml"})
    assert response.status_code == 404
    assert response.json() == {
        "errors": {
            "format": [
                "No format 'xml': the API answers JSON; the list page /briefing-room/ "
                "also comes as atom, rss, csv."
            ]
        }
    }
    assert client.get("/api/releases/", {"format": "json"}).json()["count"] > 0
