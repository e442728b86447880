"""Turn a release body's Markdown into HTML that is safe to put on a page.

Bodies are stored as written and rendered when shown, so a change to the
rules below reaches every release at once, with nothing to re-import.
"""

import hashlib
import re
from html.parser import HTMLParser

import nh3
import pyromark
from django.core.cache import cache

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
HEADING_TAG = re.compile(r"<(/?)h([1-5])(?=[\s>])")
# CommonMark, plus the tables and strikethrough that staff may type.
MARKDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
# Part of each cache key: raise it when a change here renders a body differently.
RENDERER_VERSION = 1
# Keys never go stale (they name the text); the timeout only bounds the memory.
RENDER_CACHE_SECONDS = 24 * 60 * 60
# Built once: configuring the sanitizer costs more than running it on a body.
sanitizer = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
)


def render_body(text):
    """Return sanitized HTML for Markdown *text*."""
    return sanitizer.clean(demote_headings(pyromark.html(text, options=MARKDOWN_OPTIONS)))


def demote_headings(html):
    """Start the body's headings at h2: the release title is the page's h1."""
    return HEADING_TAG.sub(lambda match: f"<{match[1]}h{int(match[2]) + 1}", html)


def cached_render(text):
    """Return render_body(*text*), from the cache when this text was rendered before."""
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    key = f"body-html:{RENDERER_VERSION}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_body(text)
        cache.set(key, html, timeout=RENDER_CACHE_SECONDS)
    return html


def plain_text(markdown):
    """Return *markdown* without its markup, as one line of words."""
    return " ".join(MARKUP.sub("", RAW_TAG.sub(" ", markdown)).split())


# Elements that start a paragraph (a blank line before and after) or a line of their own.
PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table", "hr"}
LINE_TAGS = {"li", "tr", "br"}
CELL_TAGS = {"td", "th"}
SPACES = re.compile(r"\s+")


def readable_text(html):
    """Return the text a reader sees in *html*: paragraphs apart, each list item and
    table row on a line of its own, and the spaces of the source collapsed."""
    reader = TextReader()
    reader.feed(html)
    reader.close()
    return "".join(reader.pieces).strip()


class TextReader(HTMLParser):
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
