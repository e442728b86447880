"""An anchor of its own on each paragraph, list item, table and quote of a rendered body.

Each gets an id, ``p1``, ``p2``... in the order a reader meets them, and a small
link to itself that the stylesheet shows on hover and on keyboard focus. The
ids are added after sanitizing, which strips every id a body's own HTML holds,
so a body can neither write one nor clash with one; and they follow from the
body's text alone, so the same text gets the same anchors on every import.
"""

import re

from django.utils.html import format_html

# The sanitizer's HTML, which escapes "<" in text and ">" in attribute values:
# the start and end tags of the elements anchored, and of the elements they may sit in.
BLOCK_TAG = re.compile(r"<(/?)(p|li|ul|ol|blockquote|table)(?=[\s>])[^>]*>")
LISTS = frozenset({"ul", "ol"})
# Anchored where they are not inside another anchored element: a quote's
# paragraphs share the quote's anchor, a list item's its own.
ANCHORED = frozenset({"p", "blockquote", "table"})


class ParagraphAnchors:
    """Numbers the paragraphs of one page's body, over as many pieces of it as it has."""

    def __init__(self):
        self.count = 0

    def add(self, html):
        """Return sanitized *html* with an id and a link on each paragraph, numbered on
        from the pieces before it."""
        open_tags = []
        anchored_at = []

        def anchor(match):
            closing, name = match[1], match[2]
            if closing:
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
                if anchored_at and anchored_at[-1][0] == len(open_tags):
                    return self.closed(match[0], name, anchored_at.pop()[1])
                return match[0]
            opened = self.opening(match[0], name, open_tags, anchored_at)
            open_tags.append(name)
            return opened

        return BLOCK_TAG.sub(anchor, html)

    def opening(self, tag, name, open_tags, anchored_at):
        """Return the start *tag* of *name*, with an id if it opens an anchored paragraph."""
        top = not open_tags
        in_list = len(open_tags) == 1 and open_tags[0] in LISTS
        if not ((top and name in ANCHORED) or (in_list and name == "li")):
            return tag
        self.count += 1
        anchored_at.append((len(open_tags), self.count))
        return f'{tag[:-1]} id="p{self.count}">'

    def closed(self, tag, name, number):
        """Return the end *tag* of the paragraph *number*, with its link."""
        link = paragraph_link(f"p{number}", f"Link to paragraph {number}")
        # A link cannot sit inside a table of its own: it follows it.
        return f"{tag}{link}" if name == "table" else f"{link}{tag}"


def paragraph_link(anchor, label):
    """Return the link to *anchor*: no text of its own, so that copied text holds
    none; the stylesheet draws its mark, and *label* is what a screen reader says."""
    return format_html('<a class="anchor" href="#{}" aria-label="{}"></a>', anchor, label)
