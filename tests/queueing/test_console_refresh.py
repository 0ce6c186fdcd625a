"""The clerk console refreshes its lists by itself (htmx polling of a fragment endpoint), and shows
only the buttons for actions the window can take now."""

from __future__ import annotations

import re

import pytest

from onetrip.queueing import services

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _live_url(html: str) -> str:
    """The polling URL the console page carries (with its current versions)."""
    m = re.search(r'id="console-live"[^>]*hx-get="([^"]+)"', html, re.S)
    assert m, html
    return m.group(1).replace("&amp;", "&")


def test_console_page_polls_only_the_lists(client, hall):
    services.window_open(window=hall.w1, user=hall.clerk)
    client.force_login(hall.clerk)
    html = client.get(f"/console/windows/{hall.w1.pk}/").content.decode()
    live = html[html.index('id="console-live"') :]
    assert 'hx-trigger="every 3s"' in live[: live.index(">")]
    assert _live_url(html).startswith(f"/console/windows/{hall.w1.pk}/live/?s=")
    # The forms and the current-ticket controls are outside the polled part.
    assert "<form" not in live and "btn-call-next" not in live
    assert "btn-call-next" in html


def test_live_fragment_brings_a_new_ticket_and_nothing_when_unchanged(client, hall):
    services.window_open(window=hall.w1, user=hall.clerk)
    first = services.ticket_issue(queue=hall.qa)
    client.force_login(hall.clerk)
    url = _live_url(client.get(f"/console/windows/{hall.w1.pk}/").content.decode())

    # Nothing happened: no content, nothing to swap (keeps the page still).
    r = client.get(url, **HX)
    assert r.status_code == 204 and r.content == b""
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]

    # A ticket issued at the kiosk after the page loaded: the fragment lists it.
    new = services.ticket_issue(queue=hall.qg)
    other = services.ticket_issue(queue=hall.other_q)  # the other district's hall
    r = client.get(url, **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert new.number in html and first.number in html
    assert f'"ticket": "{first.pk}"' in html and f'"ticket": "{new.pk}"' in html
    assert f'"ticket": "{other.pk}"' not in html
    # Only the lists: not the page, not the panel's forms.
    assert "<html" not in html and "<form" not in html and "btn-call-next" not in html
    assert html.lstrip().startswith('<div id="console-live"')
    # The fragment carries the new version: polling it again answers 204.
    r = client.get(_live_url(html), **HX)
    assert r.status_code == 204


def test_live_fragment_refreshes_the_whole_panel_when_the_current_ticket_changes(client, hall):
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_issue(queue=hall.qa)
    client.force_login(hall.clerk)
    url = _live_url(client.get(f"/console/windows/{hall.w1.pk}/").content.decode())
    # The ticket is called from elsewhere (the API, a hardware caller).
    called = services.ticket_call_next(window=hall.w1, user=hall.clerk)
    r = client.get(url, **HX)
    assert r.status_code == 200
    assert r["HX-Retarget"] == "#panel" and r["HX-Reswap"] == "innerHTML"
    html = r.content.decode()
    assert 'data-testid="current-number">' + called.number in html
    assert "btn-start" in html and "<html" not in html


def test_live_fragment_is_staff_only_and_scoped_to_the_clerks_point(client, hall):
    url = f"/console/windows/{hall.w1.pk}/live/"
    services.ticket_issue(queue=hall.qa)
    r = client.get(url, **HX)  # anonymous: no data, the page reloads to sign in
    assert r.status_code == 401 and r["HX-Refresh"] == "true" and b"A001" not in r.content
    client.force_login(hall.world.reviewer)  # staff, but not a window role
    r = client.get(url, **HX)
    assert r.status_code == 403 and b"A001" not in r.content
    client.force_login(hall.other_clerk)  # a clerk of the other district's hall
    assert client.get(url, **HX).status_code == 404
    r = client.get(f"/console/windows/{hall.other_w.pk}/live/", **HX)
    assert r.status_code == 200 and b"A001" not in r.content
    client.force_login(hall.clerk)
    assert client.get(f"/console/windows/{hall.other_w.pk}/live/", **HX).status_code == 404
    r = client.get(url, **HX)
    assert r.status_code == 200 and b"A001" in r.content


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'data-testid="btn-([a-z-]+?)(?:-[A-Z]\d+)?"', html))


def test_closed_window_shows_no_ticket_buttons(client, hall):
    waiting = services.ticket_issue(queue=hall.qa)
    client.force_login(hall.clerk)
    page = f"/console/windows/{hall.w1.pk}/"
    html = client.get(page).content.decode()
    assert waiting.number in html  # listed...
    assert _buttons(html) == {"open"}  # ...but the closed window offers nothing to do with it
    assert "叫此号" not in html and "暂挂" not in html and "已离开" not in html
    live = client.get(f"{page}live/", **HX).content.decode()
    assert waiting.number in live and "暂挂" not in live and "已离开" not in live

    services.window_open(window=hall.w1, user=hall.clerk)
    html = client.get(page).content.decode()
    assert _buttons(html) == {"close", "call-next", "call", "park", "walk-out"}

    # Window 2 is open for another clerk: this clerk cannot act on it, so no buttons either.
    services.window_open(window=hall.w2, user=hall.clerk2)
    html = client.get(f"/console/windows/{hall.w2.pk}/").content.decode()
    assert waiting.number in html and _buttons(html) == {"close"}


def test_buttons_follow_the_transition_table(client, hall):
    services.window_open(window=hall.w1, user=hall.clerk)
    first = services.ticket_issue(queue=hall.qa)
    second = services.ticket_issue(queue=hall.qa)
    client.force_login(hall.clerk)
    page = f"/console/windows/{hall.w1.pk}/"
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    html = client.get(page).content.decode()
    # Called: no park (only waiting or serving tickets can be parked), no finish; the waiting
    # ticket cannot be called while one is current.
    assert _buttons(html) == {
        "close",
        "recall",
        "start",
        "no-show",
        "return",
        "transfer",
        "park",  # the waiting row's
        "walk-out",
    }
    assert f'btn-park-{second.number}"' in html and 'btn-park"' not in html
    assert f"btn-call-{second.number}" not in html
    services.ticket_start(window=hall.w1, user=hall.clerk, ticket=first)
    html = client.get(page).content.decode()
    assert 'data-testid="btn-park"' in html and 'data-testid="btn-finish"' in html
    assert 'data-testid="btn-start"' not in html and 'data-testid="btn-recall"' not in html
    # Parked at this window: it can be resumed, even after the window closes (the service
    # allows it); it is not waiting, so it has no park / walk-out button of its own.
    services.ticket_park(window=hall.w1, user=hall.clerk, ticket=first)
    services.window_close(window=hall.w1, user=hall.clerk)
    html = client.get(page).content.decode()
    assert f"btn-resume-{first.number}" in html
    assert _buttons(html) == {"open", "resume"}
