"""Turn a release body's Markdown into HTML that is safe to put on a page."""

import nh3
from markdown_it import MarkdownIt

# Bodies were converted from the briefing room's HTML and keep some of it
# (underlines, superscripts, tables, images), so raw HTML is parsed and then
# cut down to this list by the sanitizer.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}


def demote_headings(state):
    """Start the body's headings at h2: the release title is the page's h1."""
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
markdown.core.ruler.push("demote_headings", demote_headings)


def render_body(text):
    """Return sanitized HTML for Markdown *text*."""
    return nh3.clean(
        markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
