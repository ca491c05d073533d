"""Form widgets shared by the apps' forms."""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


class ManyOptionsSelect(forms.Select):
    """A <select> written in Python rather than through a template per option: the filters
    offer every team, 2,000 of them at 10,000 projects. The markup is Django's Select's."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = self.format_value(value)
        options, selected = [], False
        for option, label in self.choices:
            mark = not selected and str(option) in chosen
            selected = selected or mark
            marked = " selected" if mark else ""
            options.append(f'<option value="{escape(option)}"{marked}>{escape(label)}</option>')
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("\n".join(options)),  # each value and label escaped above
        )
