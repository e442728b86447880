"""A list's filter form drawn: a label and an input for each filter but the order.

Written in Python for the reason ``timelines.py`` gives: the template's loop
over the form's fields, with their labels and errors, was a seventh of a list
page's first render. Each input is still the field's own widget.
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# The order is a pair of links beside the results, not an input.
SHOWN_ELSEWHERE = {"sort"}
FIELD = '\n<p>\n  <label for="{id}">{label}</label>\n  {errors}{input}\n</p>'


@register.simple_tag
def filter_inputs(form):
    """Return a paragraph for each of *form*'s fields but the order: its label, its
    errors if any, and its input."""
    return mark_safe(
        "".join(
            FIELD.format(
                id=escape(field.id_for_label),
                label=escape(field.label),
                errors=field.errors or "",
                input=field,
            )
            for field in form
            if field.name not in SHOWN_ELSEWHERE
        )
    )
