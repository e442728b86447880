"""Turn a release body's Markdown into HTML that is safe to put on a page, and into
the text and summary a reader sees in it.

Bodies are stored as written; what they render to is worked out when a release is
saved or imported (``Rendering``), and kept beside it with the settings it was
rendered under, so that a change to the rules below (a new RENDERER_VERSION, other
image hosts) is rendered again where it is shown, and kept by render_releases,
with nothing to re-import.
"""

import html as html_text
import re
import typing
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
import pyromark
from django.conf import settings
from django.utils.text import Truncator

from releases.anchors import ParagraphAnchors
from releases.transcripts.pages import turn_html
from releases.transcripts.turns import speaks_in, transcript

# Bodies were converted from the briefing room's HTML and keep some of it
# (underlines, superscripts, tables, images), so raw HTML is let through the
# Markdown renderer and then cut down to this list by the sanitizer.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
# Markdown's markup and raw HTML tags, which plain text (a snippet, a summary) leaves out.
RAW_TAG = re.compile(r"<[^>]*>")
MARKUP = re.compile(r"\]\([^)\s]*\)?|[*_#>`\[\]|]+")
# The characters every match of MARKUP holds one of.
MARKUP_MARKS = "*_#>`[]|"
HEADING_TAG = re.compile(r"<(/?)h([1-5])(?=[\s>])")
# An <img> as the sanitizer writes it, each attribute value in double quotes.
IMAGE_TAG = re.compile(r'<img((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*/?>')
IMAGE_ATTRIBUTE = re.compile(r'\s([^\s=>]+)(?:="[^"]*")?')
# A paragraph that held only images the page may not show.
EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")
# The id anchors.py gives a paragraph, as it writes it.
PARAGRAPH_ID = re.compile(r' id="(p\d+)"')
# A line of = or - alone, which makes a heading of the paragraph line above it.
SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
# CommonMark, plus the tables and strikethrough that staff may type.
MARKDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
# Part of what a release's rendering is kept under, and of each key that files
# whole pages: raise it when a change here renders a body differently.
RENDERER_VERSION = 4
SUMMARY_WORDS = 40


def allowed_image_source(tag, attribute, value):
    """Return an image's address as the page may load it, over HTTPS from an image host,
    or None to leave it out; every other attribute as it is."""
    if tag != "img" or attribute != "src":
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    # The policy allows these hosts over HTTPS only, and they all serve it.
    if parts.scheme in {"http", "https"} and parts.netloc.lower() in settings.BRIEFING_IMAGE_HOSTS:
        return parts._replace(scheme="https").geturl()
    return None


# Built once: configuring the sanitizer costs more than running it on a body.
sanitizer = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    attribute_filter=allowed_image_source,
)


def render_body(text):
    """Return sanitized HTML for Markdown *text*."""
    html = pyromark.html(text, options=MARKDOWN_OPTIONS)
    return settle_images(sanitizer.clean(demote_headings(html)))


def page_html(markdown, speakers=None, *, spoken=None):
    """Return the HTML of the body *markdown* as its page shows it: sanitized, each
    paragraph anchored, and a transcript's turns each in a section of its own.

    *speakers*, if given, returns the Speaker a label names, or None: each
    turn whose label names one links to their page. *spoken* reads the start
    of a body as the whole body reads it (``transcripts.turns.transcript``).
    """
    return transcript_html(markdown, transcript(markdown, spoken=spoken), speakers)


def transcript_html(markdown, read, speakers=None):
    """Return page_html() of the body *markdown*, already *read* as a Transcript
    (``transcripts.turns.transcript``: None where no one speaks in it)."""
    anchors = ParagraphAnchors()
    if read is None:
        return anchors.add(render_body(markdown))
    # Each part rendered by itself: a label's paragraph holds the turn's first
    # words, which go on under the label's own line.
    parts = [anchors.add(render_body(read.opening))]
    for turn in read.turns:
        speaker = speakers(turn.label) if speakers else None
        parts.append(turn_html(turn, speaker, anchors.add(render_body(turn.text))))
    parts.append(anchors.add(render_body(read.closing)))
    return "".join(parts)


def paragraph_anchor(markdown, at):
    """Return the anchor of the paragraph that holds the character *at* of the body
    *markdown* on its page (the one before it, if that is a heading), or ""."""
    end = markdown.find("\n", at)
    end = len(markdown) if end == -1 else end
    # A line underlined by the next one is a heading only with it.
    if underline := SETEXT_UNDERLINE.match(markdown, end + 1):
        end = underline.end()
    # The body up to that line numbers its paragraphs as the whole body does (its
    # labels read as the whole body's are): the last is the one that holds it, a
    # list's item and not the whole list.
    head = page_html(markdown[:end], spoken=speaks_in(markdown))
    anchors = PARAGRAPH_ID.findall(head)
    return anchors[-1] if anchors else ""


def settle_images(html):
    """Leave out each image the page may not load, and give the others an alt text
    (empty where the body has none: the image is then taken as decoration)."""

    def settle(match):
        names = IMAGE_ATTRIBUTE.findall(match[1])
        if "src" not in names:
            # Blocked by the Content-Security-Policy, it would show as a broken box.
            return ""
        if "alt" not in names:
            return f'<img alt=""{match[1]}>'
        return match[0]

    return EMPTY_PARAGRAPH.sub("", IMAGE_TAG.sub(settle, html))


def demote_headings(html):
    """Start the body's headings at h2: the release title is the page's h1."""
    return HEADING_TAG.sub(lambda match: f"<{match[1]}h{int(match[2]) + 1}", html)


def renderer_settings():
    """Return what decides the HTML rendered from a body besides its text: this
    renderer's version and the image hosts, which choose the images kept.

    Kept with every release's Rendering and part of every key that files
    whole pages (caching/pages.py), so that a change of either is never
    served from what was rendered before it.
    """
    return f"{RENDERER_VERSION}:{','.join(settings.BRIEFING_IMAGE_HOSTS)}"


def plain_text(markdown):
    """Return *markdown* without its markup, as one line of words."""
    text = RAW_TAG.sub(" ", markdown) if "<" in markdown else markdown
    # Looking for each mark costs a fraction of MARKUP's search, which most of a
    # transcript's turns (the search index reads each) need not make.
    if any(mark in text for mark in MARKUP_MARKS):
        text = MARKUP.sub("", text)
    return " ".join(text.split())


# Elements that start a paragraph (a blank line before and after) or a line of their own.
PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table", "hr"}
LINE_TAGS = {"li", "tr", "br"}
CELL_TAGS = {"td", "th"}
SPACES = re.compile(r"\s+")


def readable_text(html):
    """Return the text a reader sees in *html*: paragraphs apart, each list item and
    table row on a line of its own, and the spaces of the source collapsed."""
    reader = LineReader()
    reader.feed(html)
    reader.close()
    return "".join(reader.pieces).strip()


# What searchable_text reads of the sanitizer's HTML, which escapes every ">" in an
# attribute's value: a tag that breaks a line, and any tag.
BREAKING_TAG = re.compile(
    rf"</?(?:{'|'.join(sorted(PARAGRAPH_TAGS | LINE_TAGS | CELL_TAGS))})\b[^>]*>"
)
ANY_TAG = re.compile(r"<[^>]*>")


def searchable_text(html):
    """Return the words a reader sees in a body rendered to *html*, for the search index:
    those of readable_text, without its lines, as the index's analyzer reads words alone.

    Nothing the sanitizer strips (a script, a style, a comment) and no link's
    address is found by a search. Read with two regular expressions, several
    times faster than readable_text's parser, as an import reads every body.
    """
    return html_text.unescape(ANY_TAG.sub("", BREAKING_TAG.sub(" ", html)))


def summary_text(text):
    """Return the opening words of a body's *text* (searchable_text's), for link previews,
    JSON-LD and feeds: the words a reader sees first, "…" after them if there are more.

    Taken from the text the index reads, which holds readable_text's words: reading
    them again with readable_text's parser took twice as long as rendering the body.
    """
    words = text.split(maxsplit=SUMMARY_WORDS)
    if len(words) > SUMMARY_WORDS:
        # One word of the rest is enough to say there is more.
        words[SUMMARY_WORDS] = words[SUMMARY_WORDS].split(maxsplit=1)[0]
    return Truncator(" ".join(words)).words(SUMMARY_WORDS, truncate="…")


class Rendering(typing.NamedTuple):
    """What a release's body renders to, kept beside it (``Release.rendered_*``)."""

    html: str
    text: str
    summary: str
    # renderer_settings() when it was rendered: under any other, it is rendered again.
    settings: str

    @classmethod
    def of(cls, markdown, speakers=None):
        """Return the Rendering of the body *markdown* under the current settings, with
        the *speakers* of a transcript's labels (page_html)."""
        return cls.of_read(markdown, transcript(markdown), speakers)

    @classmethod
    def of_read(cls, markdown, read, speakers=None):
        """Return the Rendering of the body *markdown*, already *read* as a Transcript
        (or None): a worker of an import reads it once, for this and for its turns."""
        html = transcript_html(markdown, read, speakers)
        text = searchable_text(html)
        return cls(html, text, summary_text(text), renderer_settings())


class LineReader(HTMLParser):
    """Collect the text of HTML, breaking lines where its elements do."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces = []
        self.pending_breaks = 0

    def handle_starttag(self, tag, attrs):
        self.break_at(tag)
        if tag in CELL_TAGS:
            self.handle_data(" ")

    def handle_endtag(self, tag):
        self.break_at(tag)

    def break_at(self, tag):
        breaks = 2 if tag in PARAGRAPH_TAGS else 1 if tag in LINE_TAGS else 0
        self.pending_breaks = max(self.pending_breaks, breaks)

    def handle_data(self, data):
        text = SPACES.sub(" ", data)
        if self.pending_breaks:
            # The source's line breaks and indents between elements are not text.
            text = text.lstrip()
            if not text:
                return
            if self.pieces:
                self.pieces[-1] = self.pieces[-1].rstrip()
                self.pieces.append("\n" * self.pending_breaks)
            self.pending_breaks = 0
        self.pieces.append(text)
