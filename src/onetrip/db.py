"""Building blocks for the few hot write paths that go to PostgreSQL in one statement.

The ORM spends over a millisecond of Python per INSERT on this machine's CPU, and every statement
is a round trip. The hot paths (a kiosk issuing a ticket, a window calling the next one) instead
chain their inserts in one data-modifying ``WITH`` statement: one round trip, one commit, atomic
by itself. The column values still come from the models' own fields (defaults, ``pre_save`` and
``get_db_prep_save``), so a new field with a default needs no change here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import IntegrityError, connection, models, transaction

M = TypeVar("M", bound=models.Model)

# Values psycopg adapts as they are; anything else goes through the field's get_db_prep_save
# (JSON, decimals, naive datetimes…). The full field machinery costs ~20 µs a column here.
_PLAIN = frozenset({str, int, bool, dt.date, dt.datetime})


#: Checks run on every instance ``InsertParts`` writes, as pre_save receivers run on the ORM
#: path (``onetrip.web`` adds the length check: lengths from the model).
BEFORE_INSERT: list[Callable[[models.Model], None]] = []


class InsertParts:
    """``INSERT INTO table (columns) SELECT values`` pieces for one unsaved model instance.

    ``exprs`` replaces a field's value by an SQL expression (with its own parameters), e.g. a
    column of an earlier CTE: ``{"ticket_id": ("t.id", [])}``.
    """

    def __init__(self, obj: models.Model, *, exprs: dict[str, tuple[str, list[Any]]] | None = None):
        exprs = exprs or {}
        for check in BEFORE_INSERT:  # what pre_save receivers do on the ORM path
            check(obj)
        self.table, fields = _insertable(type(obj))
        columns, values, params = [], [], []
        for field, column in fields:
            columns.append(column)
            if field.attname in exprs:
                sql, extra = exprs[field.attname]
                values.append(sql)
                params.extend(extra)
            else:
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    value = field.pre_save(obj, add=True)
                else:
                    value = getattr(obj, field.attname)
                if value is not None and (
                    type(value) not in _PLAIN
                    or (type(value) is dt.datetime and value.tzinfo is None)
                ):
                    value = field.get_db_prep_save(value, connection)
                if value is None:  # fewer parameters keep psycopg's statement caches usable
                    values.append("NULL")
                else:
                    values.append("%s")
                    params.append(value)
        self.columns = ", ".join(columns)
        self.values = ", ".join(values)
        self.params = params

    def insert_select(self, source: str, returning: str = "") -> str:
        """``INSERT … SELECT <values> FROM <source> [RETURNING …]`` (params: ``self.params``)."""
        sql = f"INSERT INTO {self.table} ({self.columns}) SELECT {self.values} FROM {source}"
        return f"{sql} RETURNING {returning}" if returning else sql


_INSERTABLE: dict[type, tuple[str, list[tuple[models.Field, str]]]] = {}


def _insertable(model: type[models.Model]) -> tuple[str, list[tuple[models.Field, str]]]:
    """The quoted table and (field, quoted column) pairs an INSERT writes, cached per model."""
    found = _INSERTABLE.get(model)
    if found is None:
        quote = connection.ops.quote_name
        fields = [
            (f, quote(cast(str, f.column)))
            for f in model._meta.concrete_fields
            if not f.primary_key
        ]
        found = _INSERTABLE[model] = (quote(model._meta.db_table), fields)
    return found


def create_once(model: type[M], *, refusal: Exception, **fields: Any) -> M:
    """Create a row a unique constraint allows only once; when it breaks one (the row exists,
    perhaps since a concurrent request), raise ``refusal`` instead. A savepoint keeps the
    caller's transaction usable and nothing is written."""
    try:
        with transaction.atomic():
            return model._default_manager.create(**fields)
    except IntegrityError as exc:
        raise refusal from exc


def counter_next(model: type[models.Model], **key: Any) -> int:
    """Increment the counter row of ``model`` (an integer ``last`` column) that ``key`` names
    by column attname (e.g. ``queue_id=…, day=…``), creating it on first use, and return the new
    value: one UPDATE … RETURNING, so the row stays locked until the caller's transaction ends
    and no value is handed out twice."""
    fields = [cast(models.Field, model._meta.get_field(name)) for name in key]
    columns = " AND ".join(f"{field.column} = %s" for field in fields)
    sql = f"UPDATE {model._meta.db_table} SET last = last + 1 WHERE {columns} RETURNING last"
    with connection.cursor() as cur:
        cur.execute(sql, list(key.values()))
        row = cur.fetchone()
        if row is None:
            model._default_manager.bulk_create([model(**key, last=0)], ignore_conflicts=True)
            cur.execute(sql, list(key.values()))
            row = cur.fetchone()
    assert row is not None  # the row exists now (created, or by a concurrent caller)
    return int(row[0])


def constraint_name(exc: BaseException) -> str:
    """The violated constraint's name of a PostgreSQL IntegrityError ('' when unknown)."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None) or ""


#: The largest value a BigAutoField primary key can hold (both databases).
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """An id from a query string or form as an int, or None when it is not one (``abc``,
    ``1e20``, ``-1``, 20 digits, non-ASCII digits): validate before any query, never a 5xx."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


#: model -> (attname, name, max_length) of its concrete fields that have a max_length
_LIMITED_FIELDS: dict[type[models.Model], tuple[tuple[str, str, int], ...]] = {}


def _limited_fields(model: type[models.Model]) -> tuple[tuple[str, str, int], ...]:
    """Work out and keep ``model``'s entry of ``_LIMITED_FIELDS`` (its readers look there first)."""
    fields = _LIMITED_FIELDS[model] = tuple(
        (field.attname, field.name, limit)
        for field in model._meta.concrete_fields
        if (limit := getattr(field, "max_length", None)) and not field.primary_key
    )
    return fields


def over_long_fields(instance: models.Model) -> dict[str, int]:
    """``{field name: max_length}`` for every text value of ``instance`` longer than its model
    field allows. PostgreSQL refuses such a value with a 500 (``value too long``) and SQLite
    stores it whole; ``onetrip.web`` checks it before every save (lengths from the model; the
    list of fields with one is kept per model, since this runs on every insert of the hot
    paths)."""
    found = {}
    fields = _LIMITED_FIELDS.get(type(instance))
    if fields is None:
        fields = _limited_fields(type(instance))
    for attname, name, limit in fields:
        value = getattr(instance, attname, None)
        if isinstance(value, str) and len(value) > limit:
            found[name] = limit
    return found
