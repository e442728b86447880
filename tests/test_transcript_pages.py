"""A transcript as its readers see it: each turn under its speaker with an anchor of its own,
and every paragraph of every release with a link to itself, the same for the same text."""

import re
from collections import Counter

import pytest
from django.db import transaction

from releases.importing.parsing import parse_release
from releases.models import Release
from releases.rendering import page_html, paragraph_anchor, renderer_settings
from releases.transcripts.models import Alias, Person, Turn
from releases.transcripts.resolving import RenderingAgain, refresh_speakers
from tests.release_files import ARCHIVE_SAMPLE

pytestmark = pytest.mark.django_db

BRIEFING = ARCHIVE_SAMPLE / (
    "press-briefings/2021-03/2021-03-02-press-briefing-by-press-secretary-jen-psaki-march-2-2021.md"
)
BACKGROUND_CALL = ARCHIVE_SAMPLE / (
    "press-briefings/2021-03/"
    "2021-03-08-background-press-call-by-senior-administration-officials-on-venezuela.md"
)
SPEAKER_LINE = re.compile(
    r'<div class="turn" id="(t\d+)"><p class="speaker"><b>(.*?)</b>'
    r'<a class="anchor" href="#\1" aria-label="Link to turn (\d+)"></a></p>'
)
ANCHORED = re.compile(r'<(p|li|table|blockquote) id="(p\d+)">')


def imported(run_import, path):
    status, _, err = run_import(path)
    assert status == 0, err
    return Release.objects.get(permalink__contains=path.stem.split("-", 3)[3])


def page(client, release):
    response = client.get(release.get_absolute_url())
    assert response.status_code == 200
    return response.text


def body_of(html):
    """Return the body of a release page: up to its footer, or the end of its column."""
    end = r'\s*</div>\s*(?:<footer class="release-source">|</div>\s*<aside)'
    return re.search(rf'<div class="release-body">\s*(.*?){end}', html, re.S)[1]


def speaker_lines(html):
    """Return (anchor, speaker as shown, its link or None) for each turn of a page."""
    lines = []
    for anchor, speaker, position in SPEAKER_LINE.findall(html):
        assert anchor == f"t{position}"
        link = re.fullmatch(r'<a href="([^"]*)">(.*)</a>(:?)', speaker)
        label = f"{link[2]}{link[3]}" if link else speaker
        lines.append((anchor, label, link[1] if link else None))
    return lines


def test_a_briefing_shows_each_turn_under_its_speaker_with_an_anchor(client, run_import):
    release = imported(run_import, BRIEFING)
    lines = speaker_lines(page(client, release))
    turns = list(release.turns.order_by("position"))
    assert len(lines) == len(turns) > 50
    assert [anchor for anchor, _, _ in lines] == [f"t{n}" for n in range(1, len(turns) + 1)]
    assert lines[0] == ("t1", "MS. PSAKI:", "/briefing-room/speakers/jen-psaki/")
    questions = [line for line in lines if line[1] == "Q"]
    assert questions
    assert all(link is None for _, _, link in questions)
    # What each turn said follows its speaker's line, as its own paragraphs.
    assert '<p id="p2">Hi, everyone.&nbsp; Hello.' in page(client, release)


def test_anonymous_roles_are_shown_as_printed_and_link_to_no_one(client, run_import):
    release = imported(run_import, BACKGROUND_CALL)
    lines = speaker_lines(page(client, release))
    labels = {label for _, label, _ in lines}
    assert {"MODERATOR:", "SENIOR ADMINISTRATION OFFICIAL:"} <= labels
    assert [link for _, _, link in lines] == [None] * len(lines)


def test_the_opening_and_closing_are_plain_paragraphs_outside_the_turns(client, run_import):
    body = body_of(page(client, imported(run_import, BRIEFING)))
    opening, rest = body.split('<div class="turn" id="t1">', 1)
    assert re.fullmatch(r'\s*<p id="p1">12:39 P.M. EST<a [^>]*></a></p>\s*', opening)
    closing = rest.rsplit("</div>", 1)[1]
    assert re.fullmatch(r'\s*<p id="p\d+">END(&nbsp;| )+1:32 P.M. EST<a [^>]*></a></p>\s*', closing)


def anchors_and_text(html):
    """Return each anchor of a page's body with the words it holds."""
    body = body_of(html)
    found = [
        (anchor, body.index(f'id="{anchor}"')) for anchor in re.findall(r' id="([pt]\d+)"', body)
    ]
    return [(anchor, re.sub(r"<[^>]*>", "", body[at : at + 200]).split()) for anchor, at in found]


def test_anchors_stay_the_same_when_the_same_text_is_imported_again(
    client, run_import, write_release
):
    first = anchors_and_text(page(client, imported(run_import, BRIEFING)))
    Release.objects.all().delete()
    text = BRIEFING.read_text().replace(
        "title: Press Briefing by Press Secretary Jen Psaki, March 2, 2021",
        "title: Press Briefing, March 2, 2021 (corrected title)",
    )
    path = write_release(BRIEFING.name, content=text)
    again = imported(run_import, path)
    assert again.title == "Press Briefing, March 2, 2021 (corrected title)"
    assert anchors_and_text(page(client, again)) == first


STATEMENT = """The President met the governors.

- Vaccines for every adult.
- Schools open.

| State | Doses |
| --- | --- |
| Ohio | 10 |

> We will get through this.
>
> Together.

## What comes next

1. Phase one.

    More on phase one.

2. Phase two.
"""


def test_a_statement_has_anchored_paragraphs_items_tables_and_quotes_and_no_turns(
    client, make_release
):
    release = make_release(body=STATEMENT)
    html = page(client, release)
    assert ANCHORED.findall(body_of(html)) == [
        ("p", "p1"),
        ("li", "p2"),
        ("li", "p3"),
        ("table", "p4"),
        ("blockquote", "p5"),
        ("li", "p6"),
        ("li", "p7"),
    ]
    assert 'class="turn"' not in html
    assert (
        '<p id="p1">The President met the governors.'
        '<a class="anchor" href="#p1" aria-label="Link to paragraph 1"></a></p>'
    ) in html
    # A link cannot sit inside the table: it follows it.
    assert '</table><a class="anchor" href="#p4" aria-label="Link to paragraph 4"></a>' in html
    assert client.get(f"/api/releases/{release.pk}/").json()["turns"] == []


def test_the_link_to_a_paragraph_adds_no_text_to_what_is_copied_or_searched(make_release):
    release = make_release(body="Jobs grew.\n\nPrices held.")
    assert re.findall(r'<a class="anchor"[^>]*>(.*?)</a>', release.body_html) == ["", ""]
    assert release.body_text.split() == ["Jobs", "grew.", "Prices", "held."]


def test_every_id_on_a_page_is_unique(client, run_import, make_release):
    pages = [
        page(client, imported(run_import, BRIEFING)),
        page(client, make_release(body=STATEMENT)),
    ]
    for html in pages:
        ids = Counter(re.findall(r' id="([^"]*)"', html))
        assert [name for name, count in ids.items() if count > 1] == []


RAW_OPENINGS = """MS. PSAKI:  <span style="text-decoration: underline">
Good afternoon.</span> Two things today.

Q  <div>First, the ports?</div>

MS. PSAKI:  Open.

Q  <u>Second</u>, the schools?
"""


def test_a_turn_that_opens_with_raw_html_gets_its_paragraphs_anchor(client, make_release):
    body = body_of(page(client, make_release(category="press-briefings", body=RAW_OPENINGS)))
    assert ANCHORED.findall(body) == [("p", f"p{n}") for n in range(1, 5)]
    assert [anchor for anchor, _, _ in speaker_lines(body)] == ["t1", "t2", "t3", "t4"]
    assert (
        '<p id="p1"><span>\nGood afternoon.</span> Two things today.'
        '<a class="anchor" href="#p1" aria-label="Link to paragraph 1"></a></p></div>'
    ) in body
    assert (
        '<p id="p2">First, the ports?'
        '<a class="anchor" href="#p2" aria-label="Link to paragraph 2"></a></p></div>'
    ) in body


@pytest.mark.parametrize(
    ("body", "paragraphs"),
    [
        ('<span style="font-weight: bold">\nIn full.</span>\n\nAfter.', ["In full.", "After."]),
        (
            "<div>Wrapped.</div>\n\n## Heading\n\n<center>Centred.</center>",
            ["Wrapped.", "Centred."],
        ),
        ("Before.\n\n<br>\n\nAfter.", ["Before.", "After."]),
    ],
)
def test_text_a_body_holds_outside_every_block_is_an_anchored_paragraph(
    client, make_release, body, paragraphs
):
    html = body_of(page(client, make_release(body=body)))
    found = re.findall(r'<p id="(p\d+)">(.*?)<a class="anchor" href="#\1"', html, re.S)
    assert [(anchor, re.sub(r"<[^>]*>", "", text).strip()) for anchor, text in found] == [
        (f"p{n}", text) for n, text in enumerate(paragraphs, start=1)
    ]


def test_an_element_raw_html_opens_around_blocks_is_left_whole(make_release):
    release = make_release(body="<span>\n\nInside.\n\n</span>")
    assert release.body_html == (
        '<span>\n<p id="p1">Inside.<a class="anchor" href="#p1" aria-label="Link to paragraph 1">'
        "</a></p>\n</span>"
    )


HOSTILE = """<p id="p3">Pretend to be the third.</p>

<div id="t1" class="turn"><a id="p1" name="p2" href="#p9" class="anchor">Jump</a></div>

<p aria-label="Link to paragraph 1" onclick="alert(1)">Last.</p>
"""


def test_a_body_cannot_write_ids_or_anchor_links_of_its_own(client, make_release):
    body = body_of(page(client, make_release(body=HOSTILE)))
    # The link's "Jump", its div gone, is a paragraph of its own: the page's second.
    assert re.findall(r' id="([^"]*)"', body) == ["p1", "p2", "p3"]
    assert re.findall(r' name="([^"]*)"', body) == []
    assert 'class="turn"' not in body
    assert "onclick" not in body
    assert body.count('class="anchor"') == 3
    assert re.findall(r'aria-label="([^"]*)"', body) == [
        "Link to paragraph 1",
        "Link to paragraph 2",
        "Link to paragraph 3",
    ]
    assert '<p id="p1">Pretend to be the third.' in body
    assert '<p id="p2"><a href="#p9" rel="noopener noreferrer">Jump</a>' in body


def test_a_search_match_deep_in_a_body_links_to_the_paragraph_that_holds_it(client, make_release):
    paragraphs = [f"Paragraph {n} of the harvest report, on fields and weather." for n in range(60)]
    paragraphs[41] = "Here, at last, the lighthouse keepers spoke of the harvest."
    release = make_release(title="Harvest report", body="\n\n".join(paragraphs))
    response = client.get("/briefing-room/", {"q": "lighthouse"})
    link = f'href="{release.get_absolute_url()}#p42"'
    assert link in response.text
    html = page(client, release)
    assert '<p id="p42">Here, at last, the lighthouse keepers' in html


def test_a_deep_match_in_a_list_links_to_the_item_that_holds_it(client, make_release):
    paragraphs = [f"Paragraph {n} of the harvest report, on fields and weather." for n in range(40)]
    items = ["- Wheat from the north,\n  stored in silos.", "- Barley, sold at market.",
             "- Oats, kept\n  by the lighthouse keepers.", "- Rye, sown again."]  # fmt: skip
    release = make_release(title="Crops", body="\n\n".join(paragraphs) + "\n\n" + "\n".join(items))
    response = client.get("/briefing-room/", {"q": "lighthouse"})
    assert f'href="{release.get_absolute_url()}#p43"' in response.text
    assert '<li id="p43">Oats, kept\nby the lighthouse keepers.' in page(client, release)


def test_a_deep_match_in_a_transcript_links_to_its_paragraph_in_the_turn(client, run_import):
    release = imported(run_import, BRIEFING)
    response = client.get("/briefing-room/", {"q": '"Anna Ruch"'})
    anchor = re.search(rf'href="{release.get_absolute_url()}#(p\d+)"', response.text)
    assert anchor, "the result links to a paragraph"
    html = page(client, release)
    paragraph = re.search(rf'<p id="{anchor[1]}">(.*?)</p>', html, re.S)[1]
    assert "this third accuser, Anna Ruch, she actually" in paragraph
    # In a reporter's turn.
    turn = html[: html.index(f'<p id="{anchor[1]}">')].rsplit('<div class="turn"', 1)[1]
    assert '<p class="speaker"><b>Q</b>' in turn


FILLER = [f"Paragraph {n} of the harvest report, on fields and weather." for n in range(40)]
DEEP_BODIES = {
    "its first paragraph": "The lighthouse keepers met.\n\nThen they left.",
    "a middle one": "\n\n".join([*FILLER[:20], "Then the lighthouse keepers met.", *FILLER[20:]]),
    "after a list": "Crops:\n\n- Wheat.\n- Barley,\n  sold.\n\nThe lighthouse keepers ate.\n\nEnd.",
    "after a table": "Doses:\n\n| State | Doses |\n| --- | --- |\n| Ohio | 10 |\n\nThe lighthouse.",
    "after a quote": "> We will get through this.\n>\n> Together.\n\nThe lighthouse keepers.",
    "a list's item": "Crops:\n\n- Wheat.\n- Oats, kept\n  by the lighthouse keepers.\n- Rye.",
    "a heading underlined": "Intro.\n\nThe lighthouse report\n-----\n\nText.\n\nMore.",
    "a transcript's turn": (
        "MS. PSAKI:  Hello.\n\nQ  A question?\n\nMS. PSAKI:  First.\n\n"
        "The lighthouse is open.\n\nQ  Thanks."
    ),
    "a turn named before any title": (
        "JOHN SMITH:\n\nThanks, everyone.\n\nMARY JONES:  Welcome.\n\n"
        "The lighthouse keepers spoke.\n\nTHE PRESIDENT:  Thank you.\n\nEND"
    ),
    "a turn opening with raw HTML": (
        "MS. PSAKI:  Hello.\n\nQ  <span>\nThe lighthouse?</span>\n\nMS. PSAKI:  Open."
    ),
}


def anchor_before(html, word):
    """Return the last paragraph anchor a page opens before *word*: the one that holds it,
    or the one before a heading that holds it ("" for none)."""
    return ["", *re.findall(r' id="(p\d+)"', html[: html.index(word)])][-1]


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_a_matchs_paragraph_is_the_one_that_holds_it_on_the_whole_page(body):
    assert paragraph_anchor(body, body.index("lighthouse")) == anchor_before(
        page_html(body), "lighthouse"
    )


def test_every_sample_bodys_words_link_to_the_paragraph_that_holds_them():
    """Words each sample body holds once, two of a body, not in a speaker's label (whose
    match links to the turn's first paragraph, on the label's line)."""
    checked = 0
    for path in sorted(ARCHIVE_SAMPLE.glob("*/*/*.md")):
        body = parse_release(path.read_bytes()).body
        html = page_html(body)
        said = re.sub(r'<p class="speaker">.*?</p>', "", html)
        words = re.findall(r"\b[A-Za-z]{7,}\b", body)
        once = [word for word, count in Counter(words).items() if count == 1]
        once = [
            word for word in once if body.count(word) == html.count(word) == said.count(word) == 1
        ]
        for word in once[:: max(1, len(once) // 2)][:2]:
            assert paragraph_anchor(body, body.index(word)) == anchor_before(html, word), (
                path.name,
                word,
            )
            checked += 1
    assert checked > 900


def test_a_deep_match_after_turns_named_before_any_title_links_to_its_paragraph(
    client, make_release
):
    body = (
        "JOHN SMITH:\n\nThanks, everyone.\n\nMARY JONES:  Welcome.\n\n"
        + "\n\n".join(FILLER)
        + "\n\nThe lighthouse keepers spoke.\n\nTHE PRESIDENT:  Thank you.\n"
    )
    release = make_release(title="Visit", category="press-briefings", body=body)
    html = page(client, release)
    anchor = anchor_before(html, "The lighthouse keepers")
    assert re.search(rf'<p id="{anchor}">The lighthouse keepers spoke.', html)
    response = client.get("/briefing-room/", {"q": "lighthouse"})
    assert f'href="{release.get_absolute_url()}#{anchor}"' in response.text


def test_a_match_in_the_opening_links_to_the_page_itself(client, make_release):
    release = make_release(title="Short", body="The lighthouse keepers met.\n\nThen left.")
    response = client.get("/briefing-room/", {"q": "lighthouse"})
    assert f'href="{release.get_absolute_url()}"' in response.text


def test_the_api_gives_each_turn_its_speaker_person_text_and_anchor(client, run_import):
    release = imported(run_import, BRIEFING)
    turns = client.get(f"/api/releases/{release.pk}/").json()["turns"]
    assert len(turns) == release.turns.count()
    assert turns[0] == {
        "speaker": "MS. PSAKI",
        "person": {"name": "Jen Psaki", "slug": "jen-psaki"},
        "text": turns[0]["text"],
        "anchor": "t1",
    }
    assert turns[0]["text"].startswith("Hi, everyone.\u00a0 Hello.\u00a0 Okay.")
    question = next(turn for turn in turns if turn["speaker"] == "Q")
    assert question["person"] is None
    assert [turn["anchor"] for turn in turns] == [f"t{n}" for n in range(1, len(turns) + 1)]


def test_a_new_alias_links_its_turns_once_the_releases_are_refreshed(client, make_release, later):
    release = make_release(
        category="press-briefings",
        body="MR. ROUSE-SMITH:  Thank you.\n\nQ  A question.\n\nMR. ROUSE-SMITH:  Next.\n",
    )
    assert speaker_lines(page(client, release))[0] == ("t1", "MR. ROUSE-SMITH:", None)
    person = Person.objects.create(name="Cecil Rouse-Smith", slug="cecil-rouse-smith")
    Alias.objects.create(person=person, label="MR. ROUSE-SMITH")
    assert refresh_speakers(Release.objects.filter(turns__key="MR ROUSE-SMITH")) == 1
    later()
    assert speaker_lines(page(client, release))[0] == (
        "t1",
        "MR. ROUSE-SMITH:",
        "/briefing-room/speakers/cecil-rouse-smith/",
    )
    assert [turn.person for turn in release.turns.order_by("position")] == [person, None, person]


def test_a_saved_transcript_links_the_president_of_its_day(make_release):
    release = make_release(category="speeches-remarks", body="THE PRESIDENT:  Thank you all.\n")
    assert '<a href="/briefing-room/speakers/joe-biden/">THE PRESIDENT</a>:' in release.body_html
    assert release.body_html == page_html(release.body, lambda label: None).replace(
        "<b>THE PRESIDENT:</b>",
        '<b><a href="/briefing-room/speakers/joe-biden/">THE PRESIDENT</a>:</b>',
    )


def test_a_speakers_page_answers_at_their_address(client, db):
    response = client.get("/briefing-room/speakers/jen-psaki/")
    assert response.status_code == 200
    assert "<h1>Jen Psaki</h1>" in response.text
    assert "Press Secretary" in response.text


@pytest.mark.slow  # worker processes, forked
def test_worker_processes_link_speakers_as_one_process_does(run_import, tmp_path):
    for path in (BRIEFING, BACKGROUND_CALL):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    run_import(tmp_path, jobs=0)
    one_process = list(Release.objects.order_by("permalink").values_list("rendered_html"))
    Release.objects.all().delete()
    status, _, err = run_import(tmp_path, jobs=2)
    assert status == 0, err
    assert list(Release.objects.order_by("permalink").values_list("rendered_html")) == one_process
    assert '<a href="/briefing-room/speakers/jen-psaki/">MS. PSAKI</a>:' in one_process[0][0]


@pytest.mark.django_db(transaction=True)
def test_a_change_to_the_people_renders_its_releases_after_it_commits(client, make_release, later):
    body = "MR. ROUSE-SMITH:  Thank you.\n\nQ  A question.\n"
    releases = [make_release(category="press-briefings", body=body) for _ in range(3)]
    person = Person.objects.create(name="Cecil Rouse-Smith", slug="cecil-rouse-smith")
    Alias.objects.create(person=person, label="MR. ROUSE-SMITH")
    ids = [release.pk for release in releases]
    with transaction.atomic():
        assert refresh_speakers(Release.objects.filter(turns__key="MR ROUSE-SMITH")) == 3
        # At once: the turns name the person, and a reader's page links them,
        # rendered for the reader; the stored renderings wait for the commit.
        assert Turn.objects.filter(person=person).count() == 3
        assert "cecil-rouse-smith" not in Release.objects.get(pk=ids[0]).rendered_html
        later()
        link = "/briefing-room/speakers/cecil-rouse-smith/"
        assert speaker_lines(page(client, releases[0]))[0] == ("t1", "MR. ROUSE-SMITH:", link)
    RenderingAgain.finish()
    for release in Release.objects.filter(pk__in=ids):
        assert link in release.rendered_html
        assert release.rendered_under == renderer_settings()
