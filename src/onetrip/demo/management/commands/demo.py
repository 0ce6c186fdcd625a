"""``onetrip demo``: migrate, load the sample district (idempotent), print the logins, serve."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from onetrip.demo.services import DEMO_PASSWORD, demo_load, demo_logins


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Migrate, load the sample district 上城区 (idempotent), print the demo logins and serve "
        "it with gunicorn on 127.0.0.1:8000. All demo accounts use the password "
        f"{DEMO_PASSWORD!r}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve", action="store_true", help="only migrate and load; do not serve"
        )
        parser.add_argument("--bind", default=os.environ.get("ONETRIP_BIND", "127.0.0.1:8000"))

    def handle(self, *args, no_serve: bool, bind: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Loading the sample district 杭州市上城区 …")
        summary = demo_load(stdout=self.stdout)
        self.print_logins()
        if summary["provisional_years"] or summary.get("extension_errors"):
            self.stdout.write("")
        for year in summary["provisional_years"]:
            self.stdout.write(
                self.style.WARNING(
                    f"!! {year}: 演示用临时安排（非官方，仅周末休息） — not an official schedule."
                )
            )
        for name, error in summary.get("extension_errors", {}).items():
            self.stdout.write(self.style.ERROR(f"!! demo extension {name} failed: {error}"))
        if no_serve:
            return
        call_command("serve", bind=bind, no_migrate=True)

    def print_logins(self) -> None:
        rows = demo_logins()
        head = {"role": "角色 role", "username": "用户名", "password": "密码", "try": "试试"}
        widths = {k: max(_width(r[k]) for r in [head, *rows]) for k in ("role", "username")}
        self.stdout.write("")
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}) — http://127.0.0.1:8000/"
        )
        for r in [head, *rows]:
            self.stdout.write(
                "  "
                + _pad(r["role"], widths["role"])
                + "  "
                + _pad(r["username"], widths["username"])
                + "  "
                + r["password"]
                + "  "
                + r["try"]
            )
        self.stdout.write("")
