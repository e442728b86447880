"""Cite this release: its citation in APA, Chicago, MLA and BibTeX, with the original
permalink and any archive host's address, and the meta tags reference managers read."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from releases import citations
from releases.models import Release
from tests.release_files import ARCHIVE_SAMPLE, release_text

pytestmark = pytest.mark.django_db

TITLE = "Press Briefing by Press Secretary Jen Psaki"
SLUG = "press-briefing-by-press-secretary-jen-psaki"
ORIGINAL = f"https://www.whitehouse.gov/briefing-room/press-briefings/2021/01/20/{SLUG}/"
ARCHIVED = f"https://bidenwhitehouse.archives.gov/briefing-room/press-briefings/2021/01/20/{SLUG}/"


def briefing_text(title=TITLE):
    return release_text(title=title, category="press-briefings", date="2021-01-20", slug=SLUG)


def as_archived(text):
    """Return release file *text* as the archive host republished it, a day later."""
    moved = text.replace("https://www.whitehouse.gov", "https://bidenwhitehouse.archives.gov")
    return moved.replace("---\n", "---\nmodified_time: 2021-01-21 09:00:00-05:00\n", 1)


@pytest.fixture
def imported(run_import, write_release):
    """Import files of the given texts, in order, and return the release they made."""

    def run(*texts):
        for number, text in enumerate(texts):
            status, _, err = run_import(write_release(f"release-{number}.md", content=text))
            assert (status, err) == (0, "")
        return Release.objects.select_related("category").get()

    return run


@pytest.fixture
def archived(imported):
    """The briefing as first published, then republished on the archive host."""
    return imported(briefing_text(), as_archived(briefing_text()))


def cited(release):
    """Return {style: plain text} of *release*'s citations."""
    _, styles = citations.cite(release)
    return {citation.style.split()[0]: citation.text for citation in styles}


def test_apa_names_the_office_date_title_type_and_permalink(imported):
    assert cited(imported(briefing_text()))["APA"] == (
        f"The White House. (2021, January 20). {TITLE} [Press briefing]. {ORIGINAL}"
    )


def test_apa_gives_the_archive_host_beside_the_original_permalink(archived):
    assert cited(archived)["APA"] == (
        f"The White House. (2021, January 20). {TITLE} [Press briefing]. {ORIGINAL}"
        f" (archived at {ARCHIVED})"
    )


def cited_before_and_after_archiving(imported):
    """Return cited() of the briefing as first published, then as the archive host
    republished it."""
    before = cited(imported(briefing_text()))
    return before, cited(imported(as_archived(briefing_text())))


def test_chicago_bibliography_entry(imported):
    original, archived = cited_before_and_after_archiving(imported)
    entry = f"The White House. “{TITLE}.” Press briefing, January 20, 2021. {ORIGINAL}."
    assert original["Chicago"] == entry
    assert archived["Chicago"] == f"{entry} Archived at {ARCHIVED}."


def test_mla_opens_with_the_title_and_gives_addresses_without_their_scheme(imported):
    original, archived = cited_before_and_after_archiving(imported)
    entry = (
        f"“{TITLE}.” The White House, 20 Jan. 2021, {ORIGINAL.removeprefix('https://')}."
        " Press briefing."
    )
    assert original["MLA"] == entry
    assert archived["MLA"] == f"{entry} Archived at {ARCHIVED.removeprefix('https://')}."


def test_bibtex_entry_without_and_with_an_archive_host(imported):
    original, archived = cited_before_and_after_archiving(imported)
    entry = (
        "@misc{whitehouse2021-01-20-press-briefing-by-press-secretary-jen-psaki,\n"
        "  author = {{The White House}},\n"
        f"  title = {{{{{TITLE}}}}},\n"
        "  howpublished = {Press briefing},\n"
        "  year = {2021},\n"
        "  month = jan,\n"
        "  date = {2021-01-20},\n"
        f"  url = {{{ORIGINAL}}},\n"
    )
    assert original["BibTeX"] == entry + "}"
    archive_note = ARCHIVED.replace("_", r"\_")
    assert archived["BibTeX"] == entry + f"  note = {{Archived at {archive_note}}},\n}}"


def test_a_release_known_only_at_an_archive_host_is_cited_there(imported):
    release = imported(as_archived(briefing_text()))
    texts = cited(release)
    assert texts["APA"].endswith(f"[Press briefing]. {ARCHIVED}")
    assert all("rchived at" not in text for text in texts.values())


def test_a_wayback_machine_address_cites_the_address_it_archived(make_release):
    wayback = f"https://web.archive.org/web/20210120235959/{ORIGINAL}"
    release = make_release(title=TITLE, category="press-briefings", permalink=wayback)
    assert cited(release)["APA"].endswith(f"{ORIGINAL} (archived at {wayback})")


def test_a_category_without_a_document_type_is_named_as_the_site_names_it(make_release):
    release = make_release(title="Fact Sheet", category="fact-sheets")
    assert "[Fact Sheets]" in cited(release)["APA"]


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ('Statement on "Build Back Better"', 'Statement on {"}Build Back Better{"}'),
        ("Ports & Harbors", r"Ports \& Harbors"),
        ("A 100% Increase", r"A 100\% Increase"),
        ("Sets {a} and \\b", r"Sets \{a\} and \textbackslash{}b"),
        ("$5 for #1 in_state ~ ^", r"\$5 for \#1 in\_state \textasciitilde{} \textasciicircum{}"),
        ("On the “Rescue Plan” & Jobs", r"On the “Rescue Plan” \& Jobs"),
    ],
)  # fmt: skip
def test_bibtex_escapes_what_tex_reads_as_markup(make_release, title, written):
    entry = cited(make_release(title=title))["BibTeX"]
    assert f"  title = {{{{{written}}}}},\n" in entry
    unescaped = re.sub(r"\\[{}]", "", entry)
    assert unescaped.count("{") == unescaped.count("}"), "every field closes where it should"


def test_apa_keeps_a_titles_quotes_and_mla_and_chicago_make_them_single(make_release):
    release = make_release(title='Remarks on the "American Rescue Plan"')
    texts = cited(release)
    assert '. Remarks on the "American Rescue Plan" [Press release].' in texts["APA"]
    assert texts["MLA"].startswith("“Remarks on the ‘American Rescue Plan.’” The White House,")
    assert "“Remarks on the ‘American Rescue Plan.’” Press release," in texts["Chicago"]


def test_a_title_ending_in_a_question_mark_takes_no_full_stop(make_release):
    texts = cited(make_release(title="What Is the Plan?"))
    assert texts["MLA"].startswith("“What Is the Plan?” The White House,")
    assert "“What Is the Plan?” Press release," in texts["Chicago"]


def textareas(page):
    """Return the plain text of each citation box on *page*, as a browser reads it."""
    boxes = re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    return [html.unescape(text) for text in boxes]


def meta(page, name):
    match = re.search(rf'<meta name="{name}" content="([^"]*)">', page)
    return match and html.unescape(match[1])


def test_release_page_carries_the_meta_tags_reference_managers_read(client, archived):
    page = client.get(archived.get_absolute_url()).text
    assert meta(page, "citation_title") == TITLE
    assert meta(page, "citation_publication_date") == "2021/01/20"
    assert meta(page, "citation_publisher") == "The White House"
    assert meta(page, "citation_public_url") == ORIGINAL
    assert meta(page, "citation_abstract_html_url") == (
        f"http://testserver{archived.get_absolute_url()}"
    )


def test_a_real_release_page_offers_each_citation_to_copy(client, run_import):
    path = next(ARCHIVE_SAMPLE.glob("press-briefings/2021-01/2021-01-20-*.md"))
    assert run_import(path)[0] == 0
    release = Release.objects.get()
    page = client.get(release.get_absolute_url()).text
    assert "<summary>Cite this release</summary>" in page
    assert textareas(page) == list(cited(release).values())
    apa = textareas(page)[0]
    assert apa.startswith(f"The White House. (2021, January 20). {release.title} [Press briefing].")
    assert apa.endswith(release.permalink)
    assert "<i>The White House</i>, 20 Jan. 2021" in page, "MLA's site name in italics"


def test_markup_in_a_title_is_shown_as_text_in_every_citation(client, make_release):
    title = 'Fact Sheet: <b>Ports</b> & "Harbors"'
    release = make_release(title=title)
    page = client.get(release.get_absolute_url()).text
    assert "<b>Ports</b>" not in page
    assert "<i>Fact Sheet: &lt;b&gt;Ports&lt;/b&gt; &amp; &quot;Harbors&quot;</i>" in page
    assert meta(page, "citation_title") == title
    assert textareas(page)[0].startswith(f"The White House. (2021, March 1). {title} [")


def former_permalink_lookups(client, release):
    with CaptureQueriesContext(connection) as queries:
        client.get(release.get_absolute_url())
    return sum("releases_formerpermalink" in query["sql"] for query in queries.captured_queries)


def test_only_a_release_from_an_archive_host_looks_for_its_original_permalink(
    client, imported, later
):
    assert former_permalink_lookups(client, imported(briefing_text())) == 0
    later()
    assert former_permalink_lookups(client, imported(as_archived(briefing_text()))) == 1


def test_a_release_is_cited_by_its_listing_date(make_release):
    release = make_release(date=datetime.date(2021, 12, 31))
    assert "(2021, December 31)" in cited(release)["APA"]
    assert "31 Dec. 2021" in cited(release)["MLA"]
