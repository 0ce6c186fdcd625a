"""API and pages: an agent never sees another agency's companies, batches or cases; bad input
answers 4xx with nothing written; quality figures per agency."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from onetrip.agencies.models import Batch, BatchCase
from onetrip.agencies.services import BatchRow, agency_status_set, batch_submit
from onetrip.agencies.spreadsheet import HEADER
from onetrip.cases.models import Case
from onetrip.cases.services import case_transition
from onetrip.errors import Forbidden


def _counts():
    return (Batch.objects.count(), BatchCase.objects.count(), Case.objects.count())


def _login(client, user):
    client.force_login(user)
    return client


def _xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_api_create_list_get_and_other_agency_never_sees_it(client, ag):
    a = ag
    c = _login(client, a.agent)
    resp = c.post(
        "/api/v1/batches",
        {"rows": [{"credit_code": a.c1.credit_code, "matter": "sc-001"},
                  {"credit_code": a.c2.credit_code, "matter": "sc-003"}]},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["cases"] == 2 and body["state"] == "held"
    assert [i["company"] for i in body["items"]] == ["一号公司", "二号公司"]
    batch_id = body["id"]
    assert [b["id"] for b in c.get("/api/v1/batches").json()] == [batch_id]
    assert c.get(f"/api/v1/batches/{batch_id}").status_code == 200

    other = _login(client, a.other_agent)
    assert other.get("/api/v1/batches").json() == []
    resp = other.get(f"/api/v1/batches/{batch_id}")
    assert resp.status_code == 404 and resp.json()["code"] == "batch_not_found"
    # ... nor its pages, nor its cases, nor its agency.
    assert other.get(f"/agency/batches/{batch_id}/").status_code == 404
    number = Case.objects.filter(agency=a.agency).first().number
    assert other.get(f"/api/v1/cases/{number}").status_code == 404
    assert other.get(f"/api/v1/agencies/{a.agency.pk}/quality").status_code == 404
    page = other.get("/agency/").content.decode()
    assert "一号公司" not in page and "乙的客户" in page
    mine = _login(client, a.agent).get("/agency/").content.decode()
    assert "一号公司" in mine and "乙的客户" not in mine


def test_api_bad_rows_rejected_whole_with_per_row_errors(client, ag):
    a = ag
    c = _login(client, a.agent)
    before = _counts()
    resp = c.post(
        "/api/v1/batches",
        {"rows": [{"credit_code": a.c1.credit_code, "matter": "sc-001"},
                  {"credit_code": "12345", "matter": "sc-001"},
                  {"credit_code": a.expired.credit_code, "matter": "sc-001"},
                  {"credit_code": a.c3.credit_code, "matter": "sc-002"}]},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "batch_invalid"
    assert set(body["fields"]) == {"row_2", "row_3", "row_4"}
    assert _counts() == before
    # a citizen or an anonymous caller cannot submit at all
    client.logout()
    assert (
        client.post("/api/v1/batches", {"rows": []}, content_type="application/json").status_code
        == 401
    )


def test_suspended_agency_cannot_submit_by_api(client, ag):
    a = ag
    agency_status_set(agency=a.agency, status="suspended", reason="材料造假", actor=a.w.manager)
    before = _counts()
    resp = _login(client, a.agent).post(
        "/api/v1/batches",
        {"rows": [{"credit_code": a.c1.credit_code, "matter": "sc-001"}]},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "agency_suspended"
    assert _counts() == before
    assert "suspended" in client.get("/agency/").content.decode()


def test_status_needs_a_manager_and_a_reason_and_keeps_history(client, ag):
    a = ag
    with pytest.raises(Forbidden):
        agency_status_set(agency=a.agency, status="warned", reason="x", actor=a.agent)
    resp = _login(client, a.w.manager).post(
        f"/agencies/{a.agency.pk}/status/", {"status": "warned", "reason": ""}
    )
    a.agency.refresh_from_db()
    assert a.agency.status == "active"
    client.post(f"/agencies/{a.agency.pk}/status/", {"status": "warned", "reason": "补正率高"})
    a.agency.refresh_from_db()
    assert a.agency.status == "warned" and a.agency.status_reason == "补正率高"
    assert list(a.agency.status_history.values_list("to_status", "reason")) == [
        ("warned", "补正率高")
    ]
    assert resp.status_code == 302
    page = client.get("/agencies/").content.decode()
    assert "甲代办公司" in page and "乙代办公司" in page


def test_quality_figures(client, ag, django_capture_on_commit_callbacks):
    a = ag
    batch = batch_submit(
        actor=a.agent,
        rows=[BatchRow(credit_code=x.credit_code, matter_code="sc-001") for x in (a.c1, a.c2)],
    )
    c1, c2 = [i.case for i in batch.items.select_related("case").order_by("row")]
    for c in (c1, c2):
        case_transition(case=c, action="accept", actor=a.w.clerk)
    cm = c1.materials.order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=c1,
            action="request_supplement",
            actor=a.w.reviewer,
            items=[{"material": cm.pk, "status": "missing"}],
        )
    q = _login(client, a.agent).get(f"/api/v1/agencies/{a.agency.pk}/quality").json()
    assert q["cases"] == 2 and q["submitted"] == 2
    assert q["first_pass"] == 1 and q["first_pass_rate"] == 0.5
    assert q["supplement_rounds_per_case"] == 0.5
    assert q["batches"] == 1 and q["batch_visits"] == 0
    assert q["defects"] == [{"kind": f"{cm.name}（缺少）", "count": 1}]
    resp = client.get(f"/api/v1/agencies/{a.agency.pk}/quality", {"since": "2026-13-01"})
    assert resp.status_code == 422
    assert (
        _login(client, a.w.manager)
        .get(f"/api/v1/agencies/{a.agency.pk}/quality")
        .json()["first_pass"]
        == 1
    )


def test_spreadsheet_upload_page(client, ag):
    a = ag
    c = _login(client, a.agent)
    data = _xlsx([(a.c3.credit_code, a.c3.name, "sc-001", "")])
    resp = c.post(
        "/agency/batches/new/",
        {"company_1": a.c1.credit_code, "matter_1": "sc-001",
         "sheet": io.BytesIO(data)},
    )  # fmt: skip
    assert resp.status_code == 302, resp.content.decode()[:2000]
    batch = Batch.objects.get()
    assert batch.source == "mixed" and batch.items.count() == 2


@pytest.mark.parametrize(
    ("sheet", "code"),
    [
        ("wrong_header", "spreadsheet_header"),
        ("formula", "spreadsheet_formula"),
        ("formula_text", "spreadsheet_formula"),
        ("too_many", "spreadsheet_too_many_rows"),
        ("not_xlsx", "not_a_spreadsheet"),
        ("empty", "spreadsheet_empty"),
    ],
)
def test_bad_spreadsheets_refused_nothing_written(client, ag, sheet, code):
    from onetrip.agencies.spreadsheet import rows_from_xlsx
    from onetrip.errors import DomainError

    a = ag
    good = (a.c1.credit_code, a.c1.name, "sc-001", "")
    data = {
        "wrong_header": lambda: _xlsx([good], header=("信用代码", "名称", "事项", "材料")),
        "formula": lambda: _xlsx([good, ("=cmd|' /C calc'!A0", "x", "sc-001", "")]),
        "formula_text": lambda: _xlsx([good, (a.c2.credit_code, "@SUM(1+1)", "sc-001", "")]),
        "too_many": lambda: _xlsx([good] * 10_000),
        "not_xlsx": lambda: b"credit_code,name\n1,2\n",
        "empty": lambda: _xlsx([]),
    }[sheet]()
    with pytest.raises(DomainError) as exc:
        rows_from_xlsx(data)
    assert exc.value.code == code
    before = _counts()
    resp = _login(client, a.agent).post("/agency/batches/new/", {"sheet": io.BytesIO(data)})
    assert resp.status_code in (413, 422)
    assert 'data-testid="batch-error"' in resp.content.decode()
    assert _counts() == before


def test_admin_register_shows_history_and_keeps_status_read_only(client, ag):
    from django.contrib.auth import get_user_model

    a = ag
    agency_status_set(agency=a.agency, status="warned", reason="补正率偏高", actor=a.w.manager)
    admin_user = get_user_model().objects.create_superuser("root", "r@example.com", "pw-12345678")
    client.force_login(admin_user)
    resp = client.get(f"/admin/people/agency/{a.agency.pk}/change/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "补正率偏高" in html and 'name="status"' not in html


def test_agent_window_page_one_visit_for_the_batch(client, ag):
    a = ag
    client.force_login(a.w.clerk)
    assert client.get("/agency/window/").status_code == 200
    resp = client.post(
        "/agency/window/",
        {"agent": a.agent.pk, "company_1": a.c1.credit_code, "matter_1": "sc-001",
         "company_2": a.c2.credit_code, "matter_2": "sc-001"},
    )  # fmt: skip
    assert resp.status_code == 302, resp.content.decode()[:1500]
    batch = Batch.objects.get()
    assert batch.route == "window" and batch.visit_count == 1
    assert all(i.case.visit_count == 1 for i in batch.items.select_related("case"))
    before = _counts()
    resp = client.post("/agency/window/", {"agent": a.other_agent.pk, "company_1": a.c1.credit_code,
                                           "matter_1": "sc-001"})  # fmt: skip
    assert resp.status_code == 422 and _counts() == before  # not that agency's client
    client.force_login(a.agent)
    assert client.get("/agency/window/").status_code == 404


def test_agent_files_an_authorisation_letter(client, ag):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onetrip.agencies.models import Authorisation
    from onetrip.people.models import Company
    from tests.factories import uscc_number

    a = ag
    new = Company.objects.create(name="四号公司", credit_code=uscc_number())
    client.force_login(a.agent)
    n = Authorisation.objects.count()
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post("/agency/authorisations/new/", {"credit_code": new.credit_code,
                "valid_from": "2026-03-01", "valid_until": "2027-02-28", "letter": bad})  # fmt: skip
    assert Authorisation.objects.count() == n
    client.post("/agency/authorisations/new/", {"credit_code": new.credit_code,
                "valid_from": "2026-03-01", "valid_until": "2026-02-01"})  # fmt: skip
    assert Authorisation.objects.count() == n  # period reversed
    letter = SimpleUploadedFile("wt.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    client.post("/agency/authorisations/new/", {"credit_code": new.credit_code, "reference": "WT-9",
                "valid_from": "2026-03-01", "valid_until": "2027-02-28", "letter": letter})  # fmt: skip
    auth = Authorisation.objects.get(company=new)
    assert auth.agency == a.agency and auth.letter.name.endswith(".pdf")
    assert "四号公司" in client.get("/agency/").content.decode()
    # now the agent may file for it in a batch
    batch = batch_submit(
        actor=a.agent, rows=[BatchRow(credit_code=new.credit_code, matter_code="sc-001")]
    )
    assert batch.items.count() == 1


def test_a_broken_xlsx_is_refused_not_a_5xx(client, ag):
    import zipfile

    from onetrip.agencies.spreadsheet import rows_from_xlsx
    from onetrip.errors import DomainError

    good = _xlsx([(ag.c1.credit_code, ag.c1.name, "sc-001", "")])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # truncated sheet XML
            dst.writestr(item, data)
    with pytest.raises(DomainError) as exc:
        rows_from_xlsx(out.getvalue())
    assert exc.value.code == "not_a_spreadsheet"
    client.force_login(ag.agent)
    resp = client.post("/agency/batches/new/", {"sheet": io.BytesIO(out.getvalue())})
    assert resp.status_code == 422


@pytest.mark.parametrize(
    "content, size, code, status",
    [
        (b"MZ\x90\x00 not a pdf", None, "file_type_not_allowed", 415),
        (b"", None, "file_type_not_allowed", 415),
        (b"%PDF-1.4 letter", 5 * 1024 * 1024 + 1, "file_too_large", 413),  # declared size
        (b"%PDF-1.4" + b"0" * (5 * 1024 * 1024), 0, "file_too_large", 413),  # what is read
    ],
)
def test_a_letter_is_a_pdf_jpeg_or_png_of_at_most_5_mb(ag, content, size, code, status):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onetrip.agencies.models import Authorisation
    from onetrip.agencies.services import authorisation_create
    from onetrip.errors import ValidationFailed
    from onetrip.people.models import Company
    from tests.factories import uscc_number

    new = Company.objects.create(name="五号公司", credit_code=uscc_number())
    letter = SimpleUploadedFile("l.pdf", content, content_type="application/pdf")
    if size is not None:
        letter.size = size
    with pytest.raises(ValidationFailed) as refused:
        authorisation_create(
            agency=ag.agency, company=new, valid_from=ag.today, valid_until=ag.today,
            actor=ag.agent, letter=letter,
        )  # fmt: skip
    assert (refused.value.code, refused.value.status) == (code, status)
    assert not Authorisation.objects.filter(company=new).exists()
