"""Take the README's screenshots from a running demo (make demo) with Debian's Chromium.

.venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

#: (file name, user or None, path, viewport)
SHOTS = [
    ("home", None, "/", DESKTOP),
    ("catalogue-phone", None, "/matters/?q=老年", PHONE),
    ("matter-phone", None, "/matters/sc-mz-0001/", PHONE),
    ("kiosk", None, "/points/sc/kiosk/", DESKTOP),
    ("board", None, "/points/sc/board/", DESKTOP),
    ("precheck", "guide", "/guide/precheck/", DESKTOP),
    ("console", "clerk1", "/console/windows/", DESKTOP),
    ("backoffice", "reviewer-scjg", "/backoffice/", DESKTOP),
    ("metrics", "manager", "/metrics/", DESKTOP),
]


def login(page, username: str) -> None:
    page.goto(BASE + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "onetrip-demo")
    page.click("button.primary")
    page.wait_for_load_state()


def sample_case_paths() -> list[tuple[str, str | None, str, dict]]:
    """Pages of real cases from the demo database (same ONETRIP_VAR / DATABASE_URL as the server)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    django.setup()
    from onetrip.cases.models import Case

    shots = []
    supplement = Case.objects.filter(state="supplement_requested").order_by("-id").first()
    if supplement is not None:
        shots.append(("tracking-phone", None, f"/t/{supplement.tracking_token}", PHONE))
    reviewed = (
        Case.objects.filter(matter__department__code="scjg", supplement_rounds__gt=0)
        .order_by("-id")
        .first()
    )
    if reviewed is not None:
        shots.append(("case", "reviewer-scjg", f"/cases/{reviewed.number}/", DESKTOP))
    return shots


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    SHOTS.extend(sample_case_paths())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, user, path, viewport in SHOTS:
            context = browser.new_context(
                viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
            )
            page = context.new_page()
            if user:
                login(page, user)
            response = page.goto(BASE + path)
            page.wait_for_timeout(800)
            status = response.status if response else "?"
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=viewport is PHONE)
            print(f"{name}: {path} -> {status}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
