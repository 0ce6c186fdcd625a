"""The window console is never served from the browser's cache: Back from the case intake must
show the window as it is now (browser check: tests/e2e/test_queueing_back_button.py)."""

from __future__ import annotations


def test_console_page_is_not_cached(client, hall):
    client.force_login(hall.clerk)
    r = client.get(f"/console/windows/{hall.w1.pk}/")
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    assert "e.persisted" in r.content.decode()  # a page restored from bfcache reloads itself
