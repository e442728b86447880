"""A release's citation in the styles readers cite in: APA, Chicago, MLA and BibTeX.

Each style is one function from a Source to a Citation, whose parts mark what the
style sets in italics, so that one list of parts gives both the page's HTML and
the plain text to copy.
"""

import dataclasses
import datetime
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify

# A category names a list of releases ("Press Briefings"); a citation names one
# document of it. Categories not here are named as the site names them.
DOCUMENT_TYPES = {
    "statements-releases": "Press release",
    "press-briefings": "Press briefing",
    "speeches-remarks": "Remarks",
    "presidential-actions": "Presidential action",
    "legislation": "Legislation",
    "blog": "Blog post",
    "disclosures": "Disclosure",
}

# Spelled out here, not by strftime, whose month names follow the process's locale.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MLA_MONTHS = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
)  # fmt: skip

# The Wayback Machine keeps the address it archived in its own: /web/<when>/<address>.
WAYBACK_ADDRESS = re.compile(r"/web/\d+[a-z_]*/(https?://.+)")

# A straight double quote that opens a quotation: at the start, or after a space or bracket.
STRAIGHT_OPENING = re.compile(r'(^|[\s(\[])"')


@dataclasses.dataclass(frozen=True)
class Source:
    """What a citation of a release names."""

    title: str
    office: str
    kind: str
    date: datetime.date
    url: str
    archived_at: str | None = None


@dataclasses.dataclass(frozen=True)
class Italic:
    """Words a style sets in italics."""

    text: str


@dataclasses.dataclass(frozen=True)
class Citation:
    """One style's citation, as parts of text, some of them Italic."""

    style: str
    parts: tuple
    code: bool = False  # text for a program to read, with no formatted version

    @property
    def text(self):
        """The citation as plain text, to paste anywhere."""
        return "".join(getattr(part, "text", part) for part in self.parts)

    @property
    def html(self):
        """The citation as HTML, italics included, every part escaped."""
        pieces = (
            format_html("<i>{}</i>", part.text) if isinstance(part, Italic) else part
            for part in self.parts
        )
        return format_html_join("", "{}", ((piece,) for piece in pieces))


def is_archive(url):
    """Whether *url* is on an archive host: the National Archives' copies of past
    administrations' sites, or the Wayback Machine."""
    host = urlsplit(url).hostname or ""
    return host.endswith(".archives.gov") or host == "web.archive.org"


def source_of(release):
    """Return the Source a citation of *release* names: its original permalink and,
    where the release came from an archive host, the archive's address too."""
    archived_at = release.permalink if is_archive(release.permalink) else None
    original = original_address(release) if archived_at else release.permalink
    return Source(
        title=release.title,
        office=settings.BRIEFING_PUBLISHER,
        kind=DOCUMENT_TYPES.get(release.category.slug, release.category.name),
        date=release.date,
        url=original or release.permalink,
        archived_at=archived_at if original else None,
    )


def original_address(release):
    """Return the address an archived *release* was first published at, or None where
    no other is known: in the Wayback Machine's address, or a former permalink."""
    split = urlsplit(release.permalink)
    wayback = WAYBACK_ADDRESS.fullmatch(split.path)
    if split.hostname == "web.archive.org" and wayback:
        return wayback[1]
    if release.pk is None:
        return None
    formers = release.former_permalinks.values_list("url", flat=True)
    return next((url for url in formers if not is_archive(url)), None)


def apa(source):
    """Return the APA (7th edition) reference: group author, date, italic title, type."""
    date = f"{source.date.year}, {MONTHS[source.date.month - 1]} {source.date.day}"
    archived = f" (archived at {source.archived_at})" if source.archived_at else ""
    # APA puts no full stop after an address: it could be read as part of it.
    return Citation(
        "APA (7th edition)",
        (f"{source.office}. ({date}). ", Italic(source.title),
         f" [{source.kind}]. {source.url}{archived}"),
    )  # fmt: skip


def chicago(source):
    """Return the Chicago (notes and bibliography) bibliography entry."""
    date = f"{MONTHS[source.date.month - 1]} {source.date.day}, {source.date.year}"
    archived = f" Archived at {source.archived_at}." if source.archived_at else ""
    return Citation(
        "Chicago (notes and bibliography)",
        (f"{source.office}. {quoted_title(source.title)} {source.kind}, {date}. "
         f"{source.url}.{archived}",),
    )  # fmt: skip


def mla(source):
    """Return the MLA (9th edition) works-cited entry: the office is the site and its
    publisher, so the entry opens with the title; addresses lose their scheme."""
    date = f"{source.date.day} {MLA_MONTHS[source.date.month - 1]} {source.date.year}"
    archived = f" Archived at {without_scheme(source.archived_at)}." if source.archived_at else ""
    return Citation(
        "MLA (9th edition)",
        (f"{quoted_title(source.title)} ", Italic(source.office),
         f", {date}, {without_scheme(source.url)}. {source.kind}.{archived}"),
    )  # fmt: skip


def quoted_title(title):
    """Return *title* in double quotes with its full stop inside, as Chicago and MLA
    write it: quotes within it become single, and a ? or ! ends it alone."""
    inner = STRAIGHT_OPENING.sub("\\1\u2018", title).replace('"', "\u2019")
    inner = inner.replace("\u201c", "\u2018").replace("\u201d", "\u2019")
    # A quotation closing the title closes after the full stop too.
    closing = 1 if title.endswith(('"', "\u201d")) else 0
    words, quote = inner[: len(inner) - closing], inner[len(inner) - closing :]
    stop = "" if words.endswith(("?", "!")) else "."
    return f"\u201c{words}{stop}{quote}\u201d"


def without_scheme(url):
    """Return *url* without its http(s)://, as MLA writes addresses."""
    return re.sub(r"^https?://", "", url)


# What TeX reads as markup, written so that it prints as itself. A straight double
# quote is braced: babel's German and other languages make it a shorthand.
TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    '"': '{"}',
}
TEX_SPECIAL = re.compile("|".join(re.escape(character) for character in TEX_SPECIALS))


def tex_escaped(text):
    """Return *text* as BibTeX and LaTeX print it back, every special character escaped."""
    return TEX_SPECIAL.sub(lambda match: TEX_SPECIALS[match[0]], text)


def bibtex_url(url):
    """Return *url* for BibTeX's url field, which is read verbatim: only the braces
    that would end the field, and backslashes, are percent-encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_key(source):
    """Return a citation key: the office, the date and the title's words. The usual
    office, year and first word is not enough: an office issues many press
    briefings a year, and one .bib file may cite several."""
    office = slugify(source.office).removeprefix("the-").replace("-", "")
    return f"{office}{source.date:%Y-%m-%d}-{slugify(source.title)}"


def bibtex(source):
    """Return a BibTeX @misc entry, which BibTeX's standard styles and biblatex both
    read (@online is biblatex's alone). Double braces keep the office one name, not a
    first and a last, and the title's capitals as written."""
    fields = [
        ("author", f"{{{tex_escaped(source.office)}}}"),
        ("title", f"{{{tex_escaped(source.title)}}}"),
        ("howpublished", tex_escaped(source.kind)),
        ("year", str(source.date.year)),
        ("month", MONTHS[source.date.month - 1][:3].lower()),
        ("date", source.date.isoformat()),
        ("url", bibtex_url(source.url)),
    ]
    if source.archived_at:
        fields.append(("note", f"Archived at {tex_escaped(source.archived_at)}"))
    # The month is one of BibTeX's own abbreviations (jan), which styles print in full.
    lines = [
        f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},"
        for name, value in fields
    ]
    entry = "\n".join([f"@misc{{{bibtex_key(source)},", *lines, "}"])
    return Citation("BibTeX", (entry,), code=True)


def cite(release):
    """Return *release*'s Source and its Citation in each style, in the order shown."""
    source = source_of(release)
    return source, [apa(source), chicago(source), mla(source), bibtex(source)]
