"""Sample queues and windows for ``onetrip demo`` (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onetrip.catalogue.models import Department, PointLevel, ServicePoint
from onetrip.demo.registry import demo_extension
from onetrip.queueing.models import Queue, Window
from onetrip.queueing.selectors import window_share
from onetrip.queueing.services import queue_create, window_create

# code, name, applicant type, department code (optional). Individual matters ("B", 个人事务) are
# called by department at the centre (``_department_queues``: one queue per department but 市场
# 监管, whose companies queue at A), so each ticket belongs to the department that handles it.
CENTRE_QUEUES = [
    ("A", "企业开办（企业自办）", "self", "scjg"),
    ("C", "投资项目与建设", "self", None),
    ("D", "中介代办", "agent", "scjg"),
    ("G", "绿色通道（老年人、残疾人、军人）", "priority", None),
]
#: the queues' English names (shown on English pages: kiosk, ticket slip, status page)
ENGLISH_NAMES = {
    "企业开办（企业自办）": "Business start-up (self-service)",
    "个人事务": "Personal matters",
    "投资项目与建设": "Investment projects and construction",
    "中介代办": "Agents",
    "绿色通道（老年人、残疾人、军人）": "Priority (seniors, people with disabilities, service members)",
    "绿色通道": "Priority lane",
    "社区事务": "Community affairs",
}
#: a department's queue (``_department_queues``), by the department's code
DEPARTMENT_ENGLISH = {
    "scjg": "Market regulation",
    "mz": "Civil affairs",
    "rlsb": "Human resources and social security",
    "wjw": "Health",
    "wgly": "Culture, tourism and sports",
    "gaj": "Public security",
    "zjj": "Housing and construction",
    "sw": "Taxation",
    "yb": "Medical insurance",
    "cl": "Disabled persons' federation",
    "jy": "Education",
    "cg": "Urban management",
    "tyjr": "Veterans affairs",
    "sfj": "Justice",
    "zrzy": "Planning and natural resources",
}


def english_name(name: str, department: str | None = None) -> str:
    return ENGLISH_NAMES.get(name) or DEPARTMENT_ENGLISH.get(department or "", "")


# number, kind, name, queue codes in priority order ("B": every department's queue)
CENTRE_WINDOWS = [
    ("0", "guide", "0号导办窗口", ["A", "B", "C", "D", "G"]),
    ("1", "self", "企业自办", ["G", "A"]),
    ("2", "self", "企业自办", ["A", "C"]),
    ("3", "self", "企业自办", ["A", "C"]),
    ("4", "self", "企业自办", ["A", "B"]),
    ("5", "self", "个人事务", ["G", "B"]),
    ("6", "self", "个人事务", ["B", "A"]),
    ("7", "self", "投资项目", ["C", "A"]),
    ("8", "agent", "中介代办", ["D", "A"]),
    ("9", "agent", "中介代办", ["D", "C"]),
]
STREET_QUEUES = [("B", "个人事务", "self", None), ("G", "绿色通道", "priority", None)]
STREET_WINDOWS = [
    ("0", "guide", "导办", ["B", "G"]),
    ("1", "self", "综合受理", ["G", "B"]),
    ("2", "self", "综合受理", ["B"]),
]
# a community station's one post (一岗受理): its visitors take a number too
COMMUNITY_QUEUES = [("B", "社区事务", "self", None)]
COMMUNITY_WINDOWS = [("1", "self", "一岗受理", ["B"])]


def _department_queues(district: ServicePoint) -> list[tuple[str, str, str, str]]:
    """One self-service queue per department of the district but 市场监管: two letters of its
    code (MZ 民政, RL 人社 …), named after it."""
    out, used = [], {code for code, *_rest in CENTRE_QUEUES}
    for dept in Department.objects.filter(district=district).exclude(code="scjg").order_by("code"):
        letters = "".join(c for c in dept.code.upper() if "A" <= c <= "Z") or "Q"
        code = letters[:2].ljust(2, "X")
        n = 0
        while code in used:
            code = f"{letters[0]}{chr(ord('A') + n)}"
            n += 1
        used.add(code)
        name = dept.name.removeprefix("区").removesuffix("局") or dept.name
        out.append((code, name[:40], "self", dept.code))
    return out


def _expand(windows, codes: list[str]):
    return [
        (n, k, name, [c for q in qs for c in (codes if q == "B" else [q])])
        for n, k, name, qs in windows
    ]


def _ensure(point: ServicePoint, queues, windows) -> tuple[int, int]:
    made_q = made_w = 0
    by_code: dict[str, Queue] = {}
    for pos, (code, name, kind, dept_code) in enumerate(queues):
        queue = Queue.objects.filter(point=point, code=code).first()
        if queue is None:
            dept = (
                Department.objects.filter(district_id=point.district_id, code=dept_code).first()
                if dept_code
                else None
            )
            queue = queue_create(
                point=point,
                code=code,
                name=name,
                name_en=english_name(name, dept_code),
                applicant_type=kind,
                department=dept,
                position=pos,
            )
            made_q += 1
        elif not queue.name_en and english_name(queue.name, dept_code):  # loaded before names
            queue.name_en = english_name(queue.name, dept_code)
            queue.save(update_fields=["name_en"])
        by_code[code] = queue
    for number, kind, name, codes in windows:
        if Window.objects.filter(point=point, number=number).exists():
            continue
        window_create(
            point=point, number=number, name=name, kind=kind, queues=[by_code[c] for c in codes]
        )
        made_w += 1
    return made_q, made_w


def _open_slots(point: ServicePoint, days: int = 7) -> int:
    """30-minute slots of 4 places for the next ``days`` days in every self-service queue."""
    from django.utils import timezone

    from onetrip.queueing.models import ApplicantType
    from onetrip.queueing.services import slots_open

    made = 0
    today = timezone.localdate()
    for queue in Queue.objects.filter(point=point, applicant_type=ApplicantType.SELF):
        for offset in range(1, days + 1):
            made += slots_open(queue=queue, day=today + dt.timedelta(days=offset))
    return made


@demo_extension(name="queueing", order=10)
def load_queues(*, district: ServicePoint, stdout: Any = None, **_: Any) -> dict[str, Any]:
    by_department = _department_queues(district)
    made_q, made_w = _ensure(
        district,
        CENTRE_QUEUES + by_department,
        _expand(CENTRE_WINDOWS, [code for code, *_rest in by_department]),
    )
    streets = ServicePoint.objects.filter(district=district, level=PointLevel.STREET)
    for street in streets:
        q, w = _ensure(street, STREET_QUEUES, STREET_WINDOWS)
        made_q, made_w = made_q + q, made_w + w
    for community in ServicePoint.objects.filter(district=district, level=PointLevel.COMMUNITY):
        q, w = _ensure(community, COMMUNITY_QUEUES, COMMUNITY_WINDOWS)
        made_q, made_w = made_q + q, made_w + w
    slots = _open_slots(district)
    share = window_share(point=district)
    if stdout is not None:
        stdout.write(
            f"queueing: {made_q} queues and {made_w} windows created; self-service windows at "
            f"{district.name}: {share['self_service_share']:.0%} (kiosk /points/{district.code}/kiosk/, "
            f"board /points/{district.code}/board/); {slots} appointment slots opened "
            f"(/points/{district.code}/book/)\n"
        )
    return {"queues": made_q, "windows": made_w, "self_service_share": share["self_service_share"]}
