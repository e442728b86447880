"""Year and month archives, and the counts by category, year and month beside a list."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from releases.models import Release

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"


def titles(response):
    return [release.title for release in response.context["release_list"]]


def facet(response, name):
    return [(item.label, item.count) for item in response.context[name]]


@pytest.fixture
def releases(make_release):
    make_release(title="June briefing", category="press-briefings", date=datetime.date(2021, 6, 8))
    make_release(title="June statement", date=datetime.date(2021, 6, 20), body="On trade.")
    make_release(title="July statement", date=datetime.date(2021, 7, 1), body="On trade.")
    make_release(title="Old statement", date=datetime.date(2019, 2, 2), body="On trade.")


def test_year_archive_lists_its_year_with_counts_by_month(client, releases):
    response = client.get("/briefing-room/2021/")
    assert titles(response) == ["July statement", "June statement", "June briefing"]
    assert "<h1>The Briefing Room: 2021</h1>" in response.text
    assert facet(response, "month_facet") == [("June", 2), ("July", 1)]
    assert 'href="/briefing-room/2021/06/">June</a>' in response.text


def test_month_archive_and_category_archives(client, releases):
    assert titles(client.get("/briefing-room/2021/06/")) == ["June statement", "June briefing"]
    category_year = client.get("/briefing-room/press-briefings/2021/")
    assert titles(category_year) == ["June briefing"]
    assert "<h1>Press Briefings: 2021</h1>" in category_year.text
    category_month = client.get("/briefing-room/statements-releases/2021/07/")
    assert titles(category_month) == ["July statement"]


def test_archives_combine_with_search(client, releases):
    response = client.get("/briefing-room/2021/", {"q": "trade"})
    assert titles(response) == ["July statement", "June statement"]
    assert facet(response, "month_facet") == [("June", 1), ("July", 1)]


@pytest.mark.parametrize(
    "path",
    [
        "/briefing-room/1999/",
        "/briefing-room/2021/13/",
        "/briefing-room/2021/00/",
        "/briefing-room/2021/05/",
        "/briefing-room/press-briefings/2019/",
        "/briefing-room/nope/2021/",
        # Outside the record's years: 9999's December has no end.
        "/briefing-room/9999/12/",
        "/briefing-room/9999/",
        "/briefing-room/statements-releases/9999/12/",
    ],
)
def test_empty_or_impossible_periods_are_404(client, releases, path):
    assert client.get(path).status_code == 404


def test_release_page_links_its_date_to_the_month(client, releases):
    response = client.get(LIST)
    release = response.context["release_list"][0]
    page = client.get(release.get_absolute_url()).text
    assert '<a href="/briefing-room/2021/07/"' in page


def test_facets_count_the_search_and_each_other_filter(client, releases):
    response = client.get(LIST, {"q": "trade"})
    assert facet(response, "category_facet") == [("Statements and Releases", 3)]
    assert facet(response, "year_facet") == [("2021", 2), ("2019", 1)]
    narrowed = client.get(LIST, {"q": "trade", "date_after": "2021-01-01"})
    # A facet ignores its own filter, so every year stays in reach.
    assert facet(narrowed, "year_facet") == [("2021", 2), ("2019", 1)]
    assert facet(narrowed, "category_facet") == [("Statements and Releases", 2)]
    assert "date_after=2019-01-01&amp;date_before=2019-12-31" in narrowed.text


def test_facet_links_keep_the_search_and_mark_the_current_choice(client, releases):
    response = client.get(LIST, {"category": "press-briefings"})
    assert facet(response, "category_facet") == [
        ("Statements and Releases", 3),
        ("Press Briefings", 1),
    ]
    assert 'href="?category=press-briefings" aria-current="true">Press Briefings</a>' in (
        response.text
    )


def test_a_year_link_keeps_the_search_and_leads_to_that_years_first_page(client, releases):
    query = {"q": "trade", "date_after": "2021-01-01", "date_before": "2021-12-31", "page": "1"}
    html = client.get(LIST, query, follow=True).text
    link = "?q=trade&amp;date_after=2021-01-01&amp;date_before=2021-12-31"
    assert f'href="{link}" aria-current="true">2021</a>' in html
    assert 'href="?q=trade&amp;date_after=2019-01-01&amp;date_before=2019-12-31">2019</a>' in html


def test_with_a_category_chosen_the_years_count_that_category_alone(client, releases):
    response = client.get(LIST, {"category": "statements-releases"})
    assert facet(response, "year_facet") == [("2021", 2), ("2019", 1)]
    assert facet(response, "category_facet") == [
        ("Statements and Releases", 3),
        ("Press Briefings", 1),
    ]
    assert response.context["paginator"].count == 3


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "trade"},
        {"category": "press-briefings"},
        {"q": "trade", "category": "statements-releases"},
        {"q": "trade", "date_before": "2020-12-31"},
        {"category": "statements-releases", "date_after": "2021-06-10"},
    ],
)
def test_facets_and_count_agree_with_the_releases(client, releases, params):
    response = client.get(LIST, params)
    shown = Release.objects.published()
    if "q" in params:
        shown = shown.filter(body__icontains=params["q"])
    by_category = shown.filter(date__gte=params.get("date_after", "1900-01-01"))
    by_category = by_category.filter(date__lte=params.get("date_before", "2100-01-01"))
    by_year = shown.filter(category__slug=params.get("category", F("category__slug")))
    listed = by_category.filter(pk__in=by_year)
    assert response.context["paginator"].count == listed.count()
    assert dict(facet(response, "category_facet")) == {
        name: by_category.filter(category__name=name).count()
        for name in by_category.values_list("category__name", flat=True).distinct()
    }
    assert dict(facet(response, "year_facet")) == {
        str(year): by_year.filter(date__year=year).count()
        for year in {release.date.year for release in by_year}
    }


def test_facets_take_a_fixed_number_of_queries(client, make_release, later):
    make_release(date=datetime.date(2020, 1, 1))
    # Counted with the search index up to date: catching it up has queries of its own.
    client.get(LIST, {"q": "number"})
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"q": "body"})
    for year in range(2010, 2020):
        make_release(category=f"category-{year}", date=datetime.date(year, 1, 1))
    later()
    client.get(LIST, {"q": "number"})
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST, {"q": "body"})
    assert len(response.context["year_facet"]) == 11
    assert len(many) == len(few)


def test_the_unfiltered_list_shows_its_facets(client, releases):
    response = client.get(LIST)
    assert facet(response, "year_facet") == [("2021", 3), ("2019", 1)]
    assert facet(response, "category_facet")[0] == ("Statements and Releases", 3)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "trade", "category": "statements-releases", "date_after": "2021-01-01"},
        {"category": "press-briefings"},
        {"date_before": "2021-06-30"},
        {},
    ],
)
def test_the_count_shown_is_the_lists(client, releases, params):
    response = client.get(LIST, params)
    shown = len(titles(response))
    assert response.context["paginator"].count == shown
    assert f"{shown} release" in response.text


@pytest.mark.parametrize("path", ["/briefing-room/2021/", "/briefing-room/press-briefings/2021/"])
def test_archive_pages_take_a_fixed_number_of_queries(client, make_release, path, later):
    make_release(category="press-briefings", date=datetime.date(2021, 1, 1))
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for month in range(1, 13):
        make_release(category="press-briefings", date=datetime.date(2021, month, 2))
    later()
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)
    assert len(response.context["month_facet"]) == 12
    assert len(many) == len(few)


def test_archives_link_to_the_nearest_periods_with_releases(client, make_release):
    for date in (datetime.date(2019, 5, 1), datetime.date(2021, 3, 9), datetime.date(2021, 7, 2)):
        make_release(date=date)
    year = client.get("/briefing-room/2021/").text
    assert '<a href="/briefing-room/2019/">← 2019</a>' in year
    assert "2022 →" not in year
    month = client.get("/briefing-room/2021/03/").text
    assert '<a href="/briefing-room/2019/05/">← May 2019</a>' in month
    assert '<a href="/briefing-room/2021/07/">July 2021 →</a>' in month
    in_category = client.get("/briefing-room/statements-releases/2021/07/").text
    assert '<a href="/briefing-room/statements-releases/2021/03/">← March 2021</a>' in in_category


def test_an_archive_page_names_one_next_and_one_previous_page(client, make_release):
    """rel="next" and rel="prev" are the list's pages, not the months either side,
    so that a browser or crawler following them walks this month's pages."""
    for day in range(1, 26):
        make_release(date=datetime.date(2021, 3, day))
    for month in (2, 4):
        make_release(date=datetime.date(2021, month, 1))
    first = client.get("/briefing-room/2021/03/").text
    assert re.findall(r'<a [^>]*rel="(?:next|prev)"[^>]*>', first) == [
        '<a href="?page=2" rel="next">'
    ]
    second = client.get("/briefing-room/2021/03/", {"page": 2}).text
    assert re.findall(r'<a [^>]*rel="(?:next|prev)"[^>]*>', second) == [
        '<a href="?page=1" rel="prev">'
    ]
