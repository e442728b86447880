"""The list filters' widgets, written out in Python as Django's own templates write them.

Every first render of a list page draws its filter form; through Django's
form templates (one for each input, each attribute list and each option of
the category choice) that was a fifth of the page's time. The HTML is the
same, less the blank line Django's option template leaves after each option.
"""

from django import forms
from django.utils.html import format_html, format_html_join


def html_attributes(attrs):
    """Return *attrs* as ``widgets/attrs.html`` writes them: True as a bare name,
    False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class PlainInput(forms.widgets.Input):
    """An input written as ``widgets/input.html`` writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        given = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            given,
            html_attributes(widget["attrs"]),
        )


class PlainTextInput(PlainInput, forms.TextInput):
    pass


class PlainDateInput(PlainInput, forms.DateInput):
    pass


class PlainSelect(forms.Select):
    """A choice without groups, written as ``widgets/select.html`` writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            (
                (option["value"], html_attributes(option["attrs"]), option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            html_attributes(widget["attrs"]),
            options,
        )
