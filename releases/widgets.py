"""The list filters' widgets, written out in Python as Django's own templates write them.

Every first render of a list page draws its filter form; through Django's
form templates (one for each input, each attribute list and each option of
the category choice) that was a fifth of the page's time. The HTML is the
same, less the blank line Django's option template leaves after each option.
"""

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def html_attributes(attrs):
    """Return *attrs* as ``widgets/attrs.html`` writes them: True as a bare name,
    False left out."""
    return "".join(
        f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainInput(forms.widgets.Input):
    """An input written as ``widgets/input.html`` writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        given = "" if value is None else f' value="{escape(str(value))}"'
        attributes = html_attributes(self.build_attrs(self.attrs, attrs))
        return mark_safe(
            f'<input type="{escape(self.input_type)}" name="{escape(name)}"{given}{attributes}>'
        )


class PlainTextInput(PlainInput, forms.TextInput):
    pass


class PlainDateInput(PlainInput, forms.DateInput):
    pass


class PlainSelect(forms.Select):
    """A choice without groups, written as ``widgets/select.html`` writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = "".join(
            f'\n  <option value="{escape(str(option))}"'
            f"{' selected' if str(option) in chosen else ''}>{escape(str(label))}</option>"
            for option, label in self.choices
        )
        attributes = html_attributes(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}\n</select>')
