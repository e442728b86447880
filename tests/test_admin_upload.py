"""Importing release files uploaded in the admin: upload, preview, confirm."""

import datetime
import io
import stat
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from releases.models import ImportedFile, ImportRun, Release, StagedUpload
from tests.release_files import release_text, todays_archive_text
from tests.staff import staff_member, staff_with_permissions

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/admin/releases/importrun/upload/"


def release_file(name, **fields):
    """Return an uploaded release file; *fields* as release_text takes them."""
    return SimpleUploadedFile(name, release_text(**fields).encode(), "text/markdown")


def zip_file(name, entries):
    """Return an uploaded zip holding *entries*: {name or ZipInfo: text}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, text in entries.items():
            archive.writestr(entry, text)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/zip")


def upload(client, *files, drafts=False, key_map=""):
    data = {"files": list(files), "key_map": key_map}
    if drafts:
        data["drafts"] = "on"
    return client.post(UPLOAD_URL, data)


def todays_archive_file(name, **fields):
    """Return an uploaded file of the archive as published today; *fields* as
    todays_archive_text takes them."""
    return SimpleUploadedFile(name, todays_archive_text(**fields).encode(), "text/markdown")


def confirm(client, preview):
    """Press the preview's import button, and follow where it leads."""
    page = PreviewPage(preview.text)
    return client.post(page.confirm_action, page.confirm_data, follow=True)


def nothing_written():
    return not (
        Release.objects.exists() or ImportRun.objects.exists() or StagedUpload.objects.exists()
    )


class PreviewPage(HTMLParser):
    """What the preview shows: {file: (the column its outcome is marked in, the
    reason given)}, and the form of its "Import these files" button."""

    def __init__(self, html):
        super().__init__()
        self.headers, self.rows, self.forms = [], {}, []
        self.in_results = False
        self.section = self.cells = None
        self.confirm_action, self.confirm_data = None, {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.in_results = attrs.get("id") == "result_list"
        elif tag in ("thead", "tbody", "tfoot") and self.in_results:
            self.section = tag
        elif tag == "th" and self.section == "thead":
            self.headers.append("")
        elif tag == "tr" and self.section == "tbody":
            self.cells = []
        elif tag in ("th", "td") and self.cells is not None:
            self.cells.append({"text": "", "marked": False})
        elif tag == "img" and self.cells:
            self.cells[-1]["marked"] = True
        elif tag == "form":
            self.forms.append((attrs.get("action"), {}))
        elif tag == "input" and attrs.get("type") == "hidden":
            self.forms[-1][1][attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("value") == "Import these files":
            self.confirm_action, self.confirm_data = self.forms[-1]

    def handle_data(self, data):
        if self.section == "thead" and self.headers:
            self.headers[-1] += data.strip()
        elif self.cells:
            self.cells[-1]["text"] += data

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody", "tfoot"):
            self.section = None
        elif tag == "tr" and self.cells is not None:
            (column,) = [i for i, cell in enumerate(self.cells) if cell["marked"]]
            reason = " ".join(self.cells[column]["text"].split())
            self.rows[self.cells[0]["text"].strip()] = (self.headers[column], reason)
            self.cells = None


def preview_rows(response):
    return PreviewPage(response.text).rows


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def test_import_runs_page_offers_an_upload_instead_of_an_add_form(publisher_client):
    page = publisher_client.get("/admin/releases/importrun/")
    assert f'<a href="{UPLOAD_URL}" class="addlink">Upload release files</a>' in page.text
    response = publisher_client.get("/admin/releases/importrun/add/")
    assert response.status_code == 302
    assert response.url == UPLOAD_URL


def test_the_upload_permission_alone_opens_the_upload_page(client):
    client.force_login(staff_with_permissions("uma", "upload_release_files"))
    response = client.get(UPLOAD_URL)
    assert response.status_code == 200
    assert "Store new releases as drafts" in response.text


def test_staff_without_the_upload_permission_are_refused(client):
    # Every other import-run permission, those that once stood for uploading included.
    staff = staff_with_permissions("ivan", "add_importrun", "change_importrun", "view_importrun")
    client.force_login(staff)
    assert "Upload release files" not in client.get("/admin/releases/importrun/").text
    assert client.get(UPLOAD_URL).status_code == 403
    assert client.post(UPLOAD_URL, {"files": [release_file("a.md")]}).status_code == 403
    assert client.post(f"{UPLOAD_URL}1/confirm/").status_code == 403
    assert nothing_written()


def test_upload_page_takes_several_files_and_the_drafts_choice(publisher_client):
    page = publisher_client.get(UPLOAD_URL).text
    assert 'type="file" name="files" accept=".md,.txt,.zip" multiple' in page
    assert "at most 2,000 files and 20.0\xa0MB in all" in page
    assert "Store new releases as drafts" in page


def test_uploaded_files_are_previewed_and_nothing_is_imported(publisher_client):
    response = upload(
        publisher_client,
        release_file("a.md", slug="a", title="First"),
        release_file("b.md", slug="b", title="Second"),
    )
    assert response.status_code == 200
    assert preview_rows(response) == {"a.md": ("Created", ""), "b.md": ("Created", "")}
    assert "Nothing is imported yet" in response.text
    assert not Release.objects.exists()
    assert not ImportRun.objects.exists()


def test_confirming_imports_the_files_under_their_uploaded_names(publisher_client, publisher):
    preview = upload(
        publisher_client,
        release_file("a.md", slug="a", title="First"),
        release_file("b.md", slug="b", title="Second"),
    )
    response = confirm(publisher_client, preview)
    run = ImportRun.objects.get()
    assert response.redirect_chain[-1][0] == (
        f"/admin/releases/importedfile/?run__id__exact={run.pk}"
    )
    assert (
        "Imported a.md and 1 more: created 2, updated 0, unchanged 0, superseded 0, failed 0"
        in response.text
    )
    assert set(Release.objects.values_list("title", flat=True)) == {"First", "Second"}
    assert list(run.files.values_list("path", flat=True)) == ["a.md", "b.md"]
    assert run.started_by == "percy (admin upload)"
    assert not StagedUpload.objects.exists()


def test_todays_archive_is_imported_and_the_preview_says_how_keys_were_read(publisher_client):
    note = "keys read as: tags → category, source_url → permalink"
    preview = upload(
        publisher_client,
        todays_archive_file("a.md"),
        todays_archive_file("b.md", title="Second", slug="second"),
    )
    assert preview_rows(preview) == {"a.md": ("Created", ""), "b.md": ("Created", "")}
    assert preview.text.count(note) == 1
    response = confirm(publisher_client, preview)
    assert f"created 2, updated 0, unchanged 0, superseded 0, failed 0; {note}" in response.text
    release = Release.objects.get(slug="second")
    assert release.permalink == "https://archive.example.org/articles/2025/02/second/"
    assert release.category.slug == "fact-sheets"


def test_other_key_names_given_with_the_upload_are_read_as_fields(publisher_client):
    def headline_file():
        text = todays_archive_text().replace("title:", "headline:")
        return SimpleUploadedFile("a.md", text.encode(), "text/markdown")

    unmapped = upload(publisher_client, headline_file())
    assert preview_rows(unmapped) == {"a.md": ("Failed", "title: missing or empty")}
    preview = upload(publisher_client, headline_file(), key_map="headline=title")
    assert preview_rows(preview) == {"a.md": ("Created", "")}
    assert "keys read as: headline → title, tags → category" in preview.text
    confirm(publisher_client, preview)
    assert Release.objects.get().title == "Fact Sheet: America First Trade"


def test_other_key_names_that_are_not_key_field_are_refused_in_one_line(publisher_client):
    response = upload(publisher_client, release_file("a.md"), key_map="headline=title, url=link")
    assert response.status_code == 200
    reason = (
        "&#x27;url=link&#x27; is not KEY=FIELD with FIELD one of "
        "category, date, modified_time, permalink, published_time, title"
    )
    assert reason in response.text
    assert nothing_written()


def test_a_confirmation_whose_key_names_were_altered_imports_nothing(publisher_client):
    page = PreviewPage(upload(publisher_client, todays_archive_file("a.md")).text)
    data = {**page.confirm_data, "key_map": "no equals sign"}
    response = publisher_client.post(page.confirm_action, data, follow=True)
    assert response.redirect_chain[-1][0] == UPLOAD_URL
    assert "&#x27;no equals sign&#x27; is not KEY=FIELD" in response.text
    assert not Release.objects.exists()
    assert StagedUpload.objects.exists()


def test_a_zip_is_previewed_by_the_names_inside_it(publisher_client):
    archive = zip_file(
        "week.zip",
        {
            "statements/": "",
            "statements/2021-03-04-harvest.md": release_text(slug="harvest"),
            "briefings/2021-03-05-briefing.txt": release_text(slug="briefing"),
            "README.md": "What this archive holds.",
            "photos/podium.jpg": "not a release",
        },
    )
    response = upload(publisher_client, archive)
    assert preview_rows(response) == {
        "briefings/2021-03-05-briefing.txt": ("Created", ""),
        "statements/2021-03-04-harvest.md": ("Created", ""),
    }


def test_a_confirmed_zip_records_the_names_inside_it(publisher_client):
    archive = zip_file("week.zip", {"statements/2021-03-04-harvest.md": release_text()})
    confirm(publisher_client, upload(publisher_client, archive))
    assert ImportedFile.objects.get().path == "statements/2021-03-04-harvest.md"
    assert Release.objects.get().title == "Statement on the Harvest Festival"


def symlink_entry(name):
    entry = zipfile.ZipInfo(name)
    entry.create_system = 3  # Unix, whose mode bits say "symbolic link"
    entry.external_attr = (stat.S_IFLNK | 0o777) << 16
    return entry


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("../evil.md", "../evil.md points outside the archive"),
        ("statements/../../evil.md", "statements/../../evil.md points outside the archive"),
        ("/etc/evil.md", "/etc/evil.md is an absolute path"),
        ("C:\\evil.md", "C:\\evil.md is an absolute path"),
        (symlink_entry("linked.md"), "linked.md is a symbolic link"),
    ],
)
def test_a_zip_with_an_unsafe_entry_is_refused(publisher_client, entry, reason):
    archive = zip_file("evil.zip", {"good.md": release_text(), entry: "/etc/passwd"})
    response = upload(publisher_client, archive)
    assert f"evil.zip: {reason}" in response.text
    assert "The files cannot be imported" in response.text
    assert nothing_written()


def test_a_zip_over_the_size_limit_is_refused(publisher_client, settings):
    settings.BRIEFING_UPLOAD_MAX_BYTES = 2000
    archive = zip_file("big.zip", {"big.md": release_text(body="Long. " * 1000)})
    response = upload(publisher_client, archive)
    assert "big.zip: 6.1\xa0KB of release files, more than the 2.0\xa0KB allowed" in response.text
    assert nothing_written()


def test_too_many_files_are_refused(publisher_client, settings):
    settings.BRIEFING_UPLOAD_MAX_FILES = 1
    response = upload(publisher_client, release_file("a.md", slug="a"), release_file("b.md"))
    assert "a.md and 1 more: 2 release files, more than the 1 allowed" in response.text
    assert nothing_written()


def test_a_file_that_is_not_a_release_or_a_zip_is_refused(publisher_client):
    photo = SimpleUploadedFile("podium.jpg", b"\xff\xd8\xff", "image/jpeg")
    response = upload(publisher_client, release_file("a.md"), photo)
    assert "podium.jpg: not a release file; upload .md or .txt files" in response.text
    assert nothing_written()


def test_a_zip_without_release_files_is_refused(publisher_client):
    archive = zip_file("empty.zip", {"statements/": "", "statements/podium.jpg": "a photo"})
    response = upload(publisher_client, archive)
    assert "empty.zip: no release files (.md or .txt) in it" in response.text
    assert nothing_written()


def test_a_damaged_zip_is_refused(publisher_client):
    damaged = SimpleUploadedFile("week.zip", b"PK\x03\x04 not really a zip", "application/zip")
    response = upload(publisher_client, damaged)
    assert "week.zip: not a zip archive that can be read" in response.text
    assert nothing_written()


def test_a_broken_file_is_previewed_as_failed_with_its_reason(publisher_client):
    broken = SimpleUploadedFile("broken.md", b"Just some words.\n", "text/markdown")
    response = upload(publisher_client, release_file("good.md"), broken)
    rows = preview_rows(response)
    assert rows["good.md"] == ("Created", "")
    assert rows["broken.md"] == (
        "Failed",
        "no front matter: the file must start with a '---' line",
    )
    assert not Release.objects.exists()


def test_new_releases_can_be_stored_as_drafts(publisher_client):
    preview = upload(publisher_client, release_file("a.md"), drafts=True)
    assert "New releases would be stored as drafts." in preview.text
    confirm(publisher_client, preview)
    assert Release.objects.get().status == Release.Status.DRAFT


def test_uploading_the_same_files_again_previews_them_as_unchanged(publisher_client):
    files = [release_file("a.md", slug="a"), release_file("b.md", slug="b")]
    confirm(publisher_client, upload(publisher_client, *files))
    for file in files:
        file.seek(0)
    response = upload(publisher_client, *files)
    assert preview_rows(response) == {"a.md": ("Unchanged", ""), "b.md": ("Unchanged", "")}


def test_staff_without_the_import_permission_are_forbidden(client, editor):
    client.force_login(editor)
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, release_file("a.md")).status_code == 403
    assert nothing_written()


def test_only_the_uploader_can_confirm_an_upload(publisher_client):
    preview = upload(publisher_client, release_file("a.md"))
    colleague = Client()
    colleague.force_login(staff_member("paula", "Publishers"))
    response = confirm(colleague, preview)
    assert response.status_code == 404
    assert not Release.objects.exists()
    assert StagedUpload.objects.exists()


def test_a_new_upload_clears_away_stale_ones(publisher_client, publisher):
    stale = StagedUpload.objects.create(uploaded_by=publisher, name="old.zip", archive=b"")
    recent = StagedUpload.objects.create(uploaded_by=publisher, name="new.zip", archive=b"")
    StagedUpload.objects.filter(pk=stale.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=2)
    )
    upload(publisher_client, release_file("a.md"))
    names = set(StagedUpload.objects.values_list("name", flat=True))
    assert names == {recent.name, "a.md"}
