"""Playwright, phone and wall screen: a volunteer reports a dispute with a photo on a phone; it
appears on the 1920×1080 command-centre board within 2 s without reload; the operator
dispatches it with a mediator; the mediator accepts, records the agreement and closes it; the
volunteer confirms on the phone, and their volunteer record counts it."""

from __future__ import annotations

import io
import time

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.safety.models import Incident, IncidentPhoto, Mediation

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
WALL = {
    "viewport": {"width": 1920, "height": 1080},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(buf, format="PNG")
    return buf.getvalue()


def login(page, base, username, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_url}")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_dispute_from_phone_to_board_to_agreement_and_confirmation(live_server, browser):
    from tests.safety.conftest import make_grid

    g = make_grid()
    g.rules[0].delete()  # no routing rule for disputes: the operator dispatches by hand
    base = live_server.url
    contexts = []

    def new_context(**kw):
        contexts.append(browser.new_context(**kw))
        return contexts[-1]

    try:
        _flow(g, base, new_context)
    finally:
        close_all(contexts)


def close_all(contexts) -> None:
    """Close the pages' connections and let the server's request threads end during the test
    (a keep-alive thread outliving the session's live server fails on in-memory SQLite)."""
    from tests.safety.conftest import wait_for_request_threads

    for context in contexts:
        context.close()
    wait_for_request_threads()


def _flow(g, base, new_context):
    wall = new_context(**WALL).new_page()
    login(wall, base, "op", "/safety/board/")
    assert wall.locator(".board-body").is_visible()
    size = wall.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1920 and size[1] <= 1080  # fits the wall screen, no scrolling

    phone_ctx = new_context(**PHONE)
    phone = phone_ctx.new_page()
    login(phone, base, "vol", "/safety/report/")
    phone.get_by_label("矛盾纠纷").check()
    phone.get_by_label("情况描述").fill("301 与 401 两户因楼道堆放杂物争吵，需要调解")
    phone.get_by_label("网格").select_option(g.cell_a.code)
    phone.set_input_files(
        "input[name=photos]",
        files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png()}],
    )
    phone.get_by_role("button", name="提交上报").click()
    phone.wait_for_url(f"{base}/safety/r/**")
    submitted = time.monotonic()
    incident = Incident.objects.get()
    assert incident.kind == "dispute" and incident.volunteer == g.volunteer
    assert IncidentPhoto.objects.filter(incident=incident).count() == 1
    assert phone.locator("#state").inner_text() == "已上报"
    # nothing overflows sideways on the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # on the board within 2 s, without reloading it
    row = wall.locator(f'tr[data-number="{incident.number}"]')
    row.wait_for(timeout=2000)
    assert time.monotonic() - submitted < 2.0
    assert "矛盾纠纷" in row.inner_text() and "待分拨" in row.inner_text()

    # the operator dispatches it to the 综治 platform, 司法局, with a mediator
    desk = new_context(**WALL).new_page()
    login(desk, base, "op", "/safety/")
    desk.goto(f"{base}/safety/incidents/{incident.number}/")
    form = desk.locator("form.act-dispatch")
    form.get_by_label("平台").select_option("zongzhi")
    form.get_by_label("承办部门").select_option(label="区司法局")
    form.get_by_label("调解员（可选）").select_option(str(g.mediator.pk))
    form.get_by_role("button", name="分拨").click()
    desk.wait_for_load_state()
    assert "综治工作" in desk.locator("#dispatch").inner_text()
    # (a locator, not wait_for_function: the page's CSP forbids the eval that one relies on)
    wall.locator(f'tr[data-number="{incident.number}"]', has_text="区司法局").wait_for(timeout=2000)

    # the mediator, on a phone, accepts, records the agreement, closes
    med = new_context(**PHONE).new_page()
    login(med, base, "med", "/safety/")
    med.goto(f"{base}/safety/incidents/{incident.number}/")
    med.get_by_role("button", name="签收").click()
    med.wait_for_load_state()
    mediate = med.locator("form.act-mediate")
    mediate.get_by_label("当事人（每行一位）").fill("301室 张某\n401室 李某")
    mediate.get_by_label("调解协议").fill("三日内各自清理楼道杂物，今后不在楼道堆物")
    mediate.get_by_role("button", name="记录调解").click()
    med.wait_for_load_state()
    assert "三日内各自清理" in med.locator(".mediation").inner_text()
    close = med.locator("form.act-close")
    close.get_by_label("处置结果").fill("双方签订调解协议，楼道已清理")
    close.get_by_role("button", name="办结").click()
    med.wait_for_load_state()
    assert med.locator("#state").inner_text() == "已办结"
    assert Mediation.objects.get(incident=incident).mediator_name == "李调解"

    # closed incidents leave the board
    wall.locator(f'tr[data-number="{incident.number}"]').wait_for(state="detached", timeout=2000)

    # the volunteer confirms on the phone; the record counts the report
    phone.reload()
    assert "双方签订调解协议" in phone.content()
    phone.get_by_role("button", name="确认办结").click()
    phone.wait_for_load_state()
    assert phone.locator("#state").inner_text() == "已确认"
    phone.goto(f"{base}/safety/volunteer/")
    assert phone.locator("#reports-total").inner_text() == "1"
    assert phone.locator("#reports-confirmed").inner_text() == "1"
    assert list(
        AuditEvent.objects.filter(subject_id=incident.number)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["report", "dispatch", "accept", "mediate", "close", "confirm"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_report_pages_pass_axe_on_a_phone(live_server, browser):
    """The citizen-facing pages (the report form, with an error shown, and the reporter's page)
    have no serious or critical axe-core violation at 390 px, and fit the screen."""
    from onetrip.safety.services import incident_report
    from tests.safety.conftest import make_grid

    g = make_grid()
    incident = incident_report(
        district=g.district, actor=g.grid_a, kind="hazard", description="井盖缺失",
        cell_code=g.cell_a.code,
    )  # fmt: skip
    context = browser.new_context(**PHONE)
    try:
        _axe_pages(context.new_page(), live_server.url, incident)
    finally:
        close_all([context])


def _axe_pages(page, base, incident):
    from tests.e2e.test_accessibility import _axe

    found = {}
    page.goto(f"{base}/safety/report/")
    found["report"] = _axe(page)
    page.get_by_label("安全隐患").check()
    page.get_by_label("情况描述").fill("电线裸露在外")
    page.get_by_label("网格").select_option("")
    page.get_by_label("纬度").fill("39.9")
    page.get_by_label("经度").fill("116.4")
    page.get_by_label("手机号").fill("13900004444")
    page.get_by_role("button", name="提交上报").click()
    assert "坐标不在本区范围内" in page.locator("[role=alert]").inner_text()
    found["report-error"] = _axe(page)
    page.goto(f"{base}/safety/r/{incident.token}/")
    found["reporter"] = _axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    bad = {k: [v for v in vs if v["impact"] in ("serious", "critical")] for k, vs in found.items()}
    assert {k: v for k, v in bad.items() if v} == {}
