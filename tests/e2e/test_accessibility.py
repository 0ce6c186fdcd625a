"""Accessibility of every citizen page and the kiosk (适老化): axe-core (vendored from the npm
registry, tests/e2e/vendor/axe.min.js, `make axe`) injected by Playwright finds no serious or
critical violation; the large-text, high-contrast view sticks across pages and keeps every page
within a 390 px phone screen; a matter's checklist is read aloud.

The report (every violation of any impact, per page) is written to var/axe-report.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from onetrip.queueing import services
from onetrip.queueing.models import Slot
from tests.queueing.conftest import build_hall, ensure_role_groups

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
REPORT = Path(__file__).resolve().parents[2] / "var" / "axe-report.json"
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(transactional_db):
    """A world with a hall, a booked appointment, a ticket and a case to track: the URLs of
    every citizen page (name → path)."""
    from tests.factories import make_world
    from tests.tracking.conftest import extend_world, supplement_case

    ensure_role_groups()
    w = make_world()
    extend_world(w)
    hall = build_hall(w)
    now = timezone.now()
    start = now + dt.timedelta(days=1)
    slot = Slot.objects.create(
        queue=hall.qa,
        point=hall.point,
        day=timezone.localtime(start).date(),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        capacity=4,
    )
    appointment = services.appointment_book(slot=slot, phone="13900000071", now=now)
    ticket = services.ticket_issue(queue=hall.qa, phone="13900000072")
    case = supplement_case(w)
    return {
        "home": "/",
        "matters": "/matters/",
        "matter": f"/matters/{w.matter.code}/",
        "matter-online": f"/matters/{w.perf.code}/",
        "nearby": "/nearby/",
        "point": f"/points/{hall.point.code}/",
        "book": f"/points/{hall.point.code}/book/",
        "appointment": f"/appointments/{appointment.token}/",
        "ticket-status": f"/q/{ticket.token}/",
        "tracking": f"/t/{case.tracking_token}",
        "window-entry": f"/w/{hall.point.code}/1/",
        "apply": "/apply/",
        "login": "/accounts/login/",
        "kiosk": f"/points/{hall.point.code}/kiosk/",
        "kiosk-slip": f"/points/{hall.point.code}/kiosk/{ticket.token}/",
    }


def _axe(page) -> list[dict]:
    # evaluated through the DevTools protocol: a <script> tag carrying it inline is refused by
    # the pages' Content-Security-Policy (scripts from the site only)
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return result


def test_axe_finds_no_serious_or_critical_violation(live_server, browser, pages):
    report: dict[str, list[dict]] = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, path, response.status)
        report[name] = _axe(page)
    # the kiosk in portrait and the large-text view on a phone are checked too
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    kp = kiosk.new_page()
    kp.goto(live_server.url + pages["kiosk"])
    report["kiosk-portrait"] = _axe(kp)
    large = browser.new_context(viewport=PHONE, locale="zh-CN")
    large.add_cookies([{"name": "onetrip_view", "value": "large", "url": live_server.url}])
    lp = large.new_page()
    for name in ("home", "matter", "book", "tracking"):
        lp.goto(live_server.url + pages[name])
        report[f"{name}-large"] = _axe(lp)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    bad = {
        name: [v for v in found if v["impact"] in ("serious", "critical")]
        for name, found in report.items()
    }
    bad = {k: v for k, v in bad.items() if v}
    assert bad == {}, json.dumps(bad, ensure_ascii=False, indent=1)
    assert len(report) == len(pages) + 5


def test_large_text_view_sticks_and_fits_a_phone(live_server, browser, pages):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + pages["home"])
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("[data-view-toggle]")
    assert page.evaluate("document.documentElement.classList.contains('large')")
    too_wide = {}
    for name, path in pages.items():
        if name.startswith("kiosk"):
            continue  # a device, not a phone page
        page.goto(live_server.url + path)
        # the view sticks: rendered large by the server from the first paint
        assert page.evaluate("document.documentElement.classList.contains('large')"), name
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= normal * 1.3, (name, size, normal)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
    assert too_wide == {}
    # and it can be switched off again
    page.click("[data-view-toggle]")
    page.goto(live_server.url + pages["home"])
    assert not page.evaluate("document.documentElement.classList.contains('large')")


def test_matter_checklist_is_read_aloud(live_server, browser, pages):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(
        """window.__spoken = [];
        window.speechSynthesis.speak = function (u) { window.__spoken.push([u.text, u.lang]); };"""
    )
    page.goto(live_server.url + pages["matter"])
    page.click("[data-testid=read-aloud]")
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0][1] == "zh-CN"
    assert "公司登记（备案）申请书" in spoken[0][0] and "公司章程" in spoken[0][0]
