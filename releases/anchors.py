"""An anchor of its own on each paragraph, list item, table and quote of a rendered body.

Each gets an id, ``p1``, ``p2``... in the order a reader meets them, and a small
link to itself that the stylesheet shows on hover and on keyboard focus. The
ids are added after sanitizing, which strips every id a body's own HTML holds,
so a body can neither write one nor clash with one; and they follow from the
body's text alone, so the same text gets the same anchors on every import.
"""

import re

# The sanitizer's HTML, which escapes "<" in text and ">" in attribute values:
# the start and end tags of the blocks a body's text sits in.
BLOCK_TAG = re.compile(r"<(/?)(p|li|ul|ol|blockquote|table|h[2-6]|pre|hr)(?=[\s>])[^>]*>")
LISTS = frozenset({"ul", "ol"})
# Anchored where they are not inside another anchored element: a quote's
# paragraphs share the quote's anchor, a list item's its own.
ANCHORED = frozenset({"p", "li", "blockquote", "table"})
# Built with str.format, not format_html: it holds numbers alone, never a body's
# text, and format_html's escaping was two thirds of rendering a body.
PARAGRAPH_LINK = '<a class="anchor" href="#p{0}" aria-label="Link to paragraph {0}"></a>'
# Any tag, and those of the inline elements that hold no end tag.
TAG = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")
VOID = frozenset({"br", "img"})


class ParagraphAnchors:
    """Numbers the paragraphs of one page's body, over as many pieces of it as it has."""

    def __init__(self):
        self.count = 0

    def add(self, html):
        """Return sanitized *html* with an id and a link on each paragraph, numbered on
        from the pieces before it.

        Text outside every block (the HTML a turn or a body opens with, such as
        a ``<span>`` on a line of its own, which Markdown leaves raw and the
        sanitizer unwrapped) is a paragraph the reader sees too: it is put in one.
        """
        # The names of the elements open, and for each anchored one open, how many
        # were open around it and its number. One pass, one call a tag: a body has
        # a hundred paragraphs or more, and an import renders every body.
        open_tags, anchored, pieces, done = [], [], [], 0

        def anchor(match):
            closing, name = match[1], match[2]
            if closing:
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
                if not anchored or anchored[-1][0] != len(open_tags):
                    return match[0]
                link = PARAGRAPH_LINK.format(anchored.pop()[1])
                # A link cannot sit inside a table of its own: it follows it.
                return match[0] + link if name == "table" else link + match[0]
            depth = len(open_tags)
            if name == "hr":
                return match[0]
            open_tags.append(name)
            if (depth == 0 and name in ANCHORED) or (
                depth == 1 and name == "li" and open_tags[0] in LISTS
            ):
                self.count += 1
                anchored.append((depth, self.count))
                return f'{match[0][:-1]} id="p{self.count}">'
            return match[0]

        for match in BLOCK_TAG.finditer(html):
            between = html[done : match.start()]
            pieces.append(between if open_tags else self.loose(between))
            pieces.append(anchor(match))
            done = match.end()
        pieces.append(html[done:] if open_tags else self.loose(html[done:]))
        return "".join(pieces)

    def loose(self, html):
        """Return *html*, found between the blocks, as an anchored paragraph if it holds
        words in elements it closes itself.

        An image alone is left as it is: one that fails to load takes no room
        on the page, which a paragraph's margins around it would.
        """
        content = html.strip()
        if not TAG.sub("", content).strip():
            return html
        if not balanced(content):
            # It opens an element a block sits in: leave the page's structure be.
            return html
        self.count += 1
        start = len(html) - len(html.lstrip())
        end = start + len(content)
        link = PARAGRAPH_LINK.format(self.count)
        return f'{html[:start]}<p id="p{self.count}">{content}{link}</p>{html[end:]}'


def balanced(html):
    """Whether *html* closes every element it opens, and no other."""
    depth = 0
    for closing, name in TAG.findall(html):
        if name in VOID:
            continue
        depth += -1 if closing else 1
        if depth < 0:
            return False
    return depth == 0
