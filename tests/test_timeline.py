"""The timeline above every list: a bar a month (or a year), each a link to its period."""

import datetime
import re

import pytest
from django.http import QueryDict

from releases.timeline import HEIGHT, MOST_MONTH_BARS, timeline

LIST = "/briefing-room/"
BAR = re.compile(
    r'<a href="([^"]+)" aria-label="([^":]+): (\d+) releases?">'
    r'<title>[^<]*</title><rect class="([^"]+)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
    r'height="([\d.]+)"/><rect class="timeline-target" [^>]*/></a>'
)


def bars(response):
    """Return each bar of a page's chart: (address, label, count, classes, height)."""
    return [
        (address.replace("&amp;", "&"), label, int(count), classes, float(height))
        for address, label, count, classes, _, height in BAR.findall(response.content.decode())
    ]


def releases_on(make_release, *days, **fields):
    for day in days:
        make_release(date=datetime.date.fromisoformat(day), **fields)


@pytest.mark.django_db
def test_each_bar_is_as_high_as_its_months_count_and_links_to_it(client, make_release):
    releases_on(make_release, "2021-01-04", "2021-03-01", "2021-03-02", "2021-03-03", "2021-03-31")
    drawn = bars(client.get(LIST))
    assert [(label, count) for _, label, count, _, _ in drawn] == [
        ("January 2021", 1),
        ("March 2021", 4),
    ]
    assert [height for *_, height in drawn] == [HEIGHT / 4, HEIGHT]
    assert drawn[0][0] == "?date_after=2021-01-01&date_before=2021-01-31"
    january = client.get(f"{LIST}{drawn[0][0]}")
    assert january.context["paginator"].count == 1
    march = client.get(f"{LIST}{drawn[1][0]}")
    assert march.context["paginator"].count == 4


@pytest.mark.django_db
def test_a_month_without_releases_has_no_bar_and_no_row(client, make_release):
    releases_on(make_release, "2021-01-04", "2021-03-01")
    page = client.get(LIST).content.decode()
    assert "February 2021" not in page
    assert "Releases by month, January 2021 to March 2021" in page


@pytest.mark.django_db
def test_the_bars_keep_the_lists_other_filters(client, make_release):
    releases_on(make_release, "2021-01-04", "2021-02-01", category="press-briefings")
    releases_on(make_release, "2021-05-04")
    drawn = bars(client.get(LIST, {"category": "press-briefings"}))
    assert [address for address, *_ in drawn] == [
        "?category=press-briefings&date_after=2021-01-01&date_before=2021-01-31",
        "?category=press-briefings&date_after=2021-02-01&date_before=2021-02-28",
    ]
    category_page = bars(client.get("/briefing-room/press-briefings/"))
    assert [count for _, _, count, _, _ in category_page] == [1, 1]


@pytest.mark.django_db
def test_a_list_narrowed_to_dates_marks_the_bars_outside_them(client, make_release):
    releases_on(make_release, "2021-01-04", "2021-02-01", "2021-03-01")
    drawn = bars(client.get(LIST, {"date_after": "2021-02-01", "date_before": "2021-03-31"}))
    assert [(label, classes) for _, label, _, classes, _ in drawn] == [
        ("January 2021", "timeline-bar timeline-other"),
        ("February 2021", "timeline-bar"),
        ("March 2021", "timeline-bar"),
    ]


@pytest.mark.django_db
def test_a_search_has_its_timeline_from_the_index(client, make_release):
    make_release(date=datetime.date(2021, 1, 4), body="Tariffs on steel.")
    make_release(date=datetime.date(2021, 4, 4), body="Tariffs on aluminium.")
    make_release(date=datetime.date(2021, 6, 4), body="Nothing of the kind.")
    drawn = bars(client.get(LIST, {"q": "tariffs"}))
    assert [(address, count) for address, _, count, _, _ in drawn] == [
        ("?q=tariffs&date_after=2021-01-01&date_before=2021-01-31", 1),
        ("?q=tariffs&date_after=2021-04-01&date_before=2021-04-30", 1),
    ]
    narrowed = bars(client.get(LIST, {"q": "tariffs", "date_after": "2021-03-01"}))
    assert [(label, count, classes) for _, label, count, classes, _ in narrowed] == [
        ("January 2021", 1, "timeline-bar timeline-other"),
        ("April 2021", 1, "timeline-bar"),
    ]


@pytest.mark.django_db
def test_a_list_of_more_than_six_years_has_a_bar_a_year(client, make_release):
    releases_on(make_release, "2015-03-01", "2015-09-01", "2023-06-01")
    drawn = bars(client.get(LIST))
    assert [(label, count) for _, label, count, _, _ in drawn] == [("2015", 2), ("2023", 1)]
    assert drawn[0][0] == "?date_after=2015-01-01&date_before=2015-12-31"
    assert "Releases by year, 2015 to 2023" in client.get(LIST).content.decode()


@pytest.mark.django_db
def test_a_list_within_one_month_has_no_chart(client, make_release):
    releases_on(make_release, "2021-03-01", "2021-03-30")
    assert 'class="timeline"' not in client.get(LIST).content.decode()
    releases_on(make_release, "2021-04-01")
    assert 'class="timeline"' not in client.get("/briefing-room/2021/03/").content.decode()
    assert 'class="timeline"' in client.get("/briefing-room/2021/").content.decode()


@pytest.mark.django_db
def test_the_chart_has_its_counts_as_a_table(client, make_release):
    releases_on(make_release, "2021-01-04", "2021-03-01", "2021-03-02")
    page = client.get(LIST).content.decode()
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>(\d+)</td>', page)
    assert rows == [
        ("?date_after=2021-01-01&amp;date_before=2021-01-31", "January 2021", "1"),
        ("?date_after=2021-03-01&amp;date_before=2021-03-31", "March 2021", "2"),
    ]
    assert "<summary>The counts as a table</summary>" in page


def months_from(first, number):
    """Return {(year, month): 1} for *number* months from *first* ((year, month))."""
    year, month = first
    counts = {}
    for _ in range(number):
        counts[year, month] = 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return counts


def test_six_years_of_months_are_months_and_one_more_is_years():
    assert timeline(months_from((2019, 1), MOST_MONTH_BARS), QueryDict()).unit == "month"
    assert timeline(months_from((2019, 1), MOST_MONTH_BARS + 1), QueryDict()).unit == "year"


def test_a_chart_by_month_marks_where_each_year_begins():
    drawn = timeline({(2020, 11): 1, (2021, 2): 3}, QueryDict())
    assert len(drawn.bars) == 4
    assert len(drawn.separators) == 1
    assert drawn.bars[1].x < drawn.separators[0] < drawn.bars[2].x


def test_bars_of_the_speaker_page_lead_to_the_list():
    drawn = timeline(
        {(2021, 1): 2, (2021, 2): 1}, QueryDict("speaker=jen-psaki"), "/briefing-room/"
    )
    assert drawn.bars[1].address == (
        "/briefing-room/?speaker=jen-psaki&date_after=2021-02-01&date_before=2021-02-28"
    )
