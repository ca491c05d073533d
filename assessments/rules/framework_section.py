"""One mapping of a framework file, with typed field access whose errors say where.

Pure Python, shared by the parser's modules (`framework_file`, `framework_profiles`).
"""

import difflib
from collections.abc import Iterable, Sequence

from assessments.rules.framework_spec import SLUG_RE, FrameworkFileError


class Section:
    """One mapping of the file, with typed field access whose errors say where."""

    def __init__(
        self,
        source: str,
        where: str,
        data: object,
        required: Sequence[str],
        optional: Sequence[str] = (),
    ) -> None:
        self.source = source
        self.where = where
        if not isinstance(data, dict):
            raise self.error(f"expected a mapping of fields, got {describe(data)}")
        self.data: dict[object, object] = data
        self._check_field_names(required, optional)

    def error(self, problem: str) -> FrameworkFileError:
        return FrameworkFileError(self.source, self.where, problem)

    def _check_field_names(self, required: Sequence[str], optional: Sequence[str]) -> None:
        known = (*required, *optional)
        for name in self.data:
            if name not in known:
                raise self.error(f"unknown field {describe(name)}{suggestion(name, known)}")
        for name in required:
            if name not in self.data:
                raise self.error(f"missing field {name!r}")

    def text(self, name: str, max_length: int | None = None) -> str:
        value = self.data[name]
        if not isinstance(value, str):
            raise self.error(f"field {name!r} must be text, got {describe(value)}")
        if not value.strip():
            raise self.error(f"field {name!r} must not be empty")
        if max_length is not None and len(value.strip()) > max_length:
            raise self.error(f"field {name!r} must be at most {max_length} characters")
        return value.strip()

    def slug(self, name: str, max_length: int) -> str:
        value = self.text(name, max_length)
        if not SLUG_RE.fullmatch(value):
            raise self.error(
                f"field {name!r} must be a slug of lowercase letters, digits and hyphens"
                f" (got {describe(value)})"
            )
        return value

    def text_list(self, name: str, what: str, *, allow_empty: bool) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.error(f"{name} must be a list of {what}, got {describe(value)}")
        if not value and not allow_empty:
            raise self.error(f"{name} must list at least one of {what}")
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                raise self.error(
                    f"{name} must be a list of {what} (item {position} is {describe(item)})"
                )
        items = tuple(item.strip() for item in value)
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise self.error(f"{name} lists {describe(item)} more than once")
            seen.add(item)
        return items


def describe(value: object) -> str:
    """Show a value in a message without ever printing a whole (possibly huge) structure."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57]) + "..."
    if isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 64 else "a very large number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def suggestion(name: object, known: Iterable[str]) -> str:
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
