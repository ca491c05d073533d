from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """Look a key up in a dict from a template: {{ scores|get_item:project.pk }}."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def person(user: object) -> str:
    """A person as pages name them: full name, else username; "a former member" once the
    account is deleted (the foreign keys to it are then empty)."""
    if user is None or not hasattr(user, "get_username"):
        return "a former member"
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]
