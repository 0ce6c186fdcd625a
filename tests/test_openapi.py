"""Issue 15 item 11: the OpenAPI document is valid and says what the API does: one schema per
name (MaterialOut and EventOut were defined in two modules and one silently replaced the
other), enums for kinds and actions, every error status documented with ``{code, message}``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from ninja import Schema

import onetrip


def _api_schemas() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(onetrip.__path__, "onetrip."):
        if not info.name.endswith(".api"):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == info.name:
                seen.setdefault(obj.__name__, []).append(info.name)
    return seen


def test_no_two_api_schemas_share_a_name():
    seen = _api_schemas()
    assert len(seen) > 50
    assert {n: m for n, m in seen.items() if len(m) > 1} == {}


@pytest.fixture(scope="module")
def document():
    from onetrip.api import api

    return api.get_openapi_schema()


def test_every_operation_documents_its_errors(document):
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            statuses = {int(s) for s in op["responses"]}
            assert {400, 401, 403, 404, 422, 429} <= statuses, (method, path)
            error = op["responses"][404]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}


def test_kinds_and_actions_are_enums(document):
    schemas = document["components"]["schemas"]
    assert "person" in schemas["CaseApplicantIn"]["properties"]["kind"]["enum"]
    assert "company" in schemas["PreCheckApplicantIn"]["properties"]["kind"]["enum"]
    assert "approve" in schemas["TransitionIn"]["properties"]["action"]["enum"]
    assert "received" in schemas["MaterialIn"]["properties"]["status"]["enum"]
    assert schemas["IncidentActionIn"]["properties"]["action"]["enum"]
    # the three materials and two events are told apart
    assert {"CaseMaterialOut", "TrackMaterialOut", "CatalogueMaterialOut"} <= schemas.keys()
    assert {"CaseEventOut", "TrackEventOut"} <= schemas.keys()
