"""Hall devices and appointments in a real browser: a resident books on a phone, gets the
reminder, checks in at the kiosk by QR and is called ahead of walk-ins; two residents race
for the last place; the board at both TV sizes after 12 calls; the kiosk outside opening
hours; the slip at 80 mm; the slip's QR shows the ticket only."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from onetrip.notices.models import Notice
from onetrip.queueing import services
from onetrip.queueing.models import Appointment, Slot, Ticket
from tests.queueing.conftest import build_hall, ensure_role_groups

PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Everything visible lies inside the viewport, and the page does not scroll.
OUTSIDE_JS = """() => {
  const W = window.innerWidth, H = window.innerHeight, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      out.push(el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 20));
  }
  const d = document.documentElement;
  return {out, scrollH: d.scrollHeight, scrollW: d.scrollWidth, H, W};
}"""


@pytest.fixture
def hall(transactional_db):
    from tests.factories import make_world

    ensure_role_groups()
    return build_hall(make_world())


def make_slot(queue, starts_at, *, minutes=30, capacity=2) -> Slot:
    return Slot.objects.create(
        queue=queue,
        point=queue.point,
        day=timezone.localtime(starts_at).date(),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        capacity=capacity,
    )


@pytest.mark.slow
def test_book_on_phone_reminder_check_in_by_qr_called_ahead(live_server, browser, hall):
    base = live_server.url
    start = timezone.now() + dt.timedelta(seconds=15)
    slot = make_slot(hall.qa, start)
    # two walk-ins are already waiting when the resident arrives
    walk_ins = [services.ticket_issue(queue=hall.qa, phone=f"1380000000{i}") for i in (1, 2)]

    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    phone.goto(f"{base}/points/sc/book/")
    phone.fill("#book-phone", "13912345678")
    phone.check(f"[data-testid=slot-{slot.pk}]")
    phone.click("[data-testid=book-submit]")
    phone.wait_for_url("**/appointments/*/")
    appointment = Appointment.objects.get(phone="13912345678")
    assert Slot.objects.get(pk=slot.pk).booked == 1

    # the day-before sweep (run "yesterday") sends the reminder with the appointment's link
    assert services.appointments_remind(now=timezone.now() - dt.timedelta(days=1)) == 1
    reminder = Notice.objects.get(template="appointment_reminder", recipient="13912345678")
    link = reminder.text.split("：")[-1].strip()
    assert link.endswith(f"/appointments/{appointment.token}/")
    phone.goto(base + "/" + link.split("://", 1)[1].split("/", 1)[1])
    code = phone.locator("[data-testid=check-in-code]").inner_text().strip()
    assert code == appointment.token and phone.locator(".qr svg").count() == 1

    # at the kiosk the scanner types the QR's code into the check-in field
    kiosk = browser.new_context(viewport=KIOSK, locale="zh-CN").new_page()
    kiosk.goto(f"{base}/points/sc/kiosk/")
    kiosk.fill("[data-testid=check-in-code]", code)
    kiosk.click("[data-testid=check-in-submit]")
    number = kiosk.locator("[data-testid=ticket-number]").inner_text().strip()
    ticket = Ticket.objects.get(number=number, queue=hall.qa)
    assert ticket.slot_start == slot.starts_at
    # checking in twice is refused, nothing written
    kiosk.goto(f"{base}/points/sc/kiosk/")
    kiosk.fill("[data-testid=check-in-code]", code)
    kiosk.click("[data-testid=check-in-submit]")
    assert "已签到" in kiosk.locator("[data-testid=check-in-error]").inner_text()
    assert Ticket.objects.count() == 3

    # once the slot has begun the window calls the appointment before the older walk-ins
    time.sleep(max((start - timezone.now()).total_seconds(), 0) + 0.5)
    services.window_open(window=hall.w1, user=hall.clerk)
    called = services.ticket_call_next(window=hall.w1, user=hall.clerk)
    assert called.pk == ticket.pk and called.number not in {t.number for t in walk_ins}
    phone.goto(f"{base}/appointments/{appointment.token}/")
    phone.click("[data-testid=appointment-ticket]")
    assert "请到 1 号窗口办理" in phone.locator("[data-testid=status-window]").inner_text()


def test_two_residents_booking_the_last_place_at_once(live_server, browser, hall):
    base = live_server.url
    slot = make_slot(hall.qa, timezone.now() + dt.timedelta(hours=3), capacity=1)
    pages = []
    for phone_number in ("13900000061", "13900000062"):
        page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        page.goto(f"{base}/points/sc/book/")
        page.fill("#book-phone", phone_number)
        page.check(f"[data-testid=slot-{slot.pk}]")
        pages.append(page)
    for page in pages:  # both press "book" without waiting for the other
        page.evaluate("document.querySelector('form.book').requestSubmit()")
    for page in pages:
        page.wait_for_load_state("load")
        page.locator("[data-testid=appointment], [data-testid=book-error]").first.wait_for()
    outcomes = sorted(
        "booked"
        if "/appointments/" in p.url
        else p.locator("[data-testid=book-error]").inner_text()
        for p in pages
    )
    assert outcomes == ["booked", "该时段已约满，请选择其他时段。"], outcomes
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Appointment.objects.filter(slot=slot).count() == 1


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_board_after_twelve_calls_fits_the_screen(live_server, browser, hall, size):
    width, height = size
    windows = [hall.w1, hall.w2]
    for i in range(11, 15):
        windows.append(
            services.window_create(
                point=hall.point, number=str(i), kind="self", queues=[hall.qa, hall.qg]
            )
        )
    for w in windows:
        services.window_open(window=w, user=hall.clerk)
    for i in range(12):
        services.ticket_issue(queue=hall.qa, phone=f"1370000{i:04d}")
    finished = []
    for i in range(12):  # 12 calls: the first six are served and finished
        w = windows[i % len(windows)]
        t = services.ticket_call_next(window=w, user=hall.clerk)
        if i < 6:
            services.ticket_start(window=w, user=hall.clerk)
            services.ticket_finish(window=w, user=hall.clerk)
            finished.append(t.number)
    board = browser.new_context(viewport={"width": width, "height": height}).new_page()
    board.goto(f"{live_server.url}/points/sc/board/")
    board.locator("[data-testid=board-calls] tr").first.wait_for()
    board.wait_for_timeout(300)
    calls = board.locator("[data-testid=board-calls]").inner_text()
    assert not any(n in calls for n in finished), calls
    assert "A012" in board.locator("[data-testid=board-latest]").inner_text()
    geometry = board.evaluate(OUTSIDE_JS)
    assert geometry["out"] == [], geometry
    assert geometry["scrollH"] <= height and geometry["scrollW"] <= width, geometry
    # device mode: no site chrome, no login link
    assert board.locator("header.topbar").count() == 0
    assert board.locator("a[href*='login']").count() == 0


def test_kiosk_outside_hours_is_disabled_with_the_next_opening(live_server, browser, hall):
    now = timezone.localtime()
    opens = (now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    closes = opens + dt.timedelta(hours=1)
    if closes.date() != opens.date():  # keep the hours within one day
        opens, closes = opens.replace(hour=1), opens.replace(hour=2)
    point = hall.point
    point.opens_at, point.closes_at = opens.time(), closes.time()
    point.save()
    from onetrip.queueing.selectors import forget_cached_rows

    forget_cached_rows()
    page = browser.new_context(viewport=KIOSK, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/points/sc/kiosk/")
    note = page.locator("[data-testid=closed-note]").inner_text()
    assert "现在不在办公时间" in note
    assert opens.strftime("%H:%M") in page.locator("[data-testid=next-opening]").inner_text()
    assert page.locator("button[name=queue]").count() == 0
    assert page.locator("[data-testid=check-in-submit]").count() == 0
    assert page.locator("header.topbar").count() == 0
    assert page.locator("a[href*='login']").count() == 0
    # a forged POST changes nothing either
    from django.test import Client

    r = Client().post("/points/sc/kiosk/", {"queue": hall.qa.pk})
    assert r.status_code == 409 and Ticket.objects.count() == 0
    r = Client().post("/points/sc/kiosk/check-in/", {"code": "13900000000"})
    assert r.status_code == 404 and Ticket.objects.count() == 0


def test_slip_prints_at_80mm_and_its_qr_shows_the_ticket_only(live_server, browser, hall, tmp_path):
    base = live_server.url
    page = browser.new_context(viewport=KIOSK, locale="zh-CN").new_page()
    page.goto(f"{base}/points/sc/kiosk/")
    page.click("[data-testid=queue-A]")
    number = page.locator("[data-testid=ticket-number]").inner_text().strip()
    assert page.locator("header.topbar").count() == 0
    # print preview on 80 mm paper: the slip alone, 72 mm printable, nothing cut off
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 302, "height": 1200})  # 80 mm at 96 dpi
    slip = page.locator("[data-testid=slip]").bounding_box()
    assert slip["width"] <= 80 / 25.4 * 96 and slip["x"] >= 0
    assert not page.locator(".kiosk-actions").is_visible()
    geometry = page.evaluate(OUTSIDE_JS)
    assert geometry["scrollW"] <= 302, geometry
    pdf = tmp_path / "slip.pdf"
    page.pdf(path=str(pdf), width="80mm", height="160mm", print_background=False)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    page.emulate_media(media="screen")
    # the QR opens the ticket's status page: no case, no upload, no messages
    url = page.locator("[data-testid=slip-qr]").get_attribute("data-url")
    assert "/q/" in url
    page.goto(url)
    assert number in page.locator("[data-testid=ticket-status]").inner_text()
    assert page.locator("input[type=file], textarea").count() == 0
    assert page.locator("a[href*='/t/']").count() == 0
    assert page.locator("form").filter(has=page.locator("[name=body], [name=file]")).count() == 0


@pytest.mark.slow
def test_kiosk_slip_returns_to_the_start_after_20_seconds(live_server, browser, hall):
    page = browser.new_context(viewport=KIOSK, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/points/sc/kiosk/")
    page.click("[data-testid=queue-A]")
    page.locator("[data-testid=ticket-number]").wait_for()
    started = time.monotonic()
    page.wait_for_url(f"{live_server.url}/points/sc/kiosk/", timeout=25_000)
    assert 19 <= time.monotonic() - started <= 24


def test_board_speaks_without_a_click_when_set_up_as_documented(live_server, browser_type, hall):
    """Chromium started with --autoplay-policy=no-user-gesture-required (docs/hall-devices.md):
    no "click for sound" button, and a new call is read out with nobody touching the TV."""
    from tests.conftest import CHROMIUM_ARGS

    tv = browser_type.launch(
        executable_path="/usr/bin/chromium",
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        page = tv.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page.add_init_script(
            """window.__spoken = [];
            window.speechSynthesis.speak = function (u) { window.__spoken.push(u.text); };"""
        )
        page.goto(f"{live_server.url}/points/sc/board/")
        page.wait_for_timeout(1500)  # the first poll renders what was called before: silent
        assert not page.locator("#sound").is_visible()
        services.window_open(window=hall.w1, user=hall.clerk)
        services.ticket_issue(queue=hall.qa)
        services.ticket_call_next(window=hall.w1, user=hall.clerk)
        page.locator("[data-testid=board-latest]", has_text="A001").wait_for(timeout=3000)
        # polled from here: the page's CSP forbids the eval wait_for_function relies on
        deadline = time.monotonic() + 3
        while not page.evaluate("window.__spoken.length > 0") and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert page.evaluate("window.__spoken") == ["请 A001 号到 1 号窗口"]
    finally:
        tv.close()
