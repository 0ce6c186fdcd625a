"""The window console is never served from the browser's cache: Back from the case intake must
show the window as it is now (browser check: tests/e2e/test_queueing_back_button.py)."""

from __future__ import annotations


def test_console_page_is_not_cached(client, hall):
    client.force_login(hall.clerk)
    r = client.get(f"/console/windows/{hall.w1.pk}/")
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    # a page restored from bfcache reloads itself: the marker here, the handler in pages.js (the
    # CSP allows no inline script)
    html = r.content.decode()
    assert "data-reload-on-back" in html and "/static/onetrip/pages.js" in html
    from django.contrib.staticfiles import finders

    with open(finders.find("onetrip/pages.js"), encoding="utf-8") as fh:
        assert "e.persisted" in fh.read()
