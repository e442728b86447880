"""A facet beside a list drawn: its heading, and a link for each of its lines with its
count (facets.py counts them and writes their addresses).

Written in Python for the reason ``timelines.py`` gives: a list page shows
thirty lines or more, and a template's loop over them, an address, a label
and a count each, cost its first render more than the lines' own query.
"""

from html import escape

from django import template
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()

FACET = (
    '<nav aria-labelledby="{name}-facet-heading">\n'
    '  <h2 id="{name}-facet-heading">{heading}</h2>\n'
    '  <ul class="facet">{lines}\n  </ul>\n'
    "</nav>"
)
LINE = (
    '\n    <li><a href="{address}"{current}>{label}</a> <span class="count">{count:,}</span></li>'
)


@register.simple_tag(takes_context=True)
def facet(context, name, heading, lines):
    """Return the facet *name* under *heading*: a link for each of *lines*, FacetLinks,
    or for the month facet FacetCounts, each leading to its month's archive with the
    list's query string."""
    if name == "month":
        lines = month_links(context, lines)
    else:
        lines = ((line.address, line.current, line.label, line.count) for line in lines)
    drawn = "".join(
        LINE.format(
            address=escape(address),
            current=' aria-current="true"' if current else "",
            label=escape(label),
            count=count,
        )
        for address, current, label, count in lines
    )
    return mark_safe(FACET.format(name=escape(name), heading=escape(heading), lines=drawn))


def month_links(context, lines):
    """Yield (address, current, label, count) of each month of a year's archive page."""
    category, year = context.get("category"), context["view"].kwargs["year"]
    query = querystring(context, page=None)
    for line in lines:
        if category:
            path = reverse("releases:category_month", args=[category.slug, year, line.value])
        else:
            path = reverse("releases:month", args=[year, line.value])
        yield f"{path}{query}", False, line.label, line.count
