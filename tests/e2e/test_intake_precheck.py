"""A person pre-checks the senior citizen card (老年人优待证) at window zero and gets the
one-time notice as a PDF; then fills the application form with validation as they type."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.contrib.auth.models import Group

from onetrip.intake.models import PreCheck
from onetrip.people.models import Role
from onetrip.sharing.models import ShareReadLog
from tests.factories import make_world
from tests.intake.conftest import make_senior


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_person_prechecks_senior_card_and_gets_notice_pdf(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Role groups come from a data migration; an earlier transactional test may have flushed them.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    s = make_senior(make_world())

    # The guide at window zero signs in.
    page.goto(live_server.url + "/accounts/login/?next=/guide/precheck/")
    page.fill("input[name=username]", "guide1")
    page.fill("input[name=password]", "pass-1234-word")
    page.click("button.primary")
    page.wait_for_url("**/guide/precheck/")

    # Search the matter, pick it, tick what the person brought.
    page.get_by_test_id("matter-search").fill("优待证")
    page.get_by_role("button", name="搜索").click()
    page.get_by_test_id("pick-sc-002").click()
    page.get_by_test_id("applicant-number").fill(s.person)
    page.get_by_test_id(f"material-{s.form.pk}").check()
    page.get_by_test_id("run-precheck").click()

    answer = page.get_by_test_id("precheck-answer")
    answer.wait_for()
    assert "还缺 1 项材料" in page.get_by_test_id("verdict").inner_text()
    assert "一寸免冠彩色照片" in page.get_by_test_id("missing").inner_text()
    assert "白底" in page.get_by_test_id("missing").inner_text()
    held = page.get_by_test_id("held").inner_text()
    assert "居民户口簿" in held and "上城公安分局" in held and "居民身份证" in held
    assert page.get_by_test_id("next-step").get_attribute("data-kind") == "ticket"
    assert s.person not in page.content()  # the number is masked on the page

    pc = PreCheck.objects.get()
    assert pc.actor.username == "guide1" and not pc.complete
    assert ShareReadLog.objects.filter(reader=pc.actor, document=s.hukou_doc).count() == 1

    # The printable one-time notice.
    href = page.get_by_test_id("notice-pdf").get_attribute("href")
    response = page.request.get(page.url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "一寸免冠彩色照片" in text
    # (without pdftotext, tests/intake/test_api_pages.py reads the laid-out PDF text instead)

    # Form help: validation as you type, then a saved draft.
    page.goto(live_server.url + "/matters/sc-002/form/")
    page.get_by_test_id("input-id_number").fill("330102198503150000")
    error = page.get_by_test_id("err-id_number")
    error.filter(has_text="校验码").wait_for()
    page.get_by_test_id("input-id_number").fill(s.person)
    page.locator("#err-id_number.ok").wait_for()
    page.get_by_test_id("input-applicant_name").fill("王老伯")
    page.get_by_test_id("save-draft").click()
    page.get_by_test_id("draft-saved").wait_for()
