"""``onetrip demo``: migrate, load the sample district (idempotent), print the logins, serve."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from onetrip.demo.services import (
    DEMO_PASSWORD,
    PROVISIONAL_NOTE,
    PROVISIONAL_SOURCE,
    demo_load,
    demo_logins,
)
from onetrip.simulation.report import display_width, pad_to_width

#: Pages worth a look; only those that exist in this build are printed.
PLACES = [
    ("/matters/", "办事指南（事项清单、搜索、零跑动/街道可办统计）"),
    ("/matters/sc-mz-0001/", "老年人优待证办理：材料清单、样本下载"),
    ("/points/sc/", "上城区行政服务中心"),
    ("/points/sc/kiosk/", "自助取号机"),
    ("/points/sc/board/", "叫号大屏"),
    ("/demo/sms/", "演示短信收件箱"),
    ("/admin/", "管理后台（admin）"),
    ("/api/docs", "API 文档（OpenAPI）"),
]


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


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
        self.print_places()
        from onetrip.workdays.models import ScheduleYear

        for sy in ScheduleYear.objects.filter(source=PROVISIONAL_SOURCE).order_by("year"):
            self.stdout.write(
                self.style.WARNING(
                    f"!! {sy.year}: {PROVISIONAL_NOTE} — NOT an official holiday schedule; "
                    "deadlines in that year ignore public holidays."
                )
            )
        for name, error in summary.get("extension_errors", {}).items():
            self.stdout.write(self.style.ERROR(f"!! demo extension {name} failed: {error}"))
        if no_serve:
            return
        call_command("serve", bind=bind, no_migrate=True, worker=True)

    def print_logins(self) -> None:
        rows = demo_logins()
        head = {"role": "角色 role", "username": "用户名", "password": "密码", "try": "试试"}
        widths = {k: max(display_width(r[k]) for r in [head, *rows]) for k in ("role", "username")}
        self.stdout.write("")
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}) — http://127.0.0.1:8000/"
        )
        for r in [head, *rows]:
            self.stdout.write(
                "  "
                + pad_to_width(r["role"], widths["role"])
                + "  "
                + pad_to_width(r["username"], widths["username"])
                + "  "
                + r["password"]
                + "  "
                + r["try"]
            )
        from base64 import b32encode

        from onetrip.demo.people_data import DEMO_TOTP_KEY

        secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        self.stdout.write(
            f"Managers and administrators also give a TOTP code (second factor): the demo "
            f"accounts are enrolled with the key {secret} (add it to any authenticator app); "
            "in the demo the code page also shows the current code."
        )
        self.stdout.write("")

    def print_places(self) -> None:
        places = [(path, label) for path, label in PLACES if _resolves(path)]
        if places:
            self.stdout.write("Places to try:")
            for path, label in places:
                self.stdout.write(f"  http://127.0.0.1:8000{path}  {label}")
            self.stdout.write("")
