"""Found by trying the staff pages in a browser: the case timeline speaks words, not codes; an
upload without a file says so; the intake form keeps the clerk's material choices after an error;
refusals are pages in the site layout (long unbroken notes: tests/e2e/test_cases_layout.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from onetrip.cases.models import Case
from tests.cases.helpers import window_case

pytestmark = pytest.mark.usefixtures("frozen")
D = dt.date(2026, 3, 2)


def _timeline(page: str) -> str:
    return re.search(r'<ul class="timeline" id="timeline">(.*?)</ul>', page, re.S).group(1)


def test_timeline_shows_actions_states_and_roles_in_words(cw, client):
    case = window_case(cw, day=D)
    client.force_login(cw.clerk)
    timeline = _timeline(client.get(f"/cases/{case.number}/").content.decode())
    for code in ("create", "submit", "accept", "draft", "submitted", "accepted", "（clerk）"):
        assert code not in timeline, code
    assert "创建办件" in timeline and "受理" in timeline
    assert "已提交 → 已受理" in timeline and "（窗口工作人员）" in timeline


def test_timeline_in_english(cw, client):
    case = window_case(cw, day=D)
    client.force_login(cw.clerk)
    page = client.get(f"/cases/{case.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = _timeline(page)
    assert "Submitted → Accepted" in timeline and "draft" not in timeline


def test_upload_without_a_file_says_choose_a_file(cw, client):
    case = window_case(cw, day=D, materials={cw.form.pk: {"status": "received"}}, accept=False)
    lease = case.materials.get(material=cw.lease)
    client.force_login(cw.clerk)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'name="upload" value="1"' in page and 'type="file" name="file" required' in page
    r = client.post(
        f"/cases/{case.number}/materials/", {"material": lease.pk, "upload": "1"}, follow=True
    )
    body = r.content.decode()
    assert "请选择要上传的文件。" in body and "材料状态“”无效" not in body
    lease.refresh_from_db()
    assert lease.status == "missing"


def test_intake_form_keeps_material_choices_after_an_error(cw, client):
    client.force_login(cw.clerk)
    r = client.post(
        "/cases/new/",
        {
            "matter": cw.permit.pk,
            "applicant_kind": "person",
            "applicant_number": "330102198503150011",  # wrong check digit
            f"material_{cw.form.pk}": "received",
            f"material_{cw.lease.pk}": "later",
            f"commit_{cw.lease.pk}": "on",
            "do": "accept",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200 and "公民身份号码" in page
    assert not Case.objects.exists()
    form_select = re.search(rf'name="material_{cw.form.pk}".*?</select>', page, re.S).group(0)
    lease_select = re.search(rf'name="material_{cw.lease.pk}".*?</select>', page, re.S).group(0)
    assert re.search(r'value="received"\s+selected', form_select)
    assert re.search(r'value="later"\s+selected', lease_select)
    assert re.search(rf'name="commit_{cw.lease.pk}"[^>]*checked', page)


def test_forbidden_pages_use_the_site_layout_with_a_way_back(cw, client):
    client.force_login(cw.civil_reviewer)
    r = client.get("/cases/new/")
    page = r.content.decode()
    assert r.status_code == 403
    assert "只有窗口工作人员可以受理办件。" in page and 'class="topbar"' in page
    assert 'href="/"' in page and "<title>" in page
    client.force_login(cw.clerk)
    r = client.get("/backoffice/")
    page = r.content.decode()
    assert r.status_code == 403 and "只有后台审批人员和管理者可以查看工作队列。" in page
    assert 'class="topbar"' in page
