"""Writing the demo's many rows at once, so that `make bench` can seed 10,000 projects x 20
quarters in minutes: PostgreSQL's COPY where the database is PostgreSQL, `bulk_create` and
`bulk_update` elsewhere (SQLite).

Rows are tuples in the order of the columns named (field attnames, "assessment_id"); every
other column takes its field's default, as `Model.objects.create` would give it. Ids are
reserved from the table's own sequence first, so rows can refer to rows not written yet.
"""

import datetime
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

BATCH_SIZE = 5000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`, taken from its sequence (on SQLite, after the
    highest id: the demo is seeded by one process)."""
    if count == 0:
        return []
    if not is_postgresql():
        highest = model._default_manager.aggregate(highest=Max("pk"))["highest"] or 0
        return list(range(highest + 1, highest + 1 + count))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Insert `rows` (tuples of `columns`' values); returns how many were written."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    if not is_postgresql():
        written = 0
        for batch in _batches(rows):
            model._default_manager.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in batch]
            )
            written += len(batch)
        return written
    statement, rest = _copy_statement(model, columns)
    tail = tuple(_stored(field, _default(field)) for field in rest)
    json_positions = [i for i, name in enumerate(columns) if _is_json(fields[name])]
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = json.dumps(row[i])
            copy.write_row((*row, *tail))
            written += 1
    return written


def insert_instances(model: type[models.Model], instances: Sequence[models.Model]) -> int:
    """Insert unsaved instances, every column as the instance holds it (their primary keys
    are left to the sequence)."""
    columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return insert_rows(
        model, columns, ([getattr(row, name) for name in columns] for row in instances)
    )


def insert_text(model: type[models.Model], columns: Sequence[str], lines: Iterable[str]) -> int:
    """PostgreSQL only: insert rows given as lines of COPY text (the values of `columns`,
    tab-separated, escaped with `copy_text`), for the hottest tables, where formatting
    each value through psycopg costs twice as much."""
    statement, rest = _copy_statement(model, columns)
    tail = "".join("\t" + copy_text(_stored(field, _default(field))) for field in rest) + "\n"
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        batch: list[str] = []
        for line in lines:
            batch.append(line + tail)
            if len(batch) == BATCH_SIZE:
                copy.write("".join(batch))
                written += len(batch)
                batch = []
        copy.write("".join(batch))
        written += len(batch)
    return written


def copy_text(value: object) -> str:
    """One value as COPY's text format has it: \\N for NULL, t and f, ISO dates, and text
    with its backslashes, tabs and line breaks escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    return str(value).translate(_ESCAPES)


def _copy_statement(
    model: type[models.Model], columns: Sequence[str]
) -> tuple[str, list[models.Field]]:
    """COPY into `columns` and then every other column but the primary key, which the rows
    fill with its default."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    rest = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in columns and not field.primary_key
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(fields[name].column)) for name in columns)
    names += "".join(", " + quote(str(field.column)) for field in rest)
    return f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", rest


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Set `columns` (after the first, "id") of the rows with those ids to the values given;
    in PostgreSQL through a temporary table and one UPDATE."""
    rows = list(rows)
    if not rows:
        return 0
    if not is_postgresql():
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._default_manager.bulk_update(objects, columns[1:], batch_size=BATCH_SIZE)
        return len(rows)
    column = {field.attname: str(field.column) for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staging = quote(f"demo_update_{model._meta.db_table}")
    assignments = ", ".join(
        f"{quote(column[c])} = {staging}.{quote(column[c])}" for c in columns[1:]
    )
    names = ", ".join(quote(column[c]) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} "
            f"WHERE {table}.{quote(column[columns[0]])} = {staging}.{quote(column[columns[0]])}"
        )
        cursor.execute(f"DROP TABLE {staging}")
    return len(rows)


@contextmanager
def references_checked_by_the_seeder() -> Iterator[None]:
    """Within the current transaction, skip PostgreSQL's per-row foreign-key triggers while
    the seeder writes rows whose references it has just created or read (it checks them
    itself: `dangling_references`). Needs a superuser; otherwise the triggers run."""
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        finally:
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@contextmanager
def indexes_built_after(*tables: type[models.Model]) -> Iterator[None]:
    """Within the current transaction: drop the tables' secondary indexes and unique
    constraints (never a primary key) while rows are written, then create them again, each
    from its own definition. Building an index once over millions of rows is several times
    cheaper than keeping it up to date row by row. PostgreSQL only; a no-op elsewhere."""
    if not is_postgresql():
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("Drop indexes only inside a transaction, so a failure restores them.")
    quote = connection.ops.quote_name
    dropped: list[str] = []
    with connection.cursor() as cursor:
        for model in tables:
            table = quote(model._meta.db_table)
            cursor.execute(UNIQUE_CONSTRAINTS, [model._meta.db_table])
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
                dropped.append(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute(PLAIN_INDEXES, [model._meta.db_table])
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {quote(name)}")
                dropped.append(definition)
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in dropped:
            cursor.execute(statement)


UNIQUE_CONSTRAINTS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname
"""
PLAIN_INDEXES = """
    SELECT index.relname, pg_get_indexdef(index.oid)
    FROM pg_index JOIN pg_class index ON index.oid = pg_index.indexrelid
    WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)
    ORDER BY index.relname
"""


def dangling_references(model: type[models.Model]) -> dict[str, int]:
    """For each foreign key of `model`, how many rows point at no row: {} when none do."""
    found = {}
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):
            continue
        target = field.related_model._default_manager
        missing = (
            model._default_manager.filter(**{f"{field.attname}__isnull": False})
            .exclude(**{f"{field.attname}__in": target.values("pk")})
            .count()
        )
        if missing:
            found[field.name] = missing
    return found


def _batches(rows: Iterable[Sequence[object]]) -> Iterator[list[Sequence[object]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_SIZE)):
        yield batch


def _default(field: models.Field) -> object:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _is_json(field: models.Field) -> bool:
    return isinstance(field, models.JSONField)


def _stored(field: models.Field, value: object) -> object:
    return json.dumps(value) if _is_json(field) and value is not None else value


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
