"""A chart's text alternative in templates: {{ figure|chart_summary }}, {{ figure|chart_table }}.

The text comes from `insights.figure_text` (pure); templates escape it like any other text.
"""

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.text import slugify

from insights import figure_text

register = template.Library()


@register.filter
def chart_summary(figure: Mapping[str, Any]) -> str:
    return figure_text.figure_summary(figure)


@register.filter
def chart_table(figure: Mapping[str, Any]) -> figure_text.FigureTable:
    return figure_text.figure_table(figure)


@register.filter
def chart_title(figure: Mapping[str, Any]) -> str:
    return figure_text.figure_title(figure)


@register.filter
def chart_id(figure: Mapping[str, Any]) -> str:
    """An id for the chart's elements, from its download file name (unique on a page)."""
    options = (figure.get("config") or {}).get("toImageButtonOptions") or {}
    return "chart-" + slugify(options.get("filename") or figure_text.figure_title(figure))
