"""Pages: intake, case page per role, back-office queue, notice page and PDFs."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.cases.models import Case
from onetrip.cases.services import case_transition
from tests.cases.conftest import at
from tests.cases.helpers import window_case

pytestmark = pytest.mark.usefixtures("frozen")
D = dt.date(2026, 3, 2)


def test_clerk_accepts_case_on_the_intake_page(cw, client):
    client.force_login(cw.clerk)
    r = client.get(f"/cases/new/?matter={cw.permit.pk}")
    assert r.status_code == 200 and "租赁合同" in r.content.decode()
    assert cw.other_matter.name not in r.content.decode()
    r = client.post(
        "/cases/new/",
        {
            "matter": cw.permit.pk,
            "applicant_kind": "person",
            "applicant_number": cw.person.id_number,
            f"material_{cw.form.pk}": "received",
            f"material_{cw.lease.pk}": "received",
            "do": "accept",
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert case.state == "accepted" and case.channel == "window"
    # bad number: the page shows the message, nothing created
    r = client.post(
        "/cases/new/",
        {
            "matter": cw.permit.pk,
            "applicant_kind": "person",
            "applicant_number": "123",
            "do": "accept",
        },
    )
    assert r.status_code == 200 and "公民身份号码" in r.content.decode()
    assert Case.objects.count() == 1


def test_intake_page_for_staff_only(cw, client):
    client.force_login(cw.person_user)
    assert client.get("/cases/new/").status_code == 403


def test_case_page_visibility(cw, client):
    case = window_case(cw, day=D)
    url = f"/cases/{case.number}/"
    for user, status in [
        (cw.person_user, 200),
        (cw.clerk, 200),
        (cw.civil_reviewer, 200),
        (cw.manager, 200),
        (cw.other_user, 404),
        (cw.reviewer, 404),  # another department
        (cw.street_clerk, 404),  # accepted above the street point
        (cw.other_clerk, 404),
        (cw.other_manager, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(cw.person_user)
    page = client.get(url).content.decode()
    assert cw.person.id_number not in page  # masked
    assert 'data-action="withdraw"' in page and 'data-action="approve"' not in page
    client.force_login(cw.civil_reviewer)
    page = client.get(url).content.decode()
    assert 'data-action="approve"' in page and "supplement-form" in page


def test_backoffice_queue_sorted_and_scoped(cw, client):
    later = window_case(cw, day=dt.date(2026, 3, 4))
    early = window_case(cw, day=D)
    window_case(cw, day=D, matter=cw.matter, applicant=None, company=cw.company)  # other dept
    client.force_login(cw.civil_reviewer)
    page = client.get("/backoffice/").content.decode()
    assert page.index(early.number) < page.index(later.number)
    assert "市场监督管理局" not in page
    overdue = client.get("/backoffice/?due=overdue").content.decode()
    assert early.number not in overdue
    client.force_login(cw.person_user)
    assert client.get("/backoffice/").status_code == 403


def test_notice_page_and_pdfs(cw, client):
    case = window_case(cw, day=D)
    lease = case.materials.get(name="租赁合同")
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=cw.civil_reviewer,
        items=[{"material": lease.pk, "status": "defective", "reason": "缺少出租人签字"}],
        now=at(D),
    )
    # by tracking token, without signing in
    r = client.get(f"/cases/{case.number}/notice/?t={case.tracking_token}")
    assert r.status_code == 200 and "缺少出租人签字" in r.content.decode()
    assert client.get(f"/cases/{case.number}/notice/?t=wrong").status_code == 404
    assert client.get(f"/cases/{case.number}/notice/").status_code == 404
    r = client.get(f"/cases/{case.number}/notice.pdf?t={case.tracking_token}")
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    client.force_login(cw.clerk)
    r = client.get(f"/cases/{case.number}/receipt.pdf")
    assert r["Content-Type"] == "application/pdf" and len(r.content) > 1000
    assert client.get(f"/cases/{case.number}/result.pdf").status_code == 404  # not decided yet
    client.force_login(cw.other_user)
    assert client.get(f"/cases/{case.number}/receipt.pdf").status_code == 404


def test_case_page_masks_the_id_number_quoted_in_the_materials_table(cw, client):
    """Issue 15 item 12: the holder's number was masked at the top, but the ID card taken from
    shared data printed its number (the holder's full ID number) in the materials table."""
    from onetrip.sharing.services import shared_document_issue

    cw.idcard.shared_kind = "id_card"
    cw.idcard.save()
    shared_document_issue(
        kind="id_card",
        holder_number=cw.person.id_number,
        title="居民身份证",
        number=cw.person.id_number,
        source_department=cw.civil,
        issued_on=dt.date(2020, 1, 1),
    )
    case = window_case(cw, day=D)
    held = case.materials.get(material=cw.idcard)
    assert held.status == "government_held" and cw.person.id_number in held.source
    client.force_login(cw.clerk)
    page = client.get(f"/cases/{case.number}/").content.decode()
    full = cw.person.id_number
    assert full not in page
    assert f"{full[:6]}********{full[-4:]}" in page


def test_mask_id_numbers_in_text():
    from onetrip.masking import mask_id_numbers_in

    assert mask_id_numbers_in("公安 居民身份证 33010219850315001X") == (
        "公安 居民身份证 330102********001X"
    )
    assert mask_id_numbers_in("旧证 330102850315001") == "旧证 330102*****5001"
    # a credit code or a longer run of digits is not an ID number
    assert mask_id_numbers_in("91330102MA0000001X") == "91330102MA0000001X"
    assert mask_id_numbers_in("1" * 20) == "1" * 20
    assert mask_id_numbers_in("") == "" and mask_id_numbers_in(None) == ""


def _flashed(response) -> tuple[str, str]:
    """The last message a response leaves for the next page: (level, text)."""
    from django.contrib.messages import get_messages

    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)][-1]


def test_case_page_posts_flash_their_outcome(cw, client):
    """The case page's forms say on the next page whether the write went through."""
    case = window_case(cw, day=D)
    client.force_login(cw.civil_reviewer)
    r = client.post(f"/cases/{case.number}/act/", {"action": "start_review"})
    assert r.status_code == 302 and _flashed(r) == ("success", "操作已完成。")
    case.refresh_from_db()
    assert case.state == "in_review"
    r = client.post(f"/cases/{case.number}/act/", {"action": "start_review"})
    assert r.status_code == 302 and _flashed(r)[0] == "error"
    client.force_login(cw.clerk)
    r = client.post(f"/cases/{case.number}/materials/", {"upload": "1"})
    assert r.status_code == 302 and _flashed(r) == ("error", "请选择要上传的文件。")


def test_admin_shows_a_case_and_its_events_read_only(cw, client, django_user_model):
    """The admin shows every field of a case and of its events, none of them editable."""
    case = window_case(cw, day=D)
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-1234-x"))
    event = case.events.first()
    for row in (case, event):
        r = client.get(f"/admin/cases/{row._meta.model_name}/{row.pk}/change/")
        assert r.status_code == 200
        admin_form = r.context["adminform"]
        assert {f.name for f in row._meta.fields} <= set(admin_form.readonly_fields)
        assert not admin_form.form.fields  # nothing to edit
