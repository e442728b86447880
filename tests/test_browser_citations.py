"""Cite this release in a real browser: opened from its summary on a laptop and a phone,
with and without JavaScript, each citation copied whole from its box.

Debian's Chromium driven by Playwright, as in ``tests/test_browser.py``: all slow.
"""

import pytest

from releases import citations
from tests import test_browser
from tests.test_browser import PHONE, WIDE, new_page

# The same browser for these tests as for the others, started once per module.
browser = test_browser.browser

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORIGINAL = "https://www.whitehouse.gov/briefing-room/press-briefings/2021/01/20/remarks/"


@pytest.fixture
def release(make_release):
    """A release whose title holds quotes and an ampersand, from an archive host."""
    return make_release(
        title='Remarks on the "American Rescue Plan" & Jobs',
        category="press-briefings",
        permalink=f"https://web.archive.org/web/20210120235959/{ORIGINAL}",
        body="The President spoke about the plan.\n\n" * 20,
    )


def cite_summary(page):
    return page.locator("summary", has_text="Cite this release")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_reader_opens_the_citations_and_copies_one_whole(browser, live_server, release, viewport):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(browser, live_server, viewport)
    page.goto(release.get_absolute_url())
    apa = page.get_by_role("textbox", name="APA (7th edition), plain text")
    assert not apa.is_visible(), "folded until asked for"

    cite_summary(page).click()
    _, styles = citations.cite(release)
    assert apa.is_visible()
    assert apa.input_value() == styles[0].text
    assert not apa.is_editable()
    apa.focus()
    page.keyboard.press("Control+A")
    selected = apa.evaluate("box => box.value.slice(box.selectionStart, box.selectionEnd)")
    assert selected == styles[0].text, "select-all in a box takes that citation alone"
    bibtex = page.get_by_role("textbox", name="BibTeX, plain text")
    assert bibtex.input_value().startswith(
        "@misc{whitehouse2021-03-01-remarks-on-the-american-rescue-plan-jobs,"
    )
    assert r"\&" in bibtex.input_value()

    for box in page.locator(".citations textarea").all():
        left, width = box.bounding_box()["x"], box.bounding_box()["width"]
        assert left >= 0, "each box fits the screen"
        assert left + width <= viewport["width"], "each box fits the screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    results = Axe().run(page)
    page.context.close()
    assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
    assert results.violations_count == 0, results.generate_report()


def test_the_citations_open_without_javascript(browser, live_server, release):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(release.get_absolute_url())
    cite_summary(page).click()
    mla = page.get_by_role("textbox", name="MLA (9th edition), plain text")
    assert mla.is_visible()
    assert mla.input_value().startswith("“Remarks on the ‘American Rescue Plan’ & Jobs.”")
    context.close()
