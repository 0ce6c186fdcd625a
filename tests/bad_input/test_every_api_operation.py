"""Issue 15, Must show 1 (API): every operation of the OpenAPI document gets NUL bytes,
100,000-character strings, wrong JSON types, huge and non-numeric ids and non-ASCII tokens, in
its path, its query string and each field of its body (one field at a time, the others kept
plausible so the bad one reaches the code behind the schema), anonymously and with a staff
token: no response is a 5xx, every error is ``{"code", "message"}`` with a status the document
lists for the operation, and nothing is written: every table's row count (all models) is taken
after every request, and a request refused (4xx) or carrying a value no input may carry (NUL,
over-long text, numbers out of range) must have changed none."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from django.core.signals import got_request_exception
from django.test import Client

from tests.bad_input import world as bw

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PATH_BAD = ["99999999999999999999", "1e20", "-1", "é漢字", "x" * 10_000, "a%00b"]
#: One-field mutations of a JSON body.
FIELD_BAD = {
    k: bw.BAD_JSON[k]
    for k in (
        "nul",
        "long",
        "non_ascii",
        "huge_id",
        "int_huge",
        "float_huge",
        "int_negative",
        "list",
        "object",
        "null",
    )
}
#: Mutations after which nothing may have been written.
WRITES_NOTHING = ("nul", "long", "int_huge", "float_huge")
WHOLE_BODY_BAD = ["[]", '"x"', "1", "null", "{", "\x00", json.dumps({"x": "a\x00b"})]


def _plausible(w) -> dict[str, object]:
    """Values by field name that make a body plausible (a real matter, applicant, queue)."""
    return {
        "matter": w.senior_card.code,
        "matter_code": w.senior_card.code,
        "number": w.person.id_number,
        "kind": "person",
        "name": "张三",
        "phone": "13800000001",
        "point": w.district.code,
        "district": w.district.code,
        "queue": "A",
        "queue_id": w.hall.qa.pk,
        "ticket": w.ticket.pk,
        "ticket_id": w.ticket.pk,
        "body": "你好",
        "text": "你好",
        "title": "议题",
        "action": "accept",
        "channel": "window",
        "capacity": 2,
        "slot": w.slot.pk,
        "slot_id": w.slot.pk,
    }


def _path_values(w) -> dict[str, str]:
    return {
        "code": w.district.code,
        "matter_code": w.senior_card.code,
        "number": w.case.number,
        "ticket_id": str(w.ticket.pk),
        "window_id": str(w.hall.w1.pk),
        "token": w.case.tracking_token,
        "holder_number": w.person.id_number,
        "slot_id": str(w.slot.pk),
        "agency_id": str(w.agency.pk),
    }


class Schema:
    def __init__(self, doc):
        self.doc = doc

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            node = self.doc["components"]["schemas"][name]
        return node

    def example(self, node, name: str, plausible: dict, depth: int = 0):
        node = self.resolve(node)
        if name in plausible and depth > 0:
            return plausible[name]
        for key in ("anyOf", "oneOf", "allOf"):
            if key in node:
                options = [o for o in node[key] if self.resolve(o).get("type") != "null"]
                return self.example(options[0], name, plausible, depth) if options else None
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            return {
                k: self.example(v, k, plausible, depth + 1)
                for k, v in node.get("properties", {}).items()
            }
        if kind == "array":
            return []
        if kind == "integer":
            return 1
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return False
        if node.get("format") == "date":
            return "2026-03-02"
        if node.get("format") == "date-time":
            return "2026-03-02T10:00:00+08:00"
        return "abc"


def _leaves(body, prefix=()):
    """Paths to every field of the body (nested objects too)."""
    if isinstance(body, dict):
        for k, v in body.items():
            yield (*prefix, k)
            if isinstance(v, dict):
                yield from _leaves(v, (*prefix, k))


def _with(body, path, value):
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method.upper(), op


@pytest.fixture
def quiet_logs():
    with bw.quiet("django.request", "django.security", "ninja"):
        yield


def test_no_api_operation_answers_5xx_to_bad_input_and_nothing_is_written(settings, quiet_logs):
    from onetrip.api import api
    from onetrip.people.services import api_token_create

    # the limits have their own tests; here they would hide what is behind them
    settings.ONETRIP_THROTTLE_RATES = dict.fromkeys(settings.ONETRIP_THROTTLE_RATES, "100000/m")
    w = bw.build()
    doc = api.get_openapi_schema()
    schema = Schema(doc)
    plausible = _plausible(w)
    real_path = _path_values(w)
    _, key = api_token_create(user=w.omni, name="bad input")
    callers = {"anonymous": {}, "staff token": {"HTTP_AUTHORIZATION": f"Bearer {key}"}}
    client = Client(raise_request_exception=False)
    failures: list[str] = []
    shapes: list[str] = []
    writes: list[str] = []
    caught: list[BaseException] = []
    sent = 0

    def on_exception(sender, **kw):
        caught.append(sys.exc_info()[1])

    counts = bw.row_counts()

    def send(
        who, method, path, op, *, query=None, body=None, multipart=None, raw=None, never=False
    ):
        nonlocal sent, counts
        sent += 1
        caught.clear()
        headers = callers[who]
        if method == "GET":
            resp = client.get(path, query or {}, **headers)
        elif multipart is not None:
            resp = client.post(path, multipart, **headers)
        else:
            data = raw if raw is not None else json.dumps(body if body is not None else {})
            resp = client.generic(method, path, data, "application/json", **headers)
        status = resp.status_code
        where = f"{method} {path[:100]} as {who} query={str(query)[:80]} body={str(body)[:120]}"
        after = bw.row_counts()
        diff = bw.changed(counts, after)
        counts = after
        if diff and (status >= 400 or never):
            writes.append(f"{status} {where}: {diff}")
        if status >= 500:
            exc = repr(caught[-1])[:200] if caught else ""
            failures.append(f"{status} {method} {path[:100]} as {who}: {exc}")
        elif status >= 400:
            try:
                payload = resp.json()
            except ValueError:
                payload = None
            if not (isinstance(payload, dict) and {"code", "message"} <= payload.keys()):
                shapes.append(f"{status} {where}: not {{code, message}}: {resp.content[:80]!r}")
            elif status not in op["responses"] and str(status) not in op["responses"]:
                shapes.append(f"{status} {where}: status not documented ({payload['code']})")
        return status

    got_request_exception.connect(on_exception)
    operations = list(_operations(doc))
    assert len(operations) > 60  # the OpenAPI document, not a hand list
    try:
        for path, method, op in operations:
            params = op.get("parameters", [])
            real = path
            for p in params:
                if p["in"] == "path":
                    real = real.replace("{" + p["name"] + "}", real_path.get(p["name"], "1"))
            content = op.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            form_schema = content.get("multipart/form-data", {}).get("schema")
            base = schema.example(body_schema, "", plausible) if body_schema else None
            for who in callers:
                for p in params:  # bad path values
                    if p["in"] != "path":
                        continue
                    for value in PATH_BAD:
                        bad = path
                        for q in params:
                            if q["in"] == "path":
                                v = value if q is p else real_path.get(q["name"], "1")
                                bad = bad.replace("{" + q["name"] + "}", v)
                        send(who, method, bad, op, body=base)
                query_names = [p["name"] for p in params if p["in"] == "query"]
                for name in ("nul", "long"):
                    if query_names:
                        send(
                            who,
                            method,
                            real,
                            op,
                            query=dict.fromkeys(query_names, bw.BAD_TEXT[name]),
                            body=base,
                            never=True,
                        )
                if base is not None:
                    for leaf in _leaves(base):
                        for name in WRITES_NOTHING:
                            bad_body = _with(base, leaf, FIELD_BAD[name])
                            send(who, method, real, op, body=bad_body, never=True)
                    for raw in WHOLE_BODY_BAD:
                        send(who, method, real, op, raw=raw, never=True)
                if form_schema is not None:
                    fields = schema.resolve(form_schema).get("properties", {})
                    for name in ("nul", "long"):
                        form = {k: bw.BAD_TEXT[name] for k in fields}
                        send(who, method, real, op, multipart=form, never=True)
                # the rest: wrong types and odd but harmless text (accepted, they may write)
                for value in bw.BAD_TEXT.values():
                    if query_names:
                        send(
                            who,
                            method,
                            real,
                            op,
                            query=dict.fromkeys(query_names, value),
                            body=base,
                        )
                if base is not None:
                    for leaf in _leaves(base):
                        for name, value in FIELD_BAD.items():
                            if name not in WRITES_NOTHING:
                                send(who, method, real, op, body=_with(base, leaf, value))
    finally:
        got_request_exception.disconnect(on_exception)
    print(f"{sent} requests to {len(operations)} operations")
    assert not failures, f"{len(failures)} responses >= 500:\n" + "\n".join(sorted(set(failures)))
    assert not writes, "written by bad input:\n" + "\n".join(writes)
    assert not shapes, f"{len(shapes)} errors off the contract:\n" + "\n".join(shapes[:80])
