"""Readers and staff in a real browser: Debian's Chromium, driven by Playwright.

They need Chromium at /usr/bin/chromium, required as every service is
(``tests/services.py``). Each starts a live server and a browser: all are slow.
"""

import datetime
import importlib
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from releases.caching.freshness import RENDER_AGAIN_AFTER
from releases.models import Category, Release, Subscription
from tests.services import CHROMIUM, require_chromium
from tests.staff import staff_member

# Chromium's own background traffic has nowhere to go on a closed network.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # the tests make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# A laptop's screen and a phone's, in CSS pixels.
WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def new_page(browser, live_server, viewport=None):
    """Return a page in a browser context of its own, *viewport* sized if given."""
    options = {"viewport": viewport} if viewport else {}
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, live_server):
    page = new_page(browser, live_server, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def fixtures_imported(settings):
    call_command("import_release", str(Path(settings.BASE_DIR, "fixtures")), verbosity=0, nice=0)


def test_reader_filters_by_category_and_dates_then_opens_a_release(page, fixtures_imported):
    page.goto("/briefing-room/")
    page.get_by_label("Category", exact=True).select_option(label="Press Briefings")
    page.get_by_label("From", exact=True).fill("2021-02-01")
    page.get_by_label("To", exact=True).fill("2021-03-31")
    page.get_by_role("button", name="Search").click()

    page.wait_for_url(re.compile(r"category=press-briefings"))
    assert "q=" not in page.url, "the empty search box is left out of the address"
    expected = Release.objects.filter(
        category__slug="press-briefings", date__range=("2021-02-01", "2021-03-31")
    )
    results = page.locator(".release-list article")
    assert results.count() == expected.count() > 0
    assert set(results.locator(".meta a").all_inner_texts()) == {"Press Briefings"}

    newest = expected.first()
    results.first.locator("h3 a").click()
    page.wait_for_url(f"**{newest.get_absolute_url()}")
    assert page.locator("h1").inner_text() == newest.title


def test_reader_searches_and_switches_to_newest_first(page, fixtures_imported):
    page.goto("/briefing-room/")
    page.get_by_role("searchbox", name="Search").fill('"climate change"')
    page.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_url(re.compile(r"q=%22climate"))
    assert page.locator("h2#results-heading").inner_text() == 'Results for "climate change"'
    hits = page.locator(".release-list article")
    assert hits.count() > 0
    assert page.locator(".snippet mark").first.inner_text().lower().startswith("climate")

    page.get_by_role("link", name="newest first").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = page.locator(".release-list time").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('datetime'))"
    )
    assert dates == sorted(dates, reverse=True)


def test_staff_edits_a_title_and_sees_it_on_the_public_page(page, fixtures_imported):
    get_user_model().objects.create_superuser("editor", "editor@example.gov", "a-long-passphrase")
    release = Release.objects.get(slug__startswith="statement-by-senior-advisor")

    page.goto("/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    page.locator("a[href='/admin/releases/release/']").first.click()
    page.get_by_role("textbox", name="Search").fill("Symone Sanders")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("^Statement by Senior Advisor")).click()
    page.get_by_label("Title").fill("Statement on the Vice President’s Meeting in Mexico City")
    page.get_by_label("Change note").fill("Named the meeting in the title.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".messagelist").inner_text().startswith("The release")

    page.goto(release.get_absolute_url())
    assert page.locator("h1").inner_text() == (
        "Statement on the Vice President’s Meeting in Mexico City"
    )


def subscribed(page, email):
    """Subscribe to the list on *page* with *email*, through its form."""
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Subscribe to this list").click()
    page.wait_for_load_state()


def subscription_link(action, confirmed=False):
    """Return the address of a subscription's *action* (confirm, unsubscribe) page."""
    subscription = Subscription.objects.create(
        email="reader@example.org",
        category=Category.objects.get(slug="press-briefings"),
        query="q=vaccine&date_after=2021-03-01",
        token=f"token-{action}-{confirmed}",
        confirmed_at=timezone.now() if confirmed else None,
    )
    return f"/subscriptions/{subscription.token}/{action}/"


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
@pytest.mark.parametrize(
    "path",
    [
        "/briefing-room/",
        "/briefing-room/?q=vaccine&category=press-briefings",
        "/briefing-room/?q=vaccine&speaker=jen-psaki",
        "/briefing-room/?q=the",
        "/briefing-room/2021/",
        "/briefing-room/press-briefings/2021/03/",
        "SEED",
        "/no-such-page/",
        "SUBSCRIBED",
        "BAD-ADDRESS",
        "CONFIRM",
        "CONFIRMED",
        "UNSUBSCRIBE",
    ],
    ids=[
        "list",
        "search",
        "speaker-search",
        "bad-search",
        "year",
        "category-month",
        "release",
        "not-found",
        "subscribed",
        "bad-address",
        "confirm",
        "confirmed",
        "unsubscribe",
    ],
)
def test_pages_pass_an_accessibility_audit(browser, live_server, fixtures_imported, path, viewport):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(browser, live_server, viewport)
    if path == "SEED":
        page.goto(
            Release.objects.get(slug__startswith="statement-by-senior-advisor").get_absolute_url()
        )
    elif path in {"SUBSCRIBED", "BAD-ADDRESS"}:
        page.goto("/briefing-room/press-briefings/?q=vaccine")
        # The browser lets "reader@example" through; the server refuses it.
        subscribed(page, "reader@example.org" if path == "SUBSCRIBED" else "reader@example")
        heading = "Check your email" if path == "SUBSCRIBED" else "Check the address"
        assert page.locator("h1").inner_text() == heading
    elif path in {"CONFIRM", "CONFIRMED", "UNSUBSCRIBE"}:
        action = "unsubscribe" if path == "UNSUBSCRIBE" else "confirm"
        page.goto(subscription_link(action, confirmed=path == "CONFIRMED"))
    else:
        page.goto(path)
    results = Axe().run(page)
    page.context.close()
    assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
    assert results.violations_count == 0, results.generate_report()


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_on_a_phone_the_results_come_first_and_the_filters_open_from_their_summary(
    phone, fixtures_imported
):
    phone.goto("/briefing-room/")
    first = phone.locator(".release-list article").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"], "the first result is on screen, whole"
    search = phone.get_by_role("searchbox", name="Search")
    assert not search.is_visible(), "the filters are folded away"
    assert scroll_width(phone) <= PHONE["width"]

    phone.locator(".search-panel summary").click()
    search.fill("vaccine")
    phone.get_by_label("Category", exact=True).select_option(label="Press Briefings")
    phone.get_by_role("button", name="Search", exact=True).click()
    phone.wait_for_url(re.compile(r"q=vaccine"))
    assert "(2 in use)" in phone.locator(".search-panel summary").inner_text()
    assert not search.is_visible(), "the panel folds again over the new results"
    results = phone.locator(".release-list article")
    assert set(results.locator(".meta a").all_inner_texts()) == {"Press Briefings"}
    first = results.first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"]
    assert scroll_width(phone) <= PHONE["width"]


@pytest.mark.parametrize(
    "path", ["/briefing-room/", "/briefing-room/press-briefings/", "/briefing-room/2021/"]
)
def test_on_a_phone_the_counts_are_reached_before_the_list(phone, fixtures_imported, path):
    """The links by category and by year (or month) are in the folded panel: once it is
    open, each of them lies above the first result, so no reader scrolls past the list."""
    phone.goto(path)
    phone.locator(".search-panel summary").click()
    first_result = phone.locator(".release-list article").first.bounding_box()
    facets = phone.locator(".search-panel nav")
    assert facets.count() == 2
    for facet in facets.all():
        assert facet.is_visible()
        box = facet.bounding_box()
        assert box["y"] + box["height"] <= first_result["y"]
    assert scroll_width(phone) <= PHONE["width"]
    phone.get_by_role("link", name=re.compile("^2021$|^March$")).click()
    phone.wait_for_url(re.compile(r"date_after=2021-01-01|/2021/03/"))
    assert phone.locator(".release-list article").count() > 0


def test_on_a_wide_screen_the_filters_show_without_a_click(browser, live_server, fixtures_imported):
    page = new_page(browser, live_server, WIDE)
    page.goto("/briefing-room/")
    assert not page.locator(".search-panel summary").is_visible()
    assert page.get_by_role("searchbox", name="Search").is_visible()
    assert page.get_by_role("heading", name="By category").is_visible()
    panel = page.locator(".search-panel").bounding_box()
    first = page.locator(".release-list article").first.bounding_box()
    assert first["x"] >= panel["x"] + panel["width"], "the results stand beside the filters"
    assert first["y"] + first["height"] <= WIDE["height"]
    page.context.close()


def test_keyboard_alone_searches_and_opens_a_result_with_focus_always_visible(
    page, fixtures_imported
):
    page.goto("/briefing-room/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    assert_focus_is_visible(page)
    page.keyboard.type("vaccine")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=vaccine"))
    first_result = page.locator(".release-list h3 a").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.release-list') !== null"):
            break
    assert page.evaluate("document.activeElement.href") == first_result.evaluate("a => a.href")
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/briefing-room/[a-z-]+/\d{4}/\d\d/\d\d/"))


def assert_focus_is_visible(page):
    style, width = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert style != "none"
    assert width != "0px"


def signed_in(browser, live_server, user, viewport=None):
    """Return a page in a browser context of its own, signed in to the admin as *user*,
    in a window of *viewport* (Playwright's default if None)."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    user.set_password("a-long-passphrase")
    user.save()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


def save(page):
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was changed successfully" in page.locator(".messagelist").inner_text() or (
        "was added successfully" in page.locator(".messagelist").inner_text()
    )


@pytest.fixture
def roles():
    """The staff groups, as their migration makes them: an earlier test's flush removes them."""
    migration = importlib.import_module("releases.migrations.0011_editor_and_publisher_groups")
    migration.create_groups(django_apps, schema_editor=None)


def test_a_release_from_draft_to_withdrawal(browser, live_server, page, roles):
    """An editor drafts; a publisher schedules; readers see it at its minute; an editor
    corrects it with a note; the publisher restores the first text; then withdraws it."""
    from axe_playwright_python.sync_playwright import Axe

    editor = signed_in(browser, live_server, staff_member("edna", "Editors"))
    publisher = signed_in(browser, live_server, staff_member("percy", "Publishers"))
    reader = page
    call_command(
        "import_release", str(Path(__file__).parent.parent / "fixtures"), verbosity=0, nice=0
    )

    editor.goto("/admin/releases/release/add/")
    editor.get_by_label("Title").fill("Statement on the Harbour Agreement")
    statements = Category.objects.get(slug="statements-releases")
    editor.locator("#id_category").select_option(label=statements.name)
    editor.locator("#id_body").fill("The agreement was signed at 10 a.m. in Baltimore.")
    editor.locator("#id_date").fill("2026-11-28")
    assert editor.locator("#id_status").count() == 0, "editors do not choose the status"
    save(editor)
    release = Release.objects.get(title="Statement on the Harbour Agreement")
    assert release.status == Release.Status.DRAFT
    assert release.permalink.endswith(release.get_absolute_url())

    embargo = (timezone.localtime() + datetime.timedelta(days=1)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    publisher.goto(f"/admin/releases/release/{release.pk}/change/")
    publisher.locator("#id_status").select_option("published")
    publisher.locator("#id_published_at_0").fill(embargo.date().isoformat())
    publisher.locator("#id_published_at_1").fill("14:00:00")
    save(publisher)
    assert f"Scheduled for {embargo:%Y-%m-%d} 14:00" in publisher.content()

    address = release.get_absolute_url()
    assert reader.goto(address).status == 404
    reader.goto("/briefing-room/")
    assert "Harbour Agreement" not in reader.content()

    clock = time_machine.travel(embargo + datetime.timedelta(minutes=1), tick=True)
    moments = clock.start()
    try:
        reader.goto("/briefing-room/")
        reader.get_by_role("link", name="Statement on the Harbour Agreement").click()
        reader.wait_for_url(f"**{address}")

        editor.goto(f"/admin/releases/release/{release.pk}/change/")
        editor.locator("#id_body").fill("The agreement was signed at 11 a.m. in Baltimore.")
        editor.get_by_role("button", name="Save", exact=True).click()
        error = editor.locator(".field-change_note .errorlist").inner_text()
        assert "say what this correction changes" in error
        editor.get_by_label("Change note").fill("Corrected the time of the signing.")
        save(editor)

        # A reader sees the correction once their copy is half the bound old.
        moments.shift(settings.BRIEFING_STALE_SECONDS * RENDER_AGAIN_AFTER)
        reader.goto(address)
        changes = reader.locator(".changes li")
        assert changes.count() == 1
        assert "Corrected the time of the signing." in changes.inner_text()
        reader.get_by_role("link", name="See what changed").click()
        assert reader.locator(".diff del").all_inner_texts() == ["10"]
        assert reader.locator(".diff ins").all_inner_texts() == ["11"]
        assert Axe().run(reader).violations_count == 0

        publisher.goto(f"/admin/releases/release/{release.pk}/history/")
        revisions = publisher.locator("#change-history tbody th a")
        revisions.nth(1).click()  # newest first: the text as it went out
        assert "10 a.m." in publisher.locator("#id_body").input_value()
        publisher.get_by_label("Change note").fill("Restored the first text.")
        publisher.get_by_role("button", name="Revert").click()
        assert "was changed successfully" in publisher.locator(".messagelist").inner_text()
        moments.shift(settings.BRIEFING_STALE_SECONDS * RENDER_AGAIN_AFTER)
        reader.goto(address)
        assert "signed at 10 a.m." in reader.locator(".release-body").inner_text()
        assert reader.locator(".changes li").count() == 2

        publisher.goto(f"/admin/releases/release/{release.pk}/change/")
        publisher.locator("#id_status").select_option("withdrawn")
        publisher.locator("#id_withdrawal_reason").fill("Replaced by the joint statement.")
        save(publisher)
        moments.shift(settings.BRIEFING_STALE_SECONDS * RENDER_AGAIN_AFTER)
        response = reader.goto(address)
        assert response.status == 200
        notice = reader.locator(".notice.withdrawn").inner_text()
        assert "Withdrawn on" in notice
        assert "Replaced by the joint statement." in notice
        assert Axe().run(reader).violations_count == 0
        reader.goto("/briefing-room/")
        assert "Harbour Agreement" not in reader.content()
    finally:
        clock.stop()


def test_pages_keep_to_the_content_security_policy(browser, live_server, page, roles):
    """No page, public or staff, does anything its Content-Security-Policy forbids."""
    call_command(
        "import_release", str(Path(__file__).parent.parent / "fixtures"), verbosity=0, nice=0
    )
    release = Release.objects.get(slug__startswith="statement-by-senior-advisor")
    staff = signed_in(browser, live_server, staff_member("percy", "Publishers"))
    violations = []
    for tab in (page, staff):
        tab.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
    public = ["/briefing-room/", "/briefing-room/?q=vaccine", "/briefing-room/2021/03/"]
    for path in [*public, release.get_absolute_url(), "/no-such-page/"]:
        page.goto(path)
    admin = "/admin/releases/release/"
    for path in [
        admin,
        f"{admin}add/",
        f"{admin}{release.pk}/change/",
        f"{admin}{release.pk}/history/",
        f"{admin}{release.pk}/history/compare/",
        f"{admin}{release.pk}/preview/",
        "/admin/releases/importrun/upload/",
    ]:
        staff.goto(path)
        staff.wait_for_load_state("networkidle")
    assert violations == []


def png(width, height):
    """Return a PNG of one colour, *width* by *height* pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x0b\x3d\x91" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + (chunk(b"IEND", b""))
    )


CHART = "https://www.whitehouse.gov/wp-content/uploads/2021/03/chart.png"
MISSING = "https://bidenwhitehouse.archives.gov/wp-content/uploads/missing.png"
ELSEWHERE = "https://lh3.googleusercontent.com/e_12sl43"
IMAGES_BODY = f"""First paragraph.

![Jobs added each month, 2021]({CHART})

Second paragraph.

<img src="{ELSEWHERE}" width="598" height="279" />

Third paragraph.

<img src="{MISSING}" width="2360" height="1180" />

Fourth paragraph.

Fifth paragraph.
"""


@pytest.fixture
def image_hosts(page):
    """The press office's hosts and another, served by the browser itself; the
    addresses it was asked for, in order."""
    asked = []

    def serve(route):
        asked.append(route.request.url)
        if route.request.url == CHART:
            route.fulfill(body=png(400, 200), content_type="image/png")
        else:
            route.fulfill(status=404, body="Not found")

    for host in ("www.whitehouse.gov", "bidenwhitehouse.archives.gov", "lh3.googleusercontent.com"):
        page.route(f"https://{host}/**", serve)
    return asked


def paragraph_top(page, text):
    return page.get_by_text(text, exact=True).bounding_box()["y"]


def test_images_from_the_image_hosts_load_and_others_leave_no_trace(
    page, image_hosts, make_release
):
    release = make_release(body=IMAGES_BODY)
    page.goto(release.get_absolute_url())
    page.wait_for_load_state("networkidle")

    chart = page.get_by_role("img", name="Jobs added each month, 2021")
    assert chart.evaluate("image => image.complete && image.naturalWidth") == 400
    assert ELSEWHERE not in image_hosts, "only the image hosts are asked"
    # Where an image is not shown, the paragraphs either side are as far apart as any two.
    spacing = paragraph_top(page, "Fifth paragraph.") - paragraph_top(page, "Fourth paragraph.")
    left_out = paragraph_top(page, "Third paragraph.") - paragraph_top(page, "Second paragraph.")
    assert left_out == spacing
    missing = page.locator(f'.release-body img[src="{MISSING}"]')
    assert missing.bounding_box()["height"] == 0, "an image that fails to load takes no room"
    gap = paragraph_top(page, "Fourth paragraph.") - paragraph_top(page, "Third paragraph.")
    assert gap < 2 * spacing


def test_the_policy_blocks_images_from_other_hosts(page, image_hosts, make_release):
    release = make_release(body=IMAGES_BODY)
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(release.get_absolute_url())
    # As if the body had kept it: the browser itself refuses the other host.
    page.evaluate(
        "source => { const image = new Image(); image.alt = ''; image.src = source;"
        " document.querySelector('.release-body').append(image); }",
        ELSEWHERE,
    )
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)
    assert ELSEWHERE not in image_hosts
    assert any("img-src" in message for message in blocked)


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["wide", "phone"])
def test_a_release_page_with_images_passes_an_accessibility_audit(
    page, image_hosts, make_release, size
):
    from axe_playwright_python.sync_playwright import Axe

    release = make_release(body=IMAGES_BODY)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(release.get_absolute_url())
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    assert "image-alt" in {rule["id"] for rule in results.response["passes"]}
    assert results.violations_count == 0, results.generate_report()


def test_the_aside_sits_beside_the_text_on_a_wide_screen(page, fixtures_imported):
    release = Release.objects.get(slug__startswith="statement-by-senior-advisor")
    page.set_viewport_size(WIDE)
    page.goto(release.get_absolute_url())
    title = page.locator("h1").bounding_box()
    body = page.locator(".release-body").bounding_box()
    aside = page.locator(".release-aside").bounding_box()
    assert aside["x"] >= body["x"] + body["width"], "to the right of the text"
    assert aside["y"] <= title["y"] + title["height"], "level with the title"
    assert aside["x"] + aside["width"] <= 1366
    assert page.get_by_role("complementary").get_by_role("link", name="JSON").is_visible()


def test_on_a_phone_the_aside_follows_the_text_and_nothing_overflows(page, fixtures_imported):
    page.set_viewport_size(PHONE)
    for release in Release.objects.all():
        page.goto(release.get_absolute_url())
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, release.title
    body = page.locator(".release-body").bounding_box()
    aside = page.locator(".release-aside").bounding_box()
    assert aside["y"] >= body["y"] + body["height"]
    assert aside["width"] <= 390


# The admin at a laptop's width (1366 px) and a phone's, and the correction change pages.


def corrected_release():
    """Return the seed release with a correction to its list and its bold words, and the
    correction's revision."""
    release = Release.objects.get(slug__startswith="statement-by-senior-advisor")
    release.body = "Attending:\n\n-   **Key Bridge** officials\n-   Mayors\n\n" + release.body
    release.change_note = "Named those attending."
    release.modified_at = timezone.now()
    release.save()
    return release, release.public_changes().get()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["laptop", "phone"])
def test_correction_change_pages_pass_an_accessibility_audit(
    browser, live_server, fixtures_imported, viewport
):
    from axe_playwright_python.sync_playwright import Axe

    release, revision = corrected_release()
    staff_user = get_user_model().objects.create_superuser("chief", "c@example.gov", "x")
    staff = signed_in(browser, live_server, staff_user, viewport=viewport)
    public = f"{release.get_absolute_url()}changes/{revision.pk}/"
    compare = f"/admin/releases/release/{release.pk}/history/compare/"
    for path in (public, compare):
        staff.goto(path)
        diff = staff.locator("div.diff")
        assert "Key Bridge officials\nMayors" in diff.locator("ins").first.inner_text()
        assert "**" not in diff.inner_text()
        results = Axe().run(staff)
        assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"


def test_admin_lists_fit_a_laptop_screen_a_row_two_lines_at_most(
    browser, live_server, fixtures_imported, tmp_path
):
    for number in range(3):
        (tmp_path / f"bad-{number}.md").write_text("---\ntitle: No permalink\n---\nText.\n")
    with pytest.raises(CommandError):
        call_command("import_release", str(tmp_path), verbosity=0, nice=0)
    staff_user = get_user_model().objects.create_superuser("chief", "c@example.gov", "x")
    staff = signed_in(browser, live_server, staff_user, viewport=WIDE)
    for path in ("/admin/releases/release/", "/admin/releases/importrun/"):
        staff.goto(path)
        results = staff.locator("#changelist .results")
        scroll, width = results.evaluate("node => [node.scrollWidth, node.clientWidth]")
        assert scroll <= width, f"{path} is cut off: {scroll} px of table in {width} px"
    staff.goto("/admin/releases/release/")
    heights = staff.locator("#result_list tbody tr").evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().height)"
    )
    line = float(
        staff.locator("#result_list td").first.evaluate("td => getComputedStyle(td).lineHeight")[
            :-2
        ]
    )
    # Two lines of text, and the cells' padding and border.
    assert max(heights) <= 2 * line + 18, f"a row is {max(heights)} px high"


def test_a_long_title_wraps_clear_of_the_release_forms_buttons(
    browser, live_server, fixtures_imported
):
    release = Release.objects.get(slug__startswith="statement-by-senior-advisor")
    assert len(release.title) > 150
    staff_user = get_user_model().objects.create_superuser("chief", "c@example.gov", "x")
    staff = signed_in(browser, live_server, staff_user, viewport=WIDE)
    staff.goto(f"/admin/releases/release/{release.pk}/change/")
    title = staff.locator("#content > h2").bounding_box()
    for button in staff.locator(".object-tools li").all():
        box = button.bounding_box()
        assert box["y"] >= title["y"] + title["height"] or box["x"] >= title["x"] + title["width"]


def test_a_release_added_with_the_forms_defaults_saves_the_first_time(
    browser, live_server, fixtures_imported, roles
):
    editor = signed_in(browser, live_server, staff_member("edna", "Editors"), viewport=WIDE)
    editor.goto("/admin/releases/release/add/")
    editor.get_by_label("Title").fill("Readout of the President’s call with mayors")
    category = Release.objects.get(slug__startswith="statement-by-senior-advisor").category
    editor.get_by_label("Category").select_option(str(category.pk))
    editor.get_by_label("Body").fill("The President spoke with mayors today.")
    save(editor)
    release = Release.objects.get(slug="readout-of-the-presidents-call-with-mayors")
    assert release.date == timezone.localdate()
    assert release.status == Release.Status.DRAFT
