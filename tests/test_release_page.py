"""A release page worth sharing: canonical address, link previews, structured data, neighbours,
related releases."""

import datetime
import html as html_text
import json
import re

import feedparser
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from releases.exporting import release_text
from releases.models import Release
from releases.search import updating
from tests.test_service_urls import settings_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(make_release):
    first = make_release(
        title="First briefing", category="press-briefings", date=datetime.date(2021, 6, 1)
    )
    middle = make_release(
        title="Middle briefing",
        category="press-briefings",
        date=datetime.date(2021, 6, 2),
        body="The **President** spoke about <u>ports</u> and [trade](https://example.gov/).\n\n"
        + "More words. " * 60,
        modified_at=datetime.datetime(2021, 6, 3, 9, tzinfo=datetime.UTC),
    )
    make_release(title="A statement between", date=datetime.date(2021, 6, 2))
    last = make_release(
        title="Last briefing", category="press-briefings", date=datetime.date(2021, 6, 9)
    )
    return first, middle, last  # fmt: skip


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return match and match[1]


def test_release_page_has_canonical_link_and_link_previews(client, trio):
    _, middle, _ = trio
    html = client.get(middle.get_absolute_url()).text
    url = f"http://testserver{middle.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert meta(html, "property", "og:title") == "Middle briefing"
    assert meta(html, "property", "og:url") == url
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "article:section") == "Press Briefings"
    assert meta(html, "name", "twitter:card") == "summary"
    description = meta(html, "name", "description")
    assert description.startswith("The President spoke about ports and trade. More words.")
    assert description.endswith("…")
    assert meta(html, "property", "og:description") == description


def test_release_page_has_news_article_structured_data(client, trio):
    _, middle, _ = trio
    html = client.get(middle.get_absolute_url()).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    data = json.loads(script)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Middle briefing"
    assert data["articleSection"] == "Press Briefings"
    assert data["url"] == f"http://testserver{middle.get_absolute_url()}"
    assert data["datePublished"] == "2021-06-02T15:00:00+00:00"
    assert data["dateModified"] == "2021-06-03T09:00:00+00:00"


def test_structured_data_cannot_close_its_script(client, make_release):
    release = make_release(title="</script><script>alert(1)</script>")
    html = client.get(release.get_absolute_url()).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    assert json.loads(script)["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_previous_and_next_stay_in_the_category(client, trio):
    first, middle, last = trio
    html = client.get(middle.get_absolute_url()).text
    assert f'<a href="{first.get_absolute_url()}" rel="prev">' in html
    assert f'<a href="{last.get_absolute_url()}" rel="next">' in html
    assert "A statement between" not in html
    first_page = client.get(first.get_absolute_url()).text
    assert 'rel="prev"' not in first_page
    assert f'<a href="{middle.get_absolute_url()}" rel="next">' in first_page


def test_neighbours_on_the_same_day_follow_the_publication_time(client, make_release):
    def briefing(title, hour):
        published = datetime.datetime(2021, 6, 2, hour, tzinfo=datetime.UTC)
        return make_release(
            title=title, category="press-briefings", date=published.date(), published_at=published
        )

    morning, noon, evening = briefing("Morning", 9), briefing("Noon", 12), briefing("Evening", 18)
    html = client.get(noon.get_absolute_url()).text
    assert f'<a href="{morning.get_absolute_url()}" rel="prev">' in html
    assert f'<a href="{evening.get_absolute_url()}" rel="next">' in html


def test_neighbours_published_at_one_moment_follow_the_lists_order(client, make_release):
    published = datetime.datetime(2021, 6, 2, 12, tzinfo=datetime.UTC)
    first, second, third = (
        make_release(title=title, category="press-briefings", date=published.date(),
                     published_at=published)
        for title in ("First", "Second", "Third")
    )  # fmt: skip
    next_day = make_release(category="press-briefings", date=datetime.date(2021, 6, 3))
    html = client.get(second.get_absolute_url()).text
    assert f'<a href="{first.get_absolute_url()}" rel="prev">' in html
    assert f'<a href="{third.get_absolute_url()}" rel="next">' in html
    next_page = client.get(next_day.get_absolute_url()).text
    assert f'<a href="{third.get_absolute_url()}" rel="prev">' in next_page


def test_scheduled_release_is_not_a_neighbour(client, trio, make_release):
    _, _, last = trio
    make_release(
        title="Embargoed briefing",
        category="press-briefings",
        date=datetime.date(2021, 6, 10),
        published_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
    )
    assert 'rel="next"' not in client.get(last.get_absolute_url()).text


def test_release_page_takes_a_fixed_number_of_queries(client, trio, make_release, later):
    _, middle, _ = trio
    with CaptureQueriesContext(connection) as before:
        client.get(middle.get_absolute_url())
    for day in range(1, 28):
        make_release(category="press-briefings", date=datetime.date(2021, 5, day))
    later()
    with CaptureQueriesContext(connection) as after:
        client.get(middle.get_absolute_url())
    # The content version (for the page cache), the release, its older and
    # newer neighbours (in one query), and its public corrections.
    assert len(after) == len(before) == 4


MARKED_UP_BODY = """## Fact sheet

- **Jobs**: up _five_ percent, as [the report](https://example.gov/report) says.
* Andr**é**s Oppenheimer &amp; the `team`
1. First item
2. Second

> Quoted ~~old~~ words
"""


def test_link_previews_give_the_rendered_words_without_markdown(client, make_release):
    release = make_release(body=MARKED_UP_BODY)
    html = client.get(release.get_absolute_url()).text
    expected = (
        "Fact sheet Jobs: up five percent, as the report says. Andrés Oppenheimer &amp; the "
        "team First item Second Quoted old words"
    )
    assert meta(html, "name", "description") == expected
    assert meta(html, "property", "og:description") == expected


def test_long_previews_end_at_a_word_with_an_ellipsis(client, make_release):
    release = make_release(body="- **Ports** and [trade](https://example.gov/)\n\n" * 30)
    description = meta(client.get(release.get_absolute_url()).text, "name", "description")
    assert description == " ".join(["Ports and trade"] * 13 + ["Ports…"])


IMAGES_BODY = """Before the chart.

![Jobs created each month](https://www.whitehouse.gov/wp-content/uploads/jobs.png)

<img src="http://bidenwhitehouse.archives.gov/uploads/hero.png" width="2360" height="1180" />

<img src="https://lh3.googleusercontent.com/e_12sl43" width="598" height="279" />

Between the pictures. <img src="/wp-content/uploads/relative.png"> After the pictures.
"""


def release_body(client, release):
    html = client.get(release.get_absolute_url()).text
    return html.split('<div class="release-body">')[1].split("</div>")[0]


def test_images_from_the_image_hosts_are_shown_each_with_an_alt_text(client, make_release):
    body = release_body(client, make_release(body=IMAGES_BODY))
    images = re.findall(r"<img [^>]*>", body)
    assert images == [
        '<img src="https://www.whitehouse.gov/wp-content/uploads/jobs.png"'
        ' alt="Jobs created each month">',
        '<img alt="" src="https://bidenwhitehouse.archives.gov/uploads/hero.png"'
        ' width="2360" height="1180">',
    ]


def test_images_the_page_may_not_load_are_left_out_and_the_text_reads_on(client, make_release):
    body = release_body(client, make_release(body=IMAGES_BODY))
    assert "googleusercontent" not in body
    assert "relative.png" not in body
    assert "<p></p>" not in body
    assert '>Between the pictures.  After the pictures.<a class="anchor"' in body


def aside(html):
    return html.split('<aside class="release-aside"')[1].split("</aside>")[0]


def test_the_aside_gives_the_date_category_and_other_formats(client, trio):
    _, middle, _ = trio
    beside = aside(client.get(middle.get_absolute_url()).text)
    assert '<time datetime="2021-06-02T11:00:00-04:00">June 2, 2021, 11:00 a.m.</time>' in beside
    assert '<a href="/briefing-room/press-briefings/">Press Briefings</a>' in beside
    assert f'<a href="/api/releases/{middle.pk}/" type="application/json">JSON</a>' in beside
    markdown = re.search(r'<a href="([^"]+)" type="text/markdown">Markdown</a>', beside)[1]
    assert markdown == middle.get_absolute_url().rstrip("/") + ".md"
    assert "Corrections" not in beside


def test_the_markdown_format_is_the_release_as_an_archive_file(client, trio):
    _, middle, _ = trio
    response = client.get(middle.get_absolute_url().rstrip("/") + ".md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("---\n")
    assert "title: Middle briefing\n" in text
    assert text.endswith(middle.body)
    assert text == release_text(middle), "the file an export writes, byte for byte"


def test_the_aside_links_to_each_public_correction(client, trio):
    _, middle, _ = trio
    for body, note in [("Corrected once.", "First fix."), ("Corrected twice.", "Second fix.")]:
        middle.body, middle.change_note = body, note
        middle.save()
    beside = aside(client.get(middle.get_absolute_url()).text)
    links = re.findall(r'<a href="([^"]+)">Correction (\d)</a>', beside)
    changes = middle.public_changes()
    assert links == [
        (f"{middle.get_absolute_url()}changes/{change.pk}/", number)
        for change, number in zip(changes, "21", strict=True)
    ]
    for link, _ in links:
        assert "Corrected" in client.get(link).text


def test_a_withdrawn_release_offers_no_json_the_api_would_refuse(client, trio):
    _, middle, _ = trio
    middle.status, middle.withdrawal_reason = "withdrawn", "Replaced."
    middle.save()
    beside = aside(client.get(middle.get_absolute_url()).text)
    assert "application/json" not in beside
    assert client.get(middle.get_absolute_url().rstrip("/") + ".md").status_code == 200


def test_a_withdrawn_releases_markdown_says_so_atop_its_body_as_its_page_does(client, trio):
    _, middle, _ = trio
    middle.status = "withdrawn"
    middle.withdrawal_reason = "Replaced by the briefing of June 9.\nRead that one."
    middle.save()
    withdrawn_on = f"{timezone.localtime(middle.withdrawn_at):%B %-d, %Y}"
    page = client.get(middle.get_absolute_url()).text
    assert re.search(rf'Withdrawn on <time datetime="[^"]+">{withdrawn_on}</time>', page)
    text = client.get(middle.get_absolute_url().rstrip("/") + ".md").content.decode()
    front_matter, body = text.removeprefix("---\n").split("---\n", 1)
    assert "title: Middle briefing\n" in front_matter
    assert body == (
        f"> **Withdrawn on {withdrawn_on}.**\n"
        ">\n"
        "> Replaced by the briefing of June 9.\n"
        "> Read that one.\n"
        ">\n"
        "> This release is kept here as it was published, for the record.\n"
        "\n" + middle.body
    )


def related_titles(html):
    """The titles the page's related releases link to, in order, or None without the list."""
    beside = aside(html)
    if "Related releases" not in beside:
        return None
    listed = beside.split("<h3>Related releases</h3>")[1].split("</ul>")[0]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', listed)


@pytest.fixture
def salmon(make_release):
    """A release about salmon, and releases more and less like it."""
    page = make_release(
        title="Salmon hatcheries on the Yukon river",
        body="Hatcheries restore salmon runs on the Yukon. Salmon fishermen and hatcheries.",
    )
    make_release(title="Yukon salmon hatcheries expanded", body="More hatcheries, more salmon.")
    make_release(title="Salmon runs", body="Fishermen on the river saw salmon return.")
    make_release(title="Wheat harvest", body="Farmers brought in the wheat.")
    make_release(title="Port strike ends", body="Dockworkers return to the ports.")
    return page


def test_a_release_page_links_the_releases_most_like_it(client, salmon):
    updating.catch_up()
    related = related_titles(client.get(salmon.get_absolute_url()).text)
    assert related[:2] == ["Yukon salmon hatcheries expanded", "Salmon runs"]
    assert "Wheat harvest" not in related
    assert salmon.title not in related


@pytest.mark.parametrize("index_behind", [False, True])
def test_a_release_filed_under_two_addresses_is_related_once(
    client, salmon, make_release, index_behind
):
    """The archive files some releases twice (a second category, a fixed slug), and
    issues some titles again on other days: a title is listed once, and the page's own
    not at all. Alike whether the links come from the index or, while it is behind,
    the database."""
    expanded = {"title": "Yukon salmon hatcheries expanded", "body": "More hatcheries."}
    make_release(category="speeches-remarks", **expanded)
    make_release(**expanded, date=salmon.date + datetime.timedelta(days=7))
    make_release(category="speeches-remarks", title=salmon.title, body=salmon.body)
    updating.catch_up()
    if index_behind:
        make_release(title="Wheat prices")
    related = related_titles(client.get(salmon.get_absolute_url()).text)
    assert sorted(related) == ["Salmon runs", expanded["title"]]


def test_related_releases_are_public_and_five_at_most(client, salmon, make_release):
    for number in range(6):
        make_release(title=f"Salmon hatcheries report {number}", body="Yukon salmon.")
    now = datetime.datetime.now(datetime.UTC)
    make_release(title="Draft on salmon hatcheries", status=Release.Status.DRAFT)
    make_release(title="Scheduled salmon hatcheries", published_at=now + datetime.timedelta(days=1))
    make_release(
        title="Withdrawn salmon hatcheries",
        status=Release.Status.WITHDRAWN,
        withdrawn_at=now,
        withdrawal_reason="Issued in error.",
    )
    updating.catch_up()
    related = related_titles(client.get(salmon.get_absolute_url()).text)
    assert len(related) == 5
    hidden = {"Draft on salmon hatcheries", "Scheduled salmon hatcheries"}
    assert not hidden.union({"Withdrawn salmon hatcheries"}).intersection(related)


def test_a_release_page_renders_without_related_releases_while_the_index_is_missing(
    client, salmon, search_index
):
    response = client.get(salmon.get_absolute_url())
    assert response.status_code == 200
    assert related_titles(response.text) is None


def test_a_release_page_renders_with_a_damaged_index(client, salmon, damage_index):
    updating.catch_up()
    damage_index()
    response = client.get(salmon.get_absolute_url())
    assert response.status_code == 200
    assert related_titles(response.text) is None


def test_related_releases_follow_a_change(client, salmon, make_release, later):
    updating.catch_up()
    before = related_titles(client.get(salmon.get_absolute_url()).text)
    newer = make_release(title="Salmon hatcheries on the Yukon again", body="Salmon hatcheries.")
    updating.catch_up()
    later()
    after = related_titles(client.get(salmon.get_absolute_url()).text)
    assert newer.title not in before
    assert after[0] == newer.title


def test_related_releases_after_saves_that_leave_deleted_documents_in_the_index(
    client, salmon, make_release
):
    """Each save replaces a release's document; until the index merges them away, a
    word's document count includes the replaced ones, above the live documents, and
    the index library panicked on such a word (a 500). In a small archive those words
    are left out of the likeness until the merge."""
    for number in range(8):
        make_release(title=f"Salmon hatcheries report {number}", body="Yukon salmon hatcheries.")
    updating.catch_up()
    for _ in range(3):
        for release in Release.objects.exclude(pk=salmon.pk):
            release.save()
        updating.catch_up()
    response = client.get(salmon.get_absolute_url())
    assert response.status_code == 200
    assert related_titles(response.text)


def publishers_named(client, release):
    """Return whom *release*'s page (its JSON-LD's author and publisher, its citation's
    meta tag and its APA citation), the list's Atom feed and the corrections feed name
    as issuing it."""
    html = client.get(release.get_absolute_url()).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    data = json.loads(script)
    apa = re.search(r"<textarea[^>]*>([^.]*)\.", html)[1]
    list_feed = feedparser.parse(client.get("/briefing-room/", {"format": "atom"}).content)
    corrections = feedparser.parse(client.get("/corrections/feed/").content)
    return {
        data["author"]["name"],
        data["publisher"]["name"],
        html_text.unescape(meta(html, "name", "citation_publisher")),
        apa,
        list_feed.feed.author,
        corrections.feed.author,
    }


def test_the_publisher_is_the_white_house_wherever_a_release_names_who_issued_it(
    client, make_release
):
    release = make_release(title="Statement on ports")
    assert publishers_named(client, release) == {"The White House"}


def test_the_publisher_is_one_setting_every_page_feed_and_citation_follows(
    client, make_release, settings
):
    release = make_release(title="Statement on ports")
    assert publishers_named(client, release) == {"The White House"}
    settings.BRIEFING_PUBLISHER = "Office of the Vice President"
    assert publishers_named(client, release) == {"Office of the Vice President"}


def test_the_publisher_is_read_from_the_environment_and_never_blank(monkeypatch):
    named = settings_from(monkeypatch, BRIEFING_PUBLISHER=" Office of the  First Lady ")
    assert named["BRIEFING_PUBLISHER"] == "Office of the First Lady"
    with pytest.raises(ImproperlyConfigured, match=r"^BRIEFING_PUBLISHER must name"):
        settings_from(monkeypatch, BRIEFING_PUBLISHER="  ")
