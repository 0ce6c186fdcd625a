"""Structured logs: one JSON object a line, each with the request id of the request that wrote
it (``ONETRIP_LOG_FORMAT=json``, the default in production; ``plain`` for a terminal).

The id comes from the proxy's ``X-Request-ID`` when it is well formed (HAProxy sets one, so a
proxy log line and the application's lines share it), or is made here; the response sends it
back in ``X-Request-ID``."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# Attributes every LogRecord has: anything else was passed in ``extra`` and goes into the JSON.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "taskName"}
)


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is well formed (no spaces, quotes or control characters that
    could forge a log line), otherwise a new one."""
    if header and _ACCEPTED_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, the
    ``extra`` fields and, for an exception, its traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
