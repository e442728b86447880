"""The public pages: lists with filters, category pages, and release pages."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from releases.models import Category, Release

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


def titles(response):
    return [release.title for release in response.context["release_list"]]


def test_home_redirects_to_the_briefing_room(client):
    assert client.get("/").url == LIST


def test_list_shows_newest_first(client, make_release):
    make_release(title="Older", date=datetime.date(2021, 1, 5))
    make_release(title="Newest", date=datetime.date(2021, 3, 9))
    make_release(title="Middle", date=datetime.date(2021, 2, 1))
    assert titles(client.get(LIST)) == ["Newest", "Middle", "Older"]


def test_list_pages_twenty_at_a_time(client, make_release):
    for day in range(1, 26):
        make_release(title=f"Day {day}", date=datetime.date(2021, 1, day))
    first, second = client.get(LIST), client.get(LIST, {"page": 2})
    assert titles(first)[:2] == ["Day 25", "Day 24"]
    assert len(titles(first)) == 20
    assert titles(second) == ["Day 5", "Day 4", "Day 3", "Day 2", "Day 1"]
    assert "Page 2 of 2" in second.text


def test_category_filter(client, make_release):
    make_release(title="A briefing", category="press-briefings")
    make_release(title="A statement", category="statements-releases")
    assert titles(client.get(LIST, {"category": "press-briefings"})) == ["A briefing"]


def test_the_category_choice_follows_the_categories_on_record(client, make_release, later):
    make_release(title="A statement", category="statements-releases")
    assert "Blog" not in client.get(LIST).text
    make_release(title="A post", category="blog")
    later()
    assert '<option value="blog">Blog</option>' in client.get(LIST).text
    Category.objects.filter(slug="blog").update(name="The Blog")
    Release.objects.get(title="A post").save()
    later()
    page = client.get(LIST, {"category": "blog"})
    assert '<option value="blog" selected>The Blog</option>' in page.text
    assert titles(page) == ["A post"]


def test_date_filters_are_inclusive(client, make_release):
    for day in (1, 10, 20, 28):
        make_release(title=f"Feb {day}", date=datetime.date(2021, 2, day))
    response = client.get(LIST, {"date_after": "2021-02-10", "date_before": "2021-02-20"})
    assert titles(response) == ["Feb 20", "Feb 10"]
    assert titles(client.get(LIST, {"date_after": "2021-02-20"})) == ["Feb 28", "Feb 20"]
    assert titles(client.get(LIST, {"date_before": "2021-02-01"})) == ["Feb 1"]


def test_category_and_dates_combine(client, make_release):
    make_release(title="Early briefing", category="press-briefings", date=datetime.date(2021, 1, 4))
    make_release(title="Late briefing", category="press-briefings", date=datetime.date(2021, 3, 4))
    make_release(title="Late statement", date=datetime.date(2021, 3, 4))
    response = client.get(LIST, {"category": "press-briefings", "date_after": "2021-02-01"})
    assert titles(response) == ["Late briefing"]


def test_pagination_links_keep_the_filters(client, make_release):
    for day in range(1, 23):
        make_release(category="press-briefings", date=datetime.date(2021, 1, day))
    make_release(title="Not a briefing")
    response = client.get(LIST, {"category": "press-briefings", "date_after": "2021-01-01"})
    assert 'href="?category=press-briefings&amp;date_after=2021-01-01&amp;page=2"' in response.text
    page_two = client.get(
        LIST, {"category": "press-briefings", "date_after": "2021-01-01", "page": 2}
    )
    assert len(titles(page_two)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_after": "yesterday"}, "From: Enter a valid date."),
        ({"date_before": "2021-02-30"}, "To: Enter a valid date."),
        ({"category": "no-such-category"}, "Category: Select a valid choice."),
    ],
)
def test_invalid_filter_values_show_a_message(client, make_release, query, message):
    make_release()
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert message in response.text
    assert titles(response) == []


@pytest.mark.parametrize("page", ["0", "x", "999", "-1", "1e9", "\x00", "1.5"])
def test_pages_the_list_lacks_are_404s_that_lead_to_its_first_page(client, make_release, page):
    make_release(title="Only one")
    response = client.get(LIST, {"category": "statements-releases", "page": page})
    assert response.status_code == 404
    assert 'href="http://testserver/briefing-room/?category=statements-releases"' in response.text
    assert client.get(LIST, {"page": "1"}).status_code == 200


def test_empty_result_says_so(client, make_release):
    make_release(date=datetime.date(2021, 1, 1))
    response = client.get(LIST, {"date_after": "2030-01-01"})
    assert "No releases match these filters." in response.text


def test_category_page_lists_only_its_category(client, make_release):
    make_release(title="A speech", category="speeches-remarks")
    make_release(title="A statement")
    response = client.get("/briefing-room/speeches-remarks/")
    assert titles(response) == ["A speech"]
    assert "<h1>Speeches and Remarks</h1>" in response.text


def test_category_page_filters_by_date(client, make_release):
    make_release(title="January", category="speeches-remarks", date=datetime.date(2021, 1, 9))
    make_release(title="March", category="speeches-remarks", date=datetime.date(2021, 3, 9))
    response = client.get("/briefing-room/speeches-remarks/", {"date_before": "2021-02-01"})
    assert titles(response) == ["January"]


def test_unknown_category_is_404(client):
    response = client.get("/briefing-room/no-such-category/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_release_page_is_at_its_permalink_path(client, make_release):
    release = make_release(
        title="Remarks on the Economy",
        slug="remarks-on-the-economy",
        category="speeches-remarks",
        date=datetime.date(2021, 6, 8),
        body="The economy **grew**.",
        modified_at=datetime.datetime(2021, 12, 23, 21, 12, tzinfo=datetime.UTC),
    )
    path = "/briefing-room/speeches-remarks/2021/06/08/remarks-on-the-economy/"
    response = client.get(path)
    assert release.get_absolute_url() == path
    assert response.status_code == 200
    assert "<h1>Remarks on the Economy</h1>" in response.text
    assert '<p id="p1">The economy <strong>grew</strong>.' in response.text
    assert 'href="/briefing-room/speeches-remarks/">Speeches and Remarks</a>' in response.text
    assert 'Published <a href="/briefing-room/2021/06/" title="More releases from June 2021">' in (
        response.text
    )
    assert ">June 8, 2021</time>" in response.text
    assert ">December 23, 2021</time>" in response.text


def test_release_page_without_modification_has_no_updated_date(client, make_release):
    release = make_release(modified_at=None)
    assert "Updated" not in client.get(release.get_absolute_url()).text


@pytest.mark.parametrize(
    "path",
    [
        "/briefing-room/statements-releases/2021/03/01/no-such-release/",
        "/briefing-room/press-briefings/2021/03/01/release-number-1/",
        "/briefing-room/statements-releases/2021/03/02/release-number-1/",
        "/briefing-room/statements-releases/2021/02/30/release-number-1/",
        "/briefing-room/statements-releases/2021/3/1/release-number-1/",
    ],
)
def test_wrong_release_addresses_are_404(client, make_release, path):
    make_release()
    assert client.get(path).status_code == 404


def test_release_scheduled_for_later_is_not_shown(client, make_release):
    later = timezone.now() + datetime.timedelta(hours=1)
    release = make_release(title="Embargoed", published_at=later, date=later.date())
    assert client.get(release.get_absolute_url()).status_code == 404
    assert "Embargoed" not in client.get(LIST).text


def test_hostile_title_and_body_are_inert(client, make_release):
    release = make_release(
        title='<script>alert("t")</script>',
        body='<script>alert("b")</script>\n\n<img src="a.png" onerror="alert(1)">\n\n'
        '[link](javascript:alert(2)) <a href="javascript:alert(3)">a</a>',
    )
    page = client.get(release.get_absolute_url()).text
    listing = client.get(LIST).text
    for html in (page, listing):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html
    assert "onerror" not in page
    assert "javascript:" not in page.split('<div class="release-body">')[1].split("</div>")[0]


def test_list_query_count_does_not_grow_with_releases_shown(client, make_release, later):
    make_release()
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for _ in range(25):
        make_release(category="press-briefings")
    later()
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(titles(response)) == 20
    assert len(many) == len(one)


def test_page_has_landmarks_one_h1_and_a_skip_link(client, make_release):
    html = client.get(LIST).text
    assert '<html lang="en">' in html
    assert html.count("<h1") == 1
    assert '<a class="skip-link" href="#content">' in html
    assert '<main id="content"' in html


def test_server_error_page_renders_without_a_request():
    assert "Something went wrong" in render_to_string("500.html")


def test_list_says_how_many_releases_match(client, make_release):
    for _ in range(3):
        make_release()
    assert "3 releases" in client.get(LIST).text


@pytest.mark.parametrize(
    "query",
    [
        {"category": "\x00"},
        {"category": "press-briefings\x00"},
        {"category": "x" * 5000},
        {"date_after": "2021-01-01\x00"},
        {"date_before": "99999-01-01"},
    ],
    ids=["nul", "slug-then-nul", "very-long", "date-nul", "huge-year"],
)
def test_hostile_filter_values_are_explained_not_an_error(client, make_release, query):
    make_release()
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert "Some filters could not be applied" in response.text


def test_large_counts_are_grouped_in_thousands(client, make_release):
    first = make_release(date=datetime.date(2021, 1, 1))
    Release.objects.bulk_create(
        Release(
            title=f"Statement {number}",
            slug=f"statement-{number}",
            category=first.category,
            date=first.date,
            published_at=first.published_at,
            permalink=f"https://www.whitehouse.gov/briefing-room/s{number}/",
            body="Text.",
            status=Release.Status.PUBLISHED,
        )
        for number in range(1000)
    )
    html = client.get(LIST).text
    assert "1,001 releases" in html
    assert 'Statements and Releases</a> <span class="count">1,001</span>' in html


def test_a_date_range_that_ends_before_it_starts_says_so(client, make_release):
    make_release(date=datetime.date(2021, 3, 1))
    response = client.get(LIST, {"date_after": "2021-06-01", "date_before": "2021-01-01"})
    assert response.status_code == 400
    assert "To: The range ends before it starts (June 1, 2021)." in response.text


def test_a_quoted_search_is_quoted_once_in_its_heading(client, make_release):
    make_release(title="On the climate crisis")
    response = client.get(LIST, {"q": '"climate crisis"'})
    assert "Results for &quot;climate crisis&quot;</h2>" in response.text
    assert "Results for “trade”</h2>" in client.get(LIST, {"q": "trade"}).text


def test_list_entries_show_each_release_as_last_saved(client, make_release, later):
    """List entries are kept rendered between saves: a save of a release, or of its
    category, shows in the entries of the next render."""
    first = make_release(title="Statement on ports", category="press-briefings")
    other = make_release(title="Statement on trade", category="press-briefings")
    assert "Statement on ports" in client.get(LIST).text

    first.title = "Statement on ports and harbours"
    first.save()
    other.category.name = "Briefings from the Podium"
    other.category.save()

    later()
    html = client.get(LIST).text
    assert "Statement on ports and harbours" in html
    assert html.count(">Briefings from the Podium</a>") >= 2, "each entry names its category anew"
    assert ">Press Briefings</a>" not in html
