"""A list's timeline drawn: its bars as SVG links, and the rows of its table.

Written in Python rather than as template loops: a loop over 72 bars, a
dozen variables each, cost a list page's first render more than its facets'
query does.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

BAR = (
    '<a href="{}" aria-label="{}: {} release{}"><title>{}: {}</title>'
    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/></a>'
)
ROW = '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td></tr>'
SEPARATOR = '<line class="timeline-year" x1="{}" x2="{}" y1="0" y2="{}"/>'


@register.simple_tag
def timeline_bars(timeline):
    """Return the SVG of *timeline*'s year separators and of its bars with releases."""
    separators = format_html_join(
        "", SEPARATOR, ((f"{x:g}", f"{x:g}", f"{timeline.height:g}") for x in timeline.separators)
    )
    bars = format_html_join(
        "",
        BAR,
        (
            (
                bar.address,
                bar.label,
                f"{bar.count:,}",
                "" if bar.count == 1 else "s",
                bar.label,
                f"{bar.count:,}",
                "timeline-bar" if bar.chosen else "timeline-bar timeline-other",
                f"{bar.x:g}",
                f"{bar.y:g}",
                f"{bar.width:g}",
                f"{bar.height:g}",
            )
            for bar in timeline.counted_bars
        ),
    )
    return format_html("{}{}", separators, bars)


@register.simple_tag
def timeline_rows(timeline):
    """Return the table rows of *timeline*'s periods with releases."""
    return format_html_join(
        "", ROW, ((bar.address, bar.label, f"{bar.count:,}") for bar in timeline.counted_bars)
    )
