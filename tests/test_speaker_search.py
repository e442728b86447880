"""Searching by speaker: ``speaker=`` on every list and format, and what it finds."""

import csv
import io
import re

import feedparser
import pytest
from pytest_django.asserts import assertInHTML

from releases.models import Release
from releases.transcripts.models import Person

pytestmark = pytest.mark.django_db

# Two speakers, and a reporter between two of one's turns: "border security" is
# split across turns three times, and said whole once, by Psaki.
BRIEFING = (
    "The James S. Brady Press Briefing Room\n\n"
    "MS. PSAKI:  Good afternoon. We talked about the border\n\n"
    "THE PRESIDENT:  security of our nation, and inflation.\n\n"
    "Q  What about the border\n\n"
    "MS. PSAKI:  security funding? Ask the Secretary about the border\n\n"
    "Q  security of ports?\n\n"
    "MS. PSAKI:  Border security is what the bill pays for.\n\n"
    "It runs over two paragraphs: a turn of its own.\n"
)
ACROSS_TURNS = (
    "MS. PSAKI:  We will talk about the border\n\n"
    "Q  Thanks.\n\n"
    "PRESS SECRETARY PSAKI:  security later. Inflation too.\n\n"
    "THE PRESIDENT:  Border security matters.\n"
)


def page(client, **query):
    response = client.get("/briefing-room/", query)
    assert response.status_code == 200, response.text[:500]
    return response


def found_titles(response):
    return [
        title
        for title in Release.objects.order_by("title").values_list("title", flat=True)
        if f">{title}<" in response.text
    ]


def count(response):
    return int(response.text.split('<p class="result-count">')[1].split(" release")[0])


@pytest.fixture
def briefings(make_release):
    return {
        "whole": make_release(
            title="Briefing with the border", category="press-briefings", body=BRIEFING
        ),
        "across": make_release(
            title="Briefing split", category="press-briefings", body=ACROSS_TURNS
        ),
        "statement": make_release(title="Statement on border security", body="Border security."),
    }


def test_a_speaker_alone_lists_the_releases_they_speak_in(client, briefings):
    psaki = page(client, speaker="jen-psaki")
    assert "Releases where Jen Psaki speaks" in psaki.text
    assert found_titles(psaki) == ["Briefing split", "Briefing with the border"]
    assert count(psaki) == 2
    assert found_titles(page(client, speaker="joe-biden")) == found_titles(psaki)
    assert count(page(client, speaker="kamala-harris")) == 0


def test_a_phrase_is_found_only_within_one_turn_of_that_speaker(client, briefings):
    psaki = page(client, q='"border security"', speaker="jen-psaki")
    assert "Results for &quot;border security&quot; said by Jen Psaki" in psaki.text
    assert found_titles(psaki) == ["Briefing with the border"]
    assert count(psaki) == 1
    # Biden said it in the second, and in the first only with Psaki's words before his.
    assert found_titles(page(client, q='"border security"', speaker="joe-biden")) == [
        "Briefing split"
    ]
    # Anywhere in the release: all three.
    assert count(page(client, q='"border security"')) == 3


def test_words_are_found_in_what_that_speaker_said_not_the_title(client, briefings):
    assert found_titles(page(client, q="inflation", speaker="jen-psaki")) == ["Briefing split"]
    assert found_titles(page(client, q="inflation", speaker="joe-biden")) == [
        "Briefing with the border"
    ]
    assert count(page(client, q="statement", speaker="jen-psaki")) == 0
    assert count(page(client, q="brady", speaker="jen-psaki")) == 0, "the opening is no one's"


def test_an_unknown_speaker_is_refused_in_one_line_on_every_format(client, briefings):
    response = client.get("/briefing-room/", {"speaker": "nobody-known", "q": "border"})
    assert response.status_code == 400
    assert "No speaker is known as “nobody-known”." in response.text
    for format in ("json", "csv", "atom"):
        answer = client.get("/briefing-room/", {"speaker": "nobody-known", "format": format})
        assert answer.status_code == 400
        assert answer.json() == {"errors": {"speaker": ["No speaker is known as “nobody-known”."]}}
    api = client.get("/api/releases/", {"speaker": "nobody-known"})
    assert api.status_code == 400
    assert "speaker" in api.json()["errors"]


def test_feeds_csv_json_and_the_api_hold_the_same_releases(client, briefings):
    query = {"q": '"border security"', "speaker": "joe-biden"}
    atom = feedparser.parse(client.get("/briefing-room/", {**query, "format": "atom"}).content)
    assert [entry.title for entry in atom.entries] == ["Briefing split"]
    assert atom.feed.title == 'Briefing Room: "border security": said by Joseph R. Biden Jr.'
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/briefing-room/", {**query, "format": "csv"}).getvalue().decode()
            )
        )
    )
    assert [row[1] for row in rows[1:]] == ["Briefing split"]
    listed = client.get("/briefing-room/", {**query, "format": "json"}).json()
    assert [item["title"] for item in listed["results"]] == ["Briefing split"]
    assert listed["count"] == 1
    api = client.get("/api/releases/", {"speaker": "jen-psaki"}).json()
    assert sorted(item["title"] for item in api["results"]) == [
        "Briefing split",
        "Briefing with the border",
    ]
    assert api["count"] == 2


def test_the_snippet_is_the_matching_turn_and_links_to_its_anchor(client, briefings):
    response = page(client, q='"border security"', speaker="jen-psaki")
    url = briefings["whole"].get_absolute_url()
    assertInHTML(
        f'<p class="snippet"><a href="{url}#t6"><span class="speaker">MS. PSAKI:</span> '
        "<mark>Border security</mark> is what the bill pays for. It runs over two paragraphs: "
        "a turn of its own.</a></p>",
        response.text,
    )


def test_a_search_shows_who_said_it_with_counts(client, briefings):
    response = page(client, q="security")
    facet = response.text.split('id="speaker-facet-heading"')[1].split("</nav>")[0]
    assert '>Jen Psaki</a> <span class="count">2</span>' in facet
    assert '>Joseph R. Biden Jr.</a> <span class="count">2</span>' in facet
    assert "?q=security&amp;speaker=jen-psaki" in facet
    for address, shown in re.findall(
        r'href="(\?[^"]+)">[^<]+</a> <span class="count">(\d+)', facet
    ):
        followed = client.get("/briefing-room/" + address.replace("&amp;", "&"))
        assert count(followed) == int(shown), address
    narrowed = page(client, q="inflation", category="press-briefings")
    facet = narrowed.text.split('id="speaker-facet-heading"')[1].split("</nav>")[0]
    assert "?q=inflation&amp;category=press-briefings&amp;speaker=joe-biden" in facet
    # Each facet leaves out its own filter: the other speakers stay offered.
    chosen = page(client, q="inflation", speaker="jen-psaki")
    assert ">Joseph R. Biden Jr.</a>" in chosen.text.split('id="speaker-facet-heading"')[1]


def test_a_search_no_one_said_has_no_speaker_facet(client, briefings):
    assert 'id="speaker-facet-heading"' not in page(client, q="statement").text


def test_a_changed_body_changes_who_said_it_in_the_index(client, make_release, later):
    release = make_release(title="Briefing", body="MS. PSAKI:  Inflation is falling.\n")
    assert count(page(client, q="inflation", speaker="jen-psaki")) == 1
    release.body = "MS. PSAKI:  Good afternoon.\n\nTHE PRESIDENT:  Inflation is falling.\n"
    release.save()
    later()
    assert count(page(client, q="inflation", speaker="jen-psaki")) == 0
    assert count(page(client, q="inflation", speaker="joe-biden")) == 1
    assert count(page(client, speaker="jen-psaki")) == 1, "she still speaks in it"
    release.delete()
    later()
    assert count(page(client, q="inflation", speaker="joe-biden")) == 0


def test_an_import_indexes_what_its_speakers_said(run_import, write_release, client):
    path = write_release(body="MS. PSAKI:  The harvest is in.\n\nQ  And the ports?\n")
    run_import(path)
    assert count(page(client, q="harvest", speaker="jen-psaki")) == 1
    assert count(page(client, q="ports", speaker="jen-psaki")) == 0, "a reporter asked"


@pytest.mark.parametrize(
    "typed", ["Jen Psaki", "JEN-PSAKI", "ms. psaki", "Press Secretary Psaki", "Psaki", "Jen  Psaki"]
)
def test_a_speaker_typed_by_name_or_as_printed_leads_to_that_persons_list(client, typed):
    response = client.get("/briefing-room/", {"speaker": typed})
    assert response.status_code == 302
    assert response["Location"] == "/briefing-room/?speaker=jen-psaki"


def test_a_label_several_people_are_printed_under_asks_which_one(client, briefings):
    response = client.get("/briefing-room/", {"speaker": "The President"})
    assert response.status_code == 400
    assert "“The President” names more than one speaker: donald-trump, joe-biden." in (
        response.text
    )


def test_part_of_a_name_several_people_share_asks_which_one(client, briefings):
    response = client.get("/briefing-room/", {"speaker": "biden"})
    assert response.status_code == 400
    assert "“biden” names more than one speaker: jill-biden, joe-biden." in response.text
    assert client.get("/briefing-room/", {"speaker": "sak"}).status_code == 400


def test_a_word_of_a_hyphenated_name_finds_its_person(client, briefings):
    Person.objects.create(name="Liz Sherwood-Randall", slug="liz-sherwood-randall")
    response = client.get("/briefing-room/", {"speaker": "Sherwood"})
    assert response["Location"] == "/briefing-room/?speaker=liz-sherwood-randall"
