from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.errors import ValidationFailed
from onetrip.people.services import api_token_create
from onetrip.sharing.models import SharedDocument, ShareReadLog
from onetrip.sharing.selectors import shared_document_find, shared_documents_for_holder
from onetrip.sharing.services import (
    shared_document_issue,
    shared_document_read_log,
    shared_document_revoke,
)
from onetrip.sharing.sources import (
    HttpSource,
    LocalTableSource,
    SharedRecord,
    holder_kind_of,
    register_source,
    unregister_source,
)

pytestmark = pytest.mark.django_db


def test_issue_checks_holder_number_and_audits(shared):
    before = SharedDocument.objects.count()
    with pytest.raises(ValidationFailed) as err:
        shared_document_issue(
            kind="resident_id",
            holder_number="330102195001010000",
            title="居民身份证",
            number="X1",
            source_department=shared.gaj,
            issued_on=dt.date(2015, 1, 1),
        )
    assert err.value.code == "invalid_id_number"
    assert "holder_number" in err.value.fields
    with pytest.raises(ValidationFailed):
        shared_document_issue(
            kind="business_licence",
            holder_number=shared.person,  # a person's number for a company document
            title="营业执照",
            number="X2",
            source_department=shared.world.dept,
            issued_on=dt.date(2015, 1, 1),
        )
    assert SharedDocument.objects.count() == before
    assert AuditEvent.objects.filter(
        subject_type="shared_document", subject_id=str(shared.licence.pk), action="issue"
    ).exists()


def test_find_respects_validity_revocation_and_district(shared):
    district = shared.world.district
    found = shared_document_find(
        holder_number=shared.company, kind="business_licence", district=district
    )
    assert found == shared.licence
    assert found.source_department == shared.world.dept
    assert found.valid_until is None
    # Expired and not-yet-issued records are not valid.
    expiring = shared_document_issue(
        kind="senior_card",
        holder_number=shared.person,
        title="老年人优待证",
        number="YD-1",
        source_department=shared.world.civil,
        issued_on=dt.date(2020, 1, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    assert (
        shared_document_find(
            holder_number=shared.person, kind="senior_card", on=dt.date(2024, 6, 1)
        )
        == expiring
    )
    assert (
        shared_document_find(
            holder_number=shared.person, kind="senior_card", on=dt.date(2025, 1, 1)
        )
        is None
    )
    assert (
        shared_document_find(
            holder_number=shared.person, kind="senior_card", on=dt.date(2019, 12, 31)
        )
        is None
    )
    # Revoked records disappear; revocation is audited once and needs a reason.
    with pytest.raises(ValidationFailed):
        shared_document_revoke(document=shared.hukou, reason=" ")
    shared_document_revoke(document=shared.hukou, reason="迁出")
    shared_document_revoke(document=shared.hukou, reason="迁出")
    assert shared_document_find(holder_number=shared.person, kind="household_register") is None
    assert AuditEvent.objects.filter(subject_type="shared_document", action="revoke").count() == 1
    # District scope: the other district's marriage record is invisible from the first.
    assert (
        shared_document_find(
            holder_number=shared.person, kind="marriage_certificate", district=district
        )
        is None
    )
    assert (
        shared_document_find(
            holder_number=shared.person,
            kind="marriage_certificate",
            district=shared.world.other_district,
        )
        == shared.other_hukou
    )
    kinds = {
        d.kind for d in shared_documents_for_holder(holder_number=shared.person, district=district)
    }
    assert kinds == set()  # hukou revoked, marriage belongs to the other district


def test_holder_kind_detection(shared):
    assert holder_kind_of(shared.person) == "person"
    assert holder_kind_of(shared.company) == "company"
    assert holder_kind_of("123") is None


def test_read_log_requires_purpose(shared):
    with pytest.raises(ValidationFailed) as err:
        shared_document_read_log(document=shared.licence, reader=shared.guide, purpose="  ")
    assert err.value.code == "purpose_required"
    assert ShareReadLog.objects.count() == 0
    entry = shared_document_read_log(
        document=shared.licence, reader=shared.guide, purpose="核验", case_ref="SC-1"
    )
    assert entry.reader == shared.guide and entry.document == shared.licence
    assert entry.holder_number_masked != shared.company
    assert entry.holder_number_masked.endswith(shared.company[-4:])


def _get(client, path, **headers):
    return client.get(path, **headers)


def test_api_lists_and_logs_every_read(client, shared):
    client.force_login(shared.guide)
    resp = client.get(f"/api/v1/shared/{shared.person}", {"purpose": "窗口核验户籍"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1
    doc = body["documents"][0]
    assert doc["kind"] == "household_register"
    assert doc["source_department"] == "上城公安分局"
    assert doc["number"] == "HK-0001"
    assert doc["valid_until"] is None
    logs = list(ShareReadLog.objects.all())
    assert len(logs) == 1
    assert logs[0].reader == shared.guide
    assert logs[0].purpose == "窗口核验户籍"
    assert logs[0].document == shared.hukou
    # Each read is logged again.
    client.get(f"/api/v1/shared/{shared.person}", {"purpose": "再次核验", "case": "SC-2"})
    assert ShareReadLog.objects.count() == 2
    assert ShareReadLog.objects.filter(case_ref="SC-2", purpose="再次核验").count() == 1


def test_api_with_token_and_kind_filter(client, shared):
    _token, key = api_token_create(user=shared.guide, name="kiosk")
    resp = client.get(
        f"/api/v1/shared/{shared.company}",
        {"purpose": "核验营业执照", "kind": "business_licence"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert resp.status_code == 200
    assert [d["kind"] for d in resp.json()["documents"]] == ["business_licence"]
    assert ShareReadLog.objects.get().reader == shared.guide


def test_api_errors_and_nothing_logged(client, shared):
    path = f"/api/v1/shared/{shared.person}"
    resp = client.get(path, {"purpose": "x"})
    assert resp.status_code == 401 and resp.json()["code"] == "not_authenticated"
    client.force_login(shared.applicant_user)
    resp = client.get(path, {"purpose": "x"})
    assert resp.status_code == 403 and resp.json()["code"] == "wrong_role"
    client.force_login(shared.guide)
    resp = client.get(path)
    assert resp.status_code == 422 and resp.json()["code"] == "validation_failed"
    # a blank purpose: the document's pattern says so, the schema refuses it (issue 15)
    resp = client.get(path, {"purpose": "   "})
    assert resp.status_code == 422 and resp.json()["code"] == "validation_failed"
    assert "purpose" in resp.json()["fields"]
    assert ShareReadLog.objects.count() == 0


def test_api_district_scoping(client, shared):
    client.force_login(shared.other_guide)
    resp = client.get(f"/api/v1/shared/{shared.person}", {"purpose": "核验"})
    assert resp.status_code == 200
    assert [d["number"] for d in resp.json()["documents"]] == ["JH-XH-9"]
    resp = client.get(f"/api/v1/shared/{shared.company}", {"purpose": "核验"})
    assert resp.json()["count"] == 0


def test_case_resolver_marks_material_and_logs(shared):
    from onetrip.catalogue.resolvers import MATERIAL_RESOLVERS, ResolvedMaterial, resolve_material
    from onetrip.sharing.resolvers import shared_material_resolver

    assert MATERIAL_RESOLVERS.ids()[0] == "sharing"
    assert MATERIAL_RESOLVERS.get("sharing").resolve is shared_material_resolver
    case = SimpleNamespace(
        holder_number=shared.company, district=shared.world.district, number="SC-20260302-00001"
    )
    material = SimpleNamespace(shared_kind="business_licence", government_held=True)
    resolved = resolve_material(case, material)
    assert isinstance(resolved, ResolvedMaterial)
    assert resolved.number == shared.company
    assert "市场监督管理局" in resolved.source and "营业执照" in resolved.source
    log = ShareReadLog.objects.get()
    assert log.case_ref == "SC-20260302-00001" and log.document == shared.licence
    # No record: the resolver gives way (the material stays for the applicant to bring).
    other = SimpleNamespace(shared_kind="senior_card", government_held=False)
    assert shared_material_resolver(case, other) is None
    assert ShareReadLog.objects.count() == 1


class _StubDepartment(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_GET(self):  # noqa: N802
        query = parse_qs(urlparse(self.path).query)
        _StubDepartment.requests.append(
            {
                "path": urlparse(self.path).path,
                "query": query,
                "auth": self.headers.get("Authorization"),
            }
        )
        holder = query["holder_number"][0]
        body = {
            "documents": [
                {
                    "kind": "marriage_certificate",
                    "number": "JH-HTTP-1",
                    "title": "结婚证",
                    "holder_number": holder,
                    "source_department": {"code": "mz", "name": "民政局"},
                    "issued_on": "2001-05-01",
                    "valid_until": None,
                },
                {  # expired: must be dropped by the adapter
                    "kind": "marriage_certificate",
                    "number": "JH-OLD",
                    "holder_number": holder,
                    "issued_on": "1990-01-01",
                    "valid_until": "1999-01-01",
                },
                {"kind": "marriage_certificate"},  # malformed: skipped
            ]
        }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    server = HTTPServer(("127.0.0.1", 0), _StubDepartment)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _StubDepartment.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/share/v1"
    server.shutdown()
    server.server_close()


def test_http_source_contract_against_stub(shared, stub_server):
    source = HttpSource(
        name="mz-http",
        base_url=stub_server,
        kinds=["marriage_certificate"],
        identities=["person"],
        department="mz",
        token="secret-token",
    )
    register_source(source)
    try:
        found = shared_document_find(
            holder_number=shared.person, kind="marriage_certificate", district=shared.world.district
        )
        assert isinstance(found, SharedRecord)
        assert found.number == "JH-HTTP-1" and found.source == "mz-http"
        assert found.source_department == shared.world.civil  # matched by code in the district
        request = _StubDepartment.requests[0]
        assert request["path"] == "/share/v1/documents"
        assert request["query"]["kind"] == ["marriage_certificate"]
        assert request["auth"] == "Bearer secret-token"
        # Companies are not asked of a person-only source.
        assert (
            shared_document_find(holder_number=shared.company, kind="marriage_certificate") is None
        )
        assert len(_StubDepartment.requests) == 1
        entry = shared_document_read_log(document=found, reader=shared.guide, purpose="核验婚姻")
        assert entry.document is None and entry.source == "mz-http" and entry.number == "JH-HTTP-1"
    finally:
        unregister_source("mz-http")


def test_unavailable_http_source_is_skipped(shared):
    register_source(
        HttpSource(
            name="down",
            base_url="http://127.0.0.1:9/nothing",
            kinds=["household_register"],
            identities=["person"],
            timeout=0.5,
        )
    )
    try:
        # The local record is still found; the dead source is skipped.
        found = shared_document_find(holder_number=shared.person, kind="household_register")
        assert found == shared.hukou
    finally:
        unregister_source("down")


def test_local_source_declares_kinds_and_identities():
    source = LocalTableSource()
    assert "business_licence" in source.kinds
    assert source.identities == {"person", "company"}


def test_demo_extension_is_idempotent(world):
    from onetrip.catalogue.models import Department
    from onetrip.demo.registry import DEMO_EXTENSIONS
    from onetrip.demo.shared import load_shared_documents
    from onetrip.people.services import applicant_register, company_register
    from tests.factories import ric_number, uscc_number

    assert "sharing" in {e.name for e in DEMO_EXTENSIONS}
    Department.objects.create(district=world.district, code="gaj", name="公安分局")
    applicant_register(name="王老伯", id_number=ric_number(region="110101", birth="19520304"))
    applicant_register(name="李青年", id_number=ric_number(birth="19900304"))
    company_register(name="示范公司", credit_code=uscc_number())
    first = load_shared_documents(district=world.district)
    assert first["shared_documents"] == 1 + 2 + 2 + 1  # licence, id×2, hukou×2, senior card×1
    assert load_shared_documents(district=world.district)["shared_documents"] == 0
    assert SharedDocument.objects.filter(kind="senior_card").count() == 1


def test_real_case_marks_shared_material_satisfied(shared):
    """A company that holds a business licence in the registry opens a case at the window:
    the licence material is satisfied from shared data, with the source for the reviewer."""
    from onetrip.cases.models import MaterialStatus
    from onetrip.cases.services import case_create
    from onetrip.catalogue.models import Material
    from onetrip.people.services import company_register

    world = shared.world
    licence = Material.objects.create(
        matter=world.matter,
        position=3,
        name="营业执照",
        government_held=True,
        issuing_department=world.dept,
        shared_kind="business_licence",
    )
    company = company_register(name="湖滨示范公司", credit_code=shared.company)
    case = case_create(
        matter=world.matter,
        actor=world.clerk,
        channel="window",
        company=company,
        materials={
            m.pk: {"status": "received"} for m in world.matter.materials.exclude(pk=licence.pk)
        },
    )
    row = case.materials.get(material=licence)
    assert row.status == MaterialStatus.GOVERNMENT_HELD
    assert "市场监督管理局" in row.source and shared.company in row.source
    log = ShareReadLog.objects.get()
    assert log.case_ref == case.number and log.document == shared.licence
