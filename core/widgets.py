"""Form widgets shared by the apps' forms."""

from collections.abc import Iterable
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class ManyOptionsSelect(forms.Select):
    """A <select> written in Python rather than through a template per option: the filters
    offer every team, 2,000 of them at 10,000 projects. The markup is Django's Select's.
    Choices are flat (value, label) pairs, kept as given (Django normalises each one), and
    escaped by the standard library (Django's `escape` is that call behind a lazy-text
    wrapper, most of the cost for 2,000 options)."""

    @property
    def choices(self) -> Iterable[tuple[Any, Any]]:
        return self._flat_choices

    @choices.setter
    def choices(self, value: Any) -> None:
        # A model field's iterator stays lazy: it is read when the options are written.
        self._flat_choices = value if isinstance(value, BaseChoiceIterator) else list(value)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = self.format_value(value)
        options, selected = [], False
        for option, label in self.choices:
            mark = not selected and str(option) in chosen
            selected = selected or mark
            marked = " selected" if mark else ""
            options.append(
                f'<option value="{escape(str(option))}"{marked}>{escape(str(label))}</option>'
            )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("\n".join(options)),  # each value and label escaped above
        )
