from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """Look a key up in a dict from a template: {{ scores|get_item:project.pk }}."""
    if not mapping:
        return None
    return mapping.get(key)
