"""A speaker's page and a list's timeline in a real browser, on a laptop and a phone.

Screenshots of each go to /tmp/shots/, for a person to look at.
"""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from tests.release_files import ARCHIVE_SAMPLE
from tests.test_browser import PHONE, WIDE, browser, new_page  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PAGES = {"speaker": "/briefing-room/speakers/jen-psaki/", "list": "/briefing-room/press-briefings/"}


@pytest.fixture
def sample_imported():
    """The archive sample, its speakers resolved to the people their migration seeds (an
    earlier test's flush removes them)."""
    migration = importlib.import_module("releases.transcripts.migrations.0002_seed_people")
    migration.seed(django_apps, schema_editor=None)
    call_command("import_release", str(ARCHIVE_SAMPLE), verbosity=0, jobs=0, nice=0)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_the_chart_fits_the_screen_leads_to_its_month_and_passes_an_audit(
    browser,  # noqa: F811
    live_server,
    sample_imported,
    name,
    viewport,
):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(browser, live_server, viewport)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(PAGES[name])
    chart = page.locator("svg.timeline-chart")
    box = chart.bounding_box()
    assert box["width"] > viewport["width"] / 2, "the chart spans the column"
    assert box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"timeline-{name}-{viewport['width']}.png", full_page=True)
    results = Axe().run(page)
    assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
    assert results.violations_count == 0, results.generate_report()

    february = page.get_by_role("link", name=re.compile(r"^February 2021: \d+ releases?$"))
    assert february.count() == 1, "the bar (the table's row is folded away)"
    february.first.click()
    page.wait_for_url(re.compile(r"date_after=2021-02-01&date_before=2021-02-28"))
    page.context.close()
    assert refused == []


def test_the_counts_table_opens_without_a_script(browser, live_server, sample_imported):  # noqa: F811
    page = new_page(browser, live_server, PHONE)
    page.goto(PAGES["speaker"])
    table = page.locator(".timeline-table table")
    assert not table.is_visible()
    page.get_by_text("The counts as a table").click()
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 3
    page.context.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_index_of_speakers_fits_the_screen(browser, live_server, sample_imported, viewport):  # noqa: F811
    page = new_page(browser, live_server, viewport)
    page.goto("/briefing-room/speakers/")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    last = page.get_by_role("columnheader", name="Last appearance").bounding_box()
    assert last["x"] + last["width"] <= viewport["width"], "every column on the screen"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"speakers-{viewport['width']}.png", full_page=True)
    page.context.close()


@pytest.fixture
def six_years_of_months(make_release):
    """A release each month from January 2015 to December 2020, and nine more in its last
    month: 72 bars, most of them a tenth of the highest."""
    for year in range(2015, 2021):
        for month in range(1, 13):
            make_release(date=datetime.date(year, month, 3))
    for day in range(10, 19):
        make_release(date=datetime.date(2020, 12, day))


def test_on_a_phone_each_bar_of_a_long_chart_is_a_fingertip_wide_and_the_chart_scrolls(
    browser,  # noqa: F811
    live_server,
    six_years_of_months,
):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(browser, live_server, PHONE)
    page.goto("/briefing-room/")
    links = page.locator("svg.timeline-chart a")
    assert links.count() == 72
    for box in links.evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().toJSON())"
    ):
        assert box["width"] >= 24, box
        assert box["height"] >= 24, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    scroll = page.locator(".timeline-scroll")
    assert scroll.evaluate("box => box.scrollWidth > box.clientWidth"), "it scrolls in its box"
    # It opens at the newest months, as the list beneath does.
    newest = page.get_by_role("link", name="December 2020: 10 releases", exact=True)
    shown = newest.bounding_box()
    assert shown["x"] >= 0, shown
    assert shown["x"] + shown["width"] <= PHONE["width"], shown
    # The labels of its ends sit under its ends, and scroll with it.
    chart = page.locator("svg.timeline-chart").bounding_box()
    first, last = (page.locator(".timeline-axis span").nth(n).bounding_box() for n in (0, 1))
    assert abs(first["x"] - chart["x"]) < 1, (first, chart)
    assert abs(last["x"] + last["width"] - chart["x"] - chart["width"]) < 1, (last, chart)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "timeline-72-months-390.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # Tapped at its middle, high above its short bar, the last January leads to its month.
    january = page.get_by_role("link", name="January 2020: 1 release", exact=True)
    january.click()
    page.wait_for_url(re.compile(r"date_after=2020-01-01&date_before=2020-01-31"))
    page.context.close()
