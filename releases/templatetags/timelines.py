"""A list's timeline drawn: its bars as SVG links, and the rows of its table.

Written in Python rather than as template loops: a loop over 72 bars, a
dozen variables each, cost a list page's first render more than its facets'
query does. The text is escaped with the standard library's ``escape``, as
Django's own is, but without ``format_html``'s check of every value for lazy
text, which took several calls a value, and a chart has hundreds.
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

BAR = (
    '<a href="{address}" aria-label="{label}: {count} release{plural}"><title>{label}: {count}'
    '</title><rect class="{kind}" x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}"/>'
    '<rect class="timeline-target" x="{slot_x:g}" y="0" width="{slot_width:g}" '
    'height="{chart_height:g}"/></a>'
)
ROW = '<tr><th scope="row"><a href="{address}">{label}</a></th><td>{count:,}</td></tr>'
SEPARATOR = '<line class="timeline-year" x1="{x:g}" x2="{x:g}" y1="0" y2="{height:g}"/>'


@register.simple_tag
def timeline_bars(timeline):
    """Return the SVG of *timeline*'s year separators and of its bars with releases."""
    separators = (SEPARATOR.format(x=x, height=timeline.height) for x in timeline.separators)
    slot_width = round(timeline.slot_width, 2)
    bars = (
        BAR.format(
            address=escape(bar.address),
            label=escape(bar.label),
            count=f"{bar.count:,}",
            plural="" if bar.count == 1 else "s",
            kind="timeline-bar" if bar.chosen else "timeline-bar timeline-other",
            x=bar.x,
            y=bar.y,
            width=bar.width,
            height=bar.height,
            slot_x=bar.slot_x,
            slot_width=slot_width,
            chart_height=timeline.height,
        )
        for bar in timeline.counted_bars
    )
    return mark_safe("".join([*separators, *bars]))


@register.simple_tag
def timeline_rows(timeline):
    """Return the table rows of *timeline*'s periods with releases."""
    return mark_safe(
        "".join(
            ROW.format(address=escape(bar.address), label=escape(bar.label), count=bar.count)
            for bar in timeline.counted_bars
        )
    )
