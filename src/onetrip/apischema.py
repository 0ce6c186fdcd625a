"""Types the API's request bodies share, so the OpenAPI document says what the server accepts
(issue 15, schemathesis: a request the document calls valid is accepted, one it calls invalid
is refused):

- ``InSchema``: a request body refuses fields it does not declare (``additionalProperties:
  false``), instead of ignoring them;
- ``Int``, ``Id``, ``Bool``: JSON's types (pydantic's lax mode read ``"7"`` as 7 and ``1`` as
  true, which the document calls the wrong type; ``7.0`` is an integer in JSON Schema too);
- ``Day``, ``Moment``: a date / date-time only as an ISO 8601 string (lax mode read ``0`` or
  ``"0"`` as 1970-01-01);
- ``Text``: a string of at most ``MAX_INPUT_CHARS``; ``words(n, m)``: one that must have ``n``
  characters other than white space (the services strip white space before counting);
- ``FreeData``: the free-form ``data`` objects (form answers, action details), two levels deep;
- ``ClockTime``: a local time of day, sent as ``HH:MM:SS`` (the document says so, rather than
  ``format: time``, which requires an offset).

The platform-wide limits enforced before any view (``onetrip.web.middleware``: numbers within
±``MAX_ID``, text up to ``MAX_INPUT_CHARS``, no NUL) are written into every operation's schema
by ``onetrip.api`` (``document_input_limits``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from onetrip.db import MAX_ID

#: The longest text value any field may carry (also ``onetrip.web.middleware``).
MAX_INPUT_CHARS = 20_000


class InSchema(Schema):
    """A request body: fields it does not declare are refused (422), not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: a number without a fraction (``7`` or ``7.0``), never a string
    or a boolean (which pydantic's lax mode would read as one)."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("an integer (a JSON number) expected")
    return value


#: For ``Annotated[int, Field(ge=…, le=…), JSON_INTEGER]`` (the bounds first: pydantic then
#: writes them as minimum/maximum; a ``Field`` on ``Int | None`` would not reach the number).
JSON_INTEGER = BeforeValidator(_json_integer)
Int = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID), BeforeValidator(_json_integer)]
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]


Bool = StrictBool
Text = Annotated[str, Field(max_length=MAX_INPUT_CHARS)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso(pattern: re.Pattern[str], kind: type, what: str):
    def check(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"{what} in ISO 8601 form expected")
        return value

    return check


Day = Annotated[dt.date, BeforeValidator(_iso(_ISO_DATE, dt.date, "a date (YYYY-MM-DD)"))]
Moment = Annotated[
    dt.datetime, BeforeValidator(_iso(_ISO_MOMENT, dt.datetime, "a date-time (RFC 3339)"))
]


#: White space as ``str.strip`` sees it (``\s`` in Python; Rust's ``\s``, which pydantic uses,
#: leaves out the four separators U+001C..U+001F).
_WS = r"[\s\x1c-\x1f]"
_NOT_WS = r"[^\s\x1c-\x1f]"


def words(min_chars: int, max_chars: int) -> StringConstraints:
    """For ``Annotated[str, words(…)]``: a text with at least ``min_chars`` characters between its first and last non-blank one
    (the services strip white space before counting): the pattern says so in the document."""
    if min_chars <= 0:
        return StringConstraints(max_length=max_chars)
    if min_chars == 1:
        pattern = rf"{_NOT_WS}"  # somewhere
    else:
        middle = rf"[\s\S]{{{min_chars - 2},{max_chars - 2}}}"
        pattern = rf"^{_WS}*{_NOT_WS}{middle}{_NOT_WS}{_WS}*$"
    return StringConstraints(min_length=min_chars, max_length=max_chars, pattern=pattern)


_Scalar = (
    Annotated[str, Field(max_length=MAX_INPUT_CHARS)]
    | StrictBool
    | Annotated[StrictInt, Field(ge=-MAX_ID, le=MAX_ID)]
    | Annotated[StrictFloat, Field(ge=-1e15, le=1e15)]
    | None
)
_Key = Annotated[str, Field(max_length=200)]
_Record = Annotated[dict[_Key, _Scalar], Field(max_length=200)]
#: Two levels at most: a value, a list of values or records, or a record (e.g. the items of a
#: supplement request: ``{"items": [{"material": 3, "note": "…"}]}``).
FreeData = dict[_Key, _Scalar | Annotated[list[_Scalar | _Record], Field(max_length=200)] | _Record]

ClockTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "local time of day (Asia/Shanghai), HH:MM:SS",
        }
    ),
]


# --------------------------------------------------------------------------- the document

#: Statuses an upload (``multipart/form-data``) may also answer.
UPLOAD_ERRORS = {
    413: "File too large (refused from the request headers)",
    415: "File type not allowed (PDF, JPEG, PNG)",
}


def _walk(node: Any, seen_refs: set[str], schemas: dict[str, Any]):
    """Every schema node under ``node``, following ``$ref``s into ``schemas`` once each."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen_refs and name in schemas:
                seen_refs.add(name)
                yield from _walk(schemas[name], seen_refs, schemas)
        yield node
        for value in node.values():
            yield from _walk(value, seen_refs, schemas)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, seen_refs, schemas)


def _bound(node: dict[str, Any], *, text: bool) -> None:
    kind = node.get("type")
    if kind in ("integer", "number"):
        if "minimum" not in node and "exclusiveMinimum" not in node:
            node["minimum"] = -MAX_ID
        if "maximum" not in node and "exclusiveMaximum" not in node:
            node["maximum"] = MAX_ID
    elif text and kind == "string" and "maxLength" not in node and "enum" not in node:
        if node.get("format") not in ("date", "date-time", "binary"):
            node["maxLength"] = MAX_INPUT_CHARS


def document_input_limits(document: dict[str, Any]) -> None:
    """Write the limits every request meets before any view into the operations' inputs:
    numbers within ±MAX_ID, text up to MAX_INPUT_CHARS (``onetrip.web.middleware``). Only the
    schemas requests use are touched: responses may carry longer text. Path and query values
    get no text limit: the request line's own (the HTTP server's, a few KB) comes first and
    answers 414, which a maxLength of 20,000 would contradict."""
    schemas = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            params = [p.get("schema") for p in operation.get("parameters", [])]
            for node in _walk(params, set(), schemas):
                _bound(node, text=False)
            for node in _walk(operation.get("requestBody"), seen, schemas):
                _bound(node, text=True)
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                responses = operation.setdefault("responses", {})
                body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
                for status, text in UPLOAD_ERRORS.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": text, "content": body}


def document_optional_auth(document: dict[str, Any], *, marker: str, scheme: str) -> None:
    """Operations open to anonymous callers that still recognise a token (``marker``, the
    optional auth's scheme name) say so: no credentials, or the ``scheme`` token."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security")
            if security and any(marker in s for s in security):
                operation["security"] = [{}, {scheme: []}]
    document.get("components", {}).get("securitySchemes", {}).pop(marker, None)


def one_of_required(*groups: list[str], exclusive: bool = True) -> ConfigDict:
    """A request body's config (fields it does not declare refused) that also tells the
    document which fields must come together: one of ``groups`` (``exclusive``: exactly one,
    JSON Schema ``oneOf``; else at least one, ``anyOf``). The view checks it the same way."""
    key = "oneOf" if exclusive else "anyOf"
    return ConfigDict(
        extra="forbid", json_schema_extra={key: [{"required": list(g)} for g in groups]}
    )
