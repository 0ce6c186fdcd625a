"""What each ticket action writes and the order tickets are called in, declared once and
rendered both for the ORM path and for the PostgreSQL one-statement path.

``WRITES[action]`` lists the columns an action sets beside ``status`` (whose target comes from
``transitions.TRANSITIONS``), each with the kind of value it takes:

``now``        the action's time                   ``user``    the clerk acting
``window``     the acting window                   ``null``    NULL
``increment``  the column plus one                 ``first``   the column if set, else now

``orm_updates`` turns a declaration into the ``update()``/``setattr`` values of the ORM path,
``sql_sets`` into the ``SET`` list of an UPDATE on alias ``x`` with its parameters. A new column
an action writes is added here, once; ``tests/queueing/test_one_statement.py`` checks both paths
write the same rows.

``CALL_ORDER`` is the order a window calls waiting tickets in. The SQL path renders it into its
``ORDER BY``; the ORM path probes the same keys in the same order (``services.window``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db.models import DateTimeField, F, Field, Value
from django.db.models.functions import Coalesce

from onetrip.queueing.models import Ticket, Window

if TYPE_CHECKING:
    from onetrip.people.models import User

WRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "call": (
        ("window", "window"),
        ("called_at", "now"),
        ("served_by", "user"),
        ("first_called_at", "first"),
        ("call_count", "increment"),
    ),
    "recall": (("called_at", "now"), ("call_count", "increment")),
    "start": (("started_at", "now"), ("served_by", "user")),
    "finish": (("finished_at", "now"),),
    "no_show": (("no_show_at", "now"),),
    "return": (("window", "null"),),
    "park": (("window", "window"),),
    "resume": (("window", "null"),),
}

#: Window actions on the current ticket that one statement can do (``park`` and ``resume`` name
#: a ticket, so they take the ORM path).
ONE_STATEMENT_ACTIONS = frozenset({"start", "finish", "no_show", "return", "recall"})

#: Green channel first, then checked-in appointments whose slot has begun, then the window's
#: queues in their order, oldest first (``(key, descending)``).
CALL_ORDER: tuple[tuple[str, bool], ...] = (
    ("priority", True),
    ("booked", True),
    ("position", False),
    ("sort_at", False),
    ("id", False),
)


def call_order_sql() -> str:
    return ", ".join(f"{key} DESC" if desc else key for key, desc in CALL_ORDER)


def _value(kind: str, *, now: dt.datetime, user: User, window: Window) -> Any:
    return {"now": now, "user": user, "window": window, "null": None}[kind]


def orm_updates(action: str, *, now: dt.datetime, user: User, window: Window) -> dict[str, Any]:
    """The field values (expressions for ``increment``/``first``) the ORM path writes."""
    out: dict[str, Any] = {}
    for field, kind in WRITES[action]:
        if kind == "increment":
            out[field] = F(field) + 1
        elif kind == "first":
            out[field] = Coalesce(F(field), Value(now, output_field=DateTimeField()))
        else:
            out[field] = _value(kind, now=now, user=user, window=window)
    return out


def sql_sets(action: str, *, now: dt.datetime, user: User, window: Window) -> tuple[str, list[Any]]:
    """``col = …`` assignments for ``UPDATE <ticket table> x SET status = …, <these>`` and
    their parameters, in order."""
    parts: list[str] = []
    params: list[Any] = []
    for field, kind in WRITES[action]:
        column = cast(Field, Ticket._meta.get_field(field)).column
        if kind == "increment":
            parts.append(f"{column} = x.{column} + 1")
        elif kind == "null":
            parts.append(f"{column} = NULL")
        elif kind == "first":
            parts.append(f"{column} = COALESCE(x.{column}, %s)")
            params.append(now)
        else:
            value = _value(kind, now=now, user=user, window=window)
            parts.append(f"{column} = %s")
            params.append(getattr(value, "pk", value))
    return ", ".join(parts), params
