"""Building blocks for the few hot write paths that go to PostgreSQL in one statement.

The ORM spends over a millisecond of Python per INSERT on this machine's CPU, and every statement
is a round trip. The hot paths (a kiosk issuing a ticket, a window calling the next one) instead
chain their inserts in one data-modifying ``WITH`` statement: one round trip, one commit, atomic
by itself. The column values still come from the models' own fields (defaults, ``pre_save`` and
``get_db_prep_save``), so a new field with a default needs no change here.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models


class InsertParts:
    """``INSERT INTO table (columns) SELECT values`` pieces for one unsaved model instance.

    ``exprs`` replaces a field's value by an SQL expression (with its own parameters), e.g. a
    column of an earlier CTE: ``{"ticket_id": ("t.id", [])}``.
    """

    def __init__(self, obj: models.Model, *, exprs: dict[str, tuple[str, list[Any]]] | None = None):
        exprs = exprs or {}
        meta = obj._meta
        self.table = connection.ops.quote_name(meta.db_table)
        columns, values, params = [], [], []
        for field in meta.concrete_fields:
            if isinstance(field, models.AutoField | models.BigAutoField) or field.primary_key:
                continue
            columns.append(connection.ops.quote_name(field.column))
            if field.attname in exprs:
                sql, extra = exprs[field.attname]
                values.append(sql)
                params.extend(extra)
            else:
                value = field.get_db_prep_save(field.pre_save(obj, add=True), connection)
                values.append("%s")
                params.append(value)
        self.columns = ", ".join(columns)
        self.values = ", ".join(values)
        self.params = params

    def insert_select(self, source: str, returning: str = "") -> str:
        """``INSERT … SELECT <values> FROM <source> [RETURNING …]`` (params: ``self.params``)."""
        sql = f"INSERT INTO {self.table} ({self.columns}) SELECT {self.values} FROM {source}"
        return f"{sql} RETURNING {returning}" if returning else sql


def constraint_name(exc: BaseException) -> str:
    """The violated constraint's name of a PostgreSQL IntegrityError ('' when unknown)."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None) or ""
