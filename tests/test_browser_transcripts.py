"""A transcript's page in a real browser: its turns and speakers, and each paragraph's link to
itself, seen on hover and reached by keyboard, a table's beside it as a paragraph's is
(Chromium through Playwright, as in test_browser).

Screenshots of what is checked go to /tmp/shots/, for a person to look at.
"""

import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from releases.models import Release
from tests import test_browser
from tests.release_files import ARCHIVE_SAMPLE
from tests.test_browser import PHONE, WIDE, new_page

# The same Chromium for each of this module's tests, started as test_browser starts it.
browser = test_browser.browser

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
BRIEFING = ARCHIVE_SAMPLE / (
    "press-briefings/2021-03/2021-03-02-press-briefing-by-press-secretary-jen-psaki-march-2-2021.md"
)


@pytest.fixture
def briefing():
    """The press briefing of 2 March 2021 imported, its speakers known: the people the
    seed migration adds, which an earlier test's flush removed."""
    seeding = importlib.import_module("releases.transcripts.migrations.0002_seed_people")
    seeding.seed(django_apps, schema_editor=None)
    call_command("import_release", str(BRIEFING), verbosity=0, nice=0)
    SHOTS.mkdir(exist_ok=True)
    return Release.objects.get()


def opacity(locator):
    return locator.evaluate("node => getComputedStyle(node).opacity")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_a_transcript_page_passes_an_accessibility_audit_and_fits_the_screen(
    browser,
    live_server,
    briefing,
    viewport,
):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(browser, live_server, viewport)
    page.goto(briefing.get_absolute_url())
    speaker = page.locator("#t1 .speaker")
    assert speaker.inner_text().strip() == "MS. PSAKI:"
    assert speaker.get_by_role("link", name="MS. PSAKI").get_attribute("href") == (
        "/briefing-room/speakers/jen-psaki/"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    name = "wide" if viewport is WIDE else "phone"
    page.screenshot(path=SHOTS / f"transcript-{name}.png")
    results = Axe().run(page)
    page.context.close()
    assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
    assert results.violations_count == 0, results.generate_report()


def test_a_paragraphs_link_shows_on_hover_and_is_named_for_screen_readers(
    browser,
    live_server,
    briefing,
):
    page = new_page(browser, live_server, WIDE)
    page.goto(briefing.get_absolute_url())
    link = page.locator("#p3 > a.anchor")
    assert opacity(link) == "0"
    assert link.get_attribute("aria-label") == "Link to paragraph 3"
    assert page.get_by_role("link", name="Link to paragraph 3", exact=True).count() == 1
    page.locator("#p3").hover()
    assert opacity(link) == "1"
    assert link.evaluate("node => getComputedStyle(node, '::after').content") == '"¶" / ""'
    page.locator("#p3").screenshot(path=SHOTS / "paragraph-link-hover.png")
    link.click()
    assert page.url.endswith(f"{briefing.get_absolute_url()}#p3")
    page.context.close()


def test_a_paragraphs_link_shows_when_reached_by_keyboard(
    browser,
    live_server,
    briefing,
):
    page = new_page(browser, live_server, WIDE)
    page.goto(briefing.get_absolute_url())
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.release-body a.anchor')"):
            break
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused in {"Link to paragraph 1", "Link to turn 1"}
    # Past the first, on to the first paragraph a turn holds.
    while focused != "Link to paragraph 2":
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert opacity(page.locator("#p2 > a.anchor")) == "1"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.locator("#t1").screenshot(path=SHOTS / "paragraph-link-focus.png")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{briefing.get_absolute_url()}#p2")
    page.context.close()


def test_a_paragraphs_link_shows_faintly_on_a_touch_screen_which_cannot_hover(
    browser,
    live_server,
    briefing,
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(briefing.get_absolute_url())
    assert page.evaluate("matchMedia('(hover: none)').matches")
    assert 0 < float(opacity(page.locator("#p3 > a.anchor"))) < 1
    assert 0 < float(opacity(page.locator("#t1 .speaker > a.anchor"))) < 1
    page.locator("#t1").screenshot(path=SHOTS / "paragraph-link-touch.png")
    page.locator("#p3 > a.anchor").tap()
    assert page.url.endswith(f"{briefing.get_absolute_url()}#p3")
    context.close()


def test_copied_text_holds_no_link_marks_and_a_turns_address_opens_at_it(
    browser,
    live_server,
    briefing,
):
    page = new_page(browser, live_server, PHONE)
    page.goto(f"{briefing.get_absolute_url()}#t5")
    assert page.evaluate("document.querySelector(':target').id") == "t5"
    top = page.locator("#t5").bounding_box()["y"]
    # Scrolled to it: its top at the window's, give or take a fraction of a pixel.
    assert -1 < top < PHONE["height"] / 2
    copied = page.evaluate(
        "(() => { const range = document.createRange();"
        " range.selectNodeContents(document.querySelector('#t1'));"
        " const selection = getSelection(); selection.removeAllRanges();"
        " selection.addRange(range); return selection.toString(); })()"
    )
    assert copied.startswith("MS. PSAKI:")
    assert "¶" not in copied
    assert "#" not in copied
    page.screenshot(path=SHOTS / "transcript-turn-target-phone.png")
    page.context.close()


RATES = (
    "Rates rose.\n\n| Year | Rate |\n| --- | --- |\n| 2020 | 1.5% |\n| 2021 | 2.0% |\n\n"
    "They held.\n"
)
# Wider than a phone: the table scrolls within the column, its link still beside it.
WIDE_TABLE = "| " + " | ".join(f"Column {n}" for n in range(12)) + " |\n" + "| --- " * 12 + "|\n"


@pytest.mark.parametrize(
    ("viewport", "body"),
    [(WIDE, RATES), (PHONE, RATES.replace("| Year | Rate |\n| --- | --- |\n", WIDE_TABLE))],
    ids=["wide", "phone-wide-table"],
)
def test_a_tables_link_sits_beside_its_top_corner_and_shows_on_keyboard_focus(
    browser, live_server, make_release, viewport, body
):
    release = make_release(body=body)
    page = new_page(browser, live_server, viewport)
    page.goto(release.get_absolute_url())
    table, link = page.locator("table#p2"), page.locator('a.anchor[href="#p2"]')
    table_box, link_box = table.bounding_box(), link.bounding_box()
    right = table_box["x"] + table_box["width"]
    assert right <= link_box["x"] < right + link_box["width"], "just right of the table"
    assert abs(link_box["y"] - table_box["y"]) < link_box["height"] / 2, "level with its top"
    assert link_box["x"] + link_box["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert opacity(link) == "0"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#p2":
            break
    assert opacity(link) == "1"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    SHOTS.mkdir(exist_ok=True)
    page.locator(".release-body").screenshot(path=SHOTS / f"table-link-{viewport['width']}.png")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{release.get_absolute_url()}#p2")
    page.context.close()
