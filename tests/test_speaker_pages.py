"""A page for each speaker, an index of them, and /api/speakers/, as a reader sees them."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from releases.caching.pages import LOCAL_PAGES
from releases.importing.parsing import parse_release
from releases.models import Release
from releases.transcripts.labels import normalized
from releases.transcripts.models import Alias, Person
from releases.transcripts.turns import transcript
from tests.release_files import ARCHIVE_SAMPLE

pytestmark = pytest.mark.django_db

PSAKI = "/briefing-room/speakers/jen-psaki/"
INDEX = "/briefing-room/speakers/"
GAGGLE = "MS. PSAKI:  Hi.\n\nQ  A question.\n\nMS. PSAKI:  An answer.\n"


def psaki_in_the_sample():
    """Scan the archive sample's files for Jen Psaki's turns: {(title, date): turns}."""
    keys = set(Alias.objects.filter(person__slug="jen-psaki").values_list("key", flat=True))
    found = {}
    for path in ARCHIVE_SAMPLE.rglob("*.md"):
        if path.name == "README.md":
            continue
        release = parse_release(path.read_bytes())
        read = transcript(release.body)
        turns = [turn for turn in read.turns if normalized(turn.label) in keys] if read else []
        if turns:
            found[release.title, release.date] = len(turns)
    return found


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_speakers_page_counts_their_releases_and_turns_of_the_archive(client, run_import):
    run_import(ARCHIVE_SAMPLE)
    expected = psaki_in_the_sample()
    response = client.get(PSAKI)
    page = text_of(response)
    assert response.status_code == 200
    assert "<h1>Jen Psaki</h1>" in page
    assert f"<dt>Releases</dt><dd>{len(expected)}</dd>" in page
    assert f"<dt>Turns</dt><dd>{sum(expected.values()):,}</dd>" in page
    first, last = min(date for _, date in expected), max(date for _, date in expected)
    assert f'<dt>First appearance</dt><dd><time datetime="{first}">' in page
    assert f'<dt>Last appearance</dt><dd><time datetime="{last}">' in page


def test_a_speakers_releases_come_newest_first_a_page_at_a_time(client, run_import):
    run_import(ARCHIVE_SAMPLE)
    expected = psaki_in_the_sample()
    pages = (len(expected) + 19) // 20
    dates = []
    for number in range(1, pages + 1):
        page = client.get(f"{PSAKI}?page={number}").content.decode()
        found = re.findall(r'<h3><a href="/briefing-room/[a-z-]+/(\d+)/(\d+)/(\d+)/', page)
        dates += [datetime.date(*map(int, date)) for date in found]
    assert dates == sorted((date for _, date in expected), reverse=True)
    assert client.get(f"{PSAKI}?page={pages + 1}").status_code == 404


def test_a_speakers_page_leads_to_the_list_and_its_feed_narrowed_to_them(client, make_release):
    make_release(category="press-briefings", body=GAGGLE)
    page = client.get(PSAKI).content.decode()
    assert 'action="/briefing-room/"' in page
    assert '<input type="hidden" name="speaker" value="jen-psaki">' in page
    assert '<input type="search" id="speaker-q" name="q"' in page
    assert 'href="/briefing-room/?speaker=jen-psaki">All in the list</a>' in page
    assert 'href="/briefing-room/?speaker=jen-psaki&amp;format=atom"' in page


def test_a_speakers_page_charts_their_appearances_by_month(client, make_release):
    for day in (datetime.date(2021, 1, 5), datetime.date(2021, 3, 2), datetime.date(2021, 3, 9)):
        make_release(category="press-briefings", body=GAGGLE, date=day)
    page = client.get(PSAKI).content.decode()
    assert 'aria-label="January 2021: 1 release"' in page
    assert 'aria-label="March 2021: 2 releases"' in page
    assert escape("/briefing-room/?speaker=jen-psaki&date_after=2021-03-01") in page


def test_drafts_are_not_counted_on_a_speakers_page(client, make_release):
    make_release(category="press-briefings", body=GAGGLE)
    make_release(category="press-briefings", body=GAGGLE, status=Release.Status.DRAFT)
    page = text_of(client.get(PSAKI))
    assert "<dt>Releases</dt><dd>1</dd>" in page
    assert "<dt>Turns</dt><dd>2</dd>" in page


def test_an_unknown_speaker_is_the_sites_404(client):
    response = client.get("/briefing-room/speakers/no-such-person/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_speakers_page_is_not_a_category(client, make_release):
    make_release(category="speakers")
    assert client.get(INDEX).templates[0].name == "releases/speaker_index.html"


def test_the_index_lists_people_by_appearances_with_their_counts(client, make_release):
    make_release(category="press-briefings", body=GAGGLE)
    make_release(category="press-briefings", body="THE PRESIDENT:  Hello.\n\nMS. PSAKI:  Hi.\n")
    make_release(category="press-briefings", body="THE PRESIDENT:  Again.\n")
    make_release(category="press-briefings", body="THE PRESIDENT:  And again.\n")
    rows = re.findall(
        r'<th scope="row"><a href="([^"]+)">[^<]+</a></th>\s*<td>[^<]*</td>\s*'
        r"<td>(\d+)</td>\s*<td>(\d+)</td>",
        client.get(INDEX).content.decode(),
    )
    assert rows == [
        ("/briefing-room/speakers/joe-biden/", "3", "3"),
        ("/briefing-room/speakers/jen-psaki/", "2", "3"),
    ]


def test_a_change_to_a_transcript_shows_on_the_speakers_cached_page(client, make_release, later):
    release = make_release(category="press-briefings", body=GAGGLE)
    assert "<dt>Turns</dt><dd>2</dd>" in text_of(client.get(PSAKI))
    release.body = "MS. PSAKI:  Only one.\n"
    release.save()
    later()
    assert "<dt>Turns</dt><dd>1</dd>" in text_of(client.get(PSAKI))


def test_the_api_lists_speakers_with_their_counts(client, make_release):
    make_release(category="press-briefings", body=GAGGLE, date=datetime.date(2021, 2, 1))
    make_release(category="press-briefings", body=GAGGLE, date=datetime.date(2021, 3, 4))
    data = client.get("/api/speakers/").json()
    assert data["count"] == Person.objects.count()
    assert data["page"] == 1
    assert data["next"] is None
    psaki = data["results"][0]
    assert psaki == {
        "name": "Jen Psaki",
        "slug": "jen-psaki",
        "role": Person.objects.get(slug="jen-psaki").role,
        "releases": 2,
        "turns": 4,
        "first_appearance": "2021-02-01",
        "last_appearance": "2021-03-04",
        "url": "http://testserver/briefing-room/speakers/jen-psaki/",
        "releases_url": "http://testserver/api/releases/?speaker=jen-psaki",
    }
    assert data["results"][1]["releases"] == 0
    assert data["results"][1]["first_appearance"] is None


def test_the_api_refuses_a_page_it_does_not_have_in_its_error_format(client):
    response = client.get("/api/speakers/?page=7")
    assert response.status_code == 404
    assert "page" in response.json()["errors"]


def test_a_speakers_page_asks_the_same_queries_however_many_releases(client, make_release):
    def queries_for_page():
        cache.clear()
        LOCAL_PAGES.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PSAKI).status_code == 200
        return len(queries)

    make_release(category="press-briefings", body=GAGGLE, date=datetime.date(2021, 1, 4))
    one = queries_for_page()
    for month in range(2, 8):
        make_release(category="press-briefings", body=GAGGLE, date=datetime.date(2021, month, 4))
    assert queries_for_page() == one
