"""A release's rendering (its HTML, text and summary), worked out when it is saved and kept
beside it: every way a body changes renders it, and readers are served what is kept."""

import io
import json
import re

import feedparser
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.text import Truncator

from releases.importing.undoing import undo_run
from releases.models import ImportRun, Release
from releases.rendering import (
    Rendering,
    page_html,
    readable_text,
    render_body,
    renderer_settings,
    searchable_text,
)
from releases.transcripts.people import People
from tests.staff import change_form_data
from tests.test_admin_upload import confirm, release_file, upload

pytestmark = pytest.mark.django_db

CHANGE = "/admin/releases/release/{}/change/"
CHART = "https://www.whitehouse.gov/wp-content/uploads/chart.png"
RENDERED = ("rendered_html", "rendered_text", "rendered_summary", "rendered_under")


def stored_rendering(release):
    """Return the Rendering kept in *release*'s row."""
    return Rendering(*Release.objects.filter(pk=release.pk).values_list(*RENDERED).get())


def forgotten(release):
    """Empty *release*'s kept rendering, as a row stored before renderings were kept."""
    Release.objects.filter(pk=release.pk).update(**dict.fromkeys(RENDERED, ""))


def page_body(client, release):
    page = client.get(release.get_absolute_url()).text
    # The body's own sections (a transcript's turns) end in a </div> too.
    end = r'\s*</div>\s*(?:<footer class="release-source">|</div>\s*<aside)'
    return re.search(rf'<div class="release-body">\s*(.*?){end}', page, re.S)[1]


def summary_of(client, release):
    page = client.get(release.get_absolute_url()).text
    return re.search(r'<meta name="description" content="([^"]*)"', page)[1]


def test_saving_a_release_keeps_its_rendering(make_release):
    release = make_release(body="Trade **grew**.\n\n# Outlook\n\nSteady.")
    assert stored_rendering(release) == Rendering(
        '<p id="p1">Trade <strong>grew</strong>.'
        '<a class="anchor" href="#p1" aria-label="Link to paragraph 1"></a></p>\n'
        "<h2>Outlook</h2>\n"
        '<p id="p2">Steady.'
        '<a class="anchor" href="#p2" aria-label="Link to paragraph 2"></a></p>\n',
        searchable_text(render_body(release.body)),
        "Trade grew. Outlook Steady.",
        renderer_settings(),
    )


def test_an_admin_edit_keeps_the_new_bodys_rendering(client, editor, make_release):
    release = make_release(body="First draft.")
    client.force_login(editor)
    data = change_form_data(release, body="Second *thoughts*.", change_note="Reworded.")
    assert client.post(CHANGE.format(release.pk), data).status_code == 302
    assert stored_rendering(release).html == page_html("Second *thoughts*.")
    assert '<p id="p1">Second <em>thoughts</em>.' in stored_rendering(release).html
    assert stored_rendering(release).summary == "Second thoughts."


def test_a_preview_shows_the_posted_body_not_the_kept_one(client, editor, make_release):
    release = make_release(body="As stored.")
    client.force_login(editor)
    data = change_form_data(release, body="As *posted*.")
    page = client.post(f"/admin/releases/release/{release.pk}/preview/", data).text
    assert page_html("As *posted*.") in page
    assert stored_rendering(release).html == page_html("As stored.")


def test_an_import_keeps_each_releases_rendering_and_a_changed_file_renders_again(
    run_import, write_release
):
    path = write_release(body="A report on *wheat*.\n")
    run_import(path)
    release = Release.objects.get()
    assert stored_rendering(release) == Rendering.of("A report on *wheat*.\n")
    write_release(body="A report on *barley*.\n")
    _, out, _ = run_import(path)
    assert "updated 1" in out
    assert stored_rendering(release) == Rendering.of("A report on *barley*.\n")


def test_an_admin_upload_keeps_each_releases_rendering(client, publisher):
    client.force_login(publisher)
    confirm(client, upload(client, release_file("a.md", body="Uploaded **today**.\n")))
    release = Release.objects.get()
    assert stored_rendering(release) == Rendering.of("Uploaded **today**.\n")


def test_undoing_an_import_renders_the_body_it_restores(run_import, write_release):
    path = write_release(body="The *first* text.\n")
    run_import(path)
    write_release(body="The *second* text.\n")
    run_import(path)
    undo_run(ImportRun.objects.latest())
    release = Release.objects.get()
    assert stored_rendering(release) == Rendering.of("The *first* text.\n")


def test_restoring_a_revision_renders_the_body_it_restores(client, publisher, make_release):
    release = make_release(body="The *original*.")
    client.force_login(publisher)
    data = change_form_data(release, body="A mistake.", change_note="Updated.")
    assert client.post(CHANGE.format(release.pk), data).status_code == 302
    original = release.history.order_by("history_id").first()
    url = f"/admin/releases/release/{release.pk}/history/{original.pk}/"
    data = change_form_data(release, body="The *original*.", change_note="Restored.")
    assert client.post(url, data).status_code == 302
    assert stored_rendering(release) == Rendering.of("The *original*.")


def test_a_row_without_its_rendering_is_rendered_for_its_reader_without_a_write(
    client, make_release
):
    """A reader's request never waits for the write lock an import may hold."""
    release = make_release(body="Jobs **grew** in March.")
    forgotten(release)
    with CaptureQueriesContext(connection) as queries:
        assert page_body(client, release) == page_html("Jobs **grew** in March.").strip()
    assert not [query for query in queries if query["sql"].startswith("UPDATE")]
    call_command("render_releases", stdout=io.StringIO())
    assert stored_rendering(release) == Rendering.of("Jobs **grew** in March.")


def test_the_migration_renders_every_row_stored_before(make_release):
    rendering_migration = __import__(
        "releases.migrations.0024_release_rendered_when_saved", fromlist=["render_every_release"]
    )
    releases = [make_release(body=f"Release *{number}*.") for number in range(3)]
    for release in releases:
        forgotten(release)
    rendering_migration.render_every_release(apps, None)
    for number, release in enumerate(releases):
        assert stored_rendering(release) == Rendering.of(f"Release *{number}*.")


def test_other_image_hosts_are_never_served_from_the_old_rendering(client, make_release, settings):
    release = make_release(body=f"Jobs grew.\n\n![Jobs added]({CHART})")
    assert CHART in page_body(client, release)
    settings.BRIEFING_IMAGE_HOSTS = ["bidenwhitehouse.archives.gov"]
    assert page_body(client, release) == page_html("Jobs grew.").strip()


def test_a_new_renderer_version_renders_again_on_first_use(client, make_release):
    release = make_release(body="Steady *growth*.")
    Release.objects.filter(pk=release.pk).update(
        rendered_html="<p>From an older renderer.</p>", rendered_under="1:old.example.gov"
    )
    assert page_body(client, release) == page_html("Steady *growth*.").strip()


def test_render_releases_renders_only_what_other_settings_rendered(make_release, settings):
    current, stale = make_release(body="Kept."), make_release(body="*Stale*.")
    Release.objects.filter(pk=stale.pk).update(rendered_html="", rendered_under="1:")
    out = io.StringIO()
    call_command("render_releases", "--dry-run", stdout=out)
    assert out.getvalue() == "1 releases would be rendered.\n"
    call_command("render_releases", stdout=out)
    assert "Rendered 1 releases" in out.getvalue()
    assert stored_rendering(stale) == Rendering.of("*Stale*.")
    assert stored_rendering(current) == Rendering.of("Kept.")


def test_readers_are_served_the_kept_rendering(client, make_release):
    release = make_release(body="What the body says.")
    # A kept rendering that the body would not give shows that nothing renders it again.
    Release.objects.filter(pk=release.pk).update(
        rendered_html="<p>Kept HTML.</p>\n", rendered_summary="Kept summary."
    )
    assert page_body(client, release) == "<p>Kept HTML.</p>"
    assert summary_of(client, release) == "Kept summary."
    api = client.get(f"/api/releases/{release.pk}/").json()
    assert api["body_html"] == "<p>Kept HTML.</p>\n"
    feed = feedparser.parse(client.get("/briefing-room/?format=atom").content)
    assert feed.entries[0].summary == "Kept summary."


def test_a_feed_reads_no_body(client, make_release):
    for number in range(3):
        make_release(body=f"Body {number}. " * 500)
    with CaptureQueriesContext(connection) as queries:
        client.get("/briefing-room/?format=atom")
    release_reads = [q["sql"] for q in queries if 'FROM "releases_release"' in q["sql"]]
    assert release_reads
    assert not any('"releases_release"."body"' in sql for sql in release_reads)
    assert not any("rendered_html" in sql for sql in release_reads)


def test_pages_show_the_html_and_summary_the_renderer_gives_for_every_sample_release(
    client, run_import, archive_sample
):
    run_import(archive_sample)
    releases = Release.objects.published().order_by("pk")
    people = People()
    for release in releases:
        speakers = people.at(release.published_at)
        assert stored_rendering(release) == Rendering.of(release.body, speakers)
        assert release.summary == summary_as_rendered_on_view(release.body), release.permalink
    # Every tenth page: the others show the same kept values through the same template.
    for release in releases[::10]:
        speakers = people.at(release.published_at)
        assert page_body(client, release) == page_html(release.body, speakers).strip()
        assert summary_of(client, release) == escape(summary_as_rendered_on_view(release.body))


def summary_as_rendered_on_view(body):
    """Return the summary as pages found it before it was kept: the opening of the body
    (paragraphs past 2,000 characters left out) rendered and read by readable_text."""
    end = body.find("\n\n", 2_000)
    opening = body if end == -1 else body[:end]
    text = " ".join(readable_text(render_body(opening)).split())
    return Truncator(text).words(40, truncate="…")


def test_json_ld_carries_the_kept_summary(client, make_release):
    release = make_release(body="The plan **works**.")
    page = client.get(release.get_absolute_url()).text
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S)[1])
    assert data["description"] == "The plan works."
