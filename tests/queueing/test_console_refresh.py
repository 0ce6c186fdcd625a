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
