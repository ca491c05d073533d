"""Cursor pagination on a stable ordering (keyset): a page is the rows after the last one
of the previous page, so pages neither skip nor repeat rows when rows are added or removed
between requests, and page 1,000 costs what page 1 does (no OFFSET, no COUNT).

Every list answers `{"results": [...], "next": <URL of the next page, or null>}`. The
cursor is the last row's ordering values, signed: a cursor from another list, an edited
one or garbage answers 422, and never reaches a query. Follow `next` as it is: it keeps
the filters of the request.
"""

import datetime
from collections.abc import Sequence
from typing import Any, Final

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import create_model

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 200
CURSOR_MAX_LENGTH: Final = 1000


class PageQuery(Schema):
    cursor: str | None = Field(
        None,
        max_length=CURSOR_MAX_LENGTH,
        description="Where the page starts: take it from the previous page's `next` link. "
        "An edited or foreign cursor answers 422.",
    )
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Rows per page, 1 to {MAX_PAGE_SIZE}; outside that range answers 422.",
    )


def page_schema(item: type[Schema]) -> type[Schema]:
    """The list answer for `item`: `<Item>Page` with `results` and `next`."""
    name = item.__name__.removesuffix("Out")
    return create_model(
        f"{name}Page",
        __base__=Schema,
        results=(list[item], ...),  # type: ignore[valid-type]
        next=(
            str | None,
            Field(None, description="The next page's address, or null on the last page."),
        ),
    )


def paginate[M: Model](
    request: HttpRequest,
    rows: QuerySet[M],
    *,
    page: PageQuery,
    ordering: Sequence[str],
    name: str,
) -> tuple[list[M], str | None]:
    """One page of `rows` in `ordering` (which must end in a unique, non-null field such
    as "pk") and the address of the next, in one query. `name` tells lists' cursors apart."""
    salt = f"api.cursor:{name}:{','.join(ordering)}"
    if page.cursor:
        rows = rows.filter(_after(ordering, _decode(page.cursor, salt, len(ordering))))
    found = list(rows.order_by(*ordering)[: page.page_size + 1])
    if len(found) <= page.page_size:
        return found, None
    found = found[: page.page_size]
    cursor = signing.dumps([_position(found[-1], field) for field in ordering], salt=salt)
    query = request.GET.copy()
    query["cursor"] = cursor
    return found, request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _decode(cursor: str, salt: str, size: int) -> list[Any]:
    try:
        values = signing.loads(cursor, salt=salt)
    except signing.BadSignature:
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise ValidationError(
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "Not a cursor of this list: take it from the `next` link.",
                    "type": "invalid_cursor",
                }
            ]
        )
    return values


def _after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """The rows after `values` in `ordering`: (a > x) or (a = x and b > y) or ...; a
    descending field ("-name") compares the other way."""
    after = Q(pk__in=[])
    for index, field in enumerate(ordering):
        name = field.removeprefix("-")
        step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": values[index]})
        for earlier, value in zip(ordering[:index], values[:index], strict=True):
            step &= Q(**{earlier.removeprefix("-"): value})
        after |= step
    return after


def _position(row: Model, field: str) -> Any:
    """The row's value of `field` ("period__opens_on" follows the relations already read),
    as JSON can carry it: dates as ISO text, which their lookups accept."""
    value: Any = row
    for part in field.removeprefix("-").split("__"):
        value = getattr(value, part)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value
