"""平安365 sample data (``onetrip demo`` extension "safety"): the grid of the sample district,
routing rules and SLAs, the volunteer register at the source's scale, and a month of incidents.

Scale. The source counts 80,000+ volunteers trained in 600+ sessions of the citizens' police
school for the whole of Shangcheng district (then 6 streets and 54 communities). The sample
district has the same 6 streets but one community each, so it gets 6/54 = 1/9 of that:
8,889 volunteers and 67 training sessions (about 133 trainees a session, as in the source).
They are written with ``bulk_create`` (no accounts, no audit events: historical register rows);
two of them have demo logins (``volunteer``, ``mediator``).

The month of incidents goes through the real services (``incident_report``,
``incident_transition``) with historical ``now=``, so routing, SLAs and audit events are what
the platform itself produces.

Idempotent: cells, rules and SLAs are looked up by code/name; the register and the incidents
are written only when the district has none yet.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from onetrip.catalogue.models import Department, PointLevel, ServicePoint
from onetrip.demo.registry import demo_extension
from onetrip.people.models import User
from onetrip.roles import Role

#: community code suffix -> three cells of two roads each
CELLS = {
    "dongpo": [("东坡路", "平海路"), ("长生路", "学士路"), ("仁和路", "邮电路")],
    "qingbojie": [("清波街", "河坊街"), ("南山路", "劳动路"), ("大井巷", "柳翠井巷")],
    "xiaoyingxiang": [("小营巷", "葵巷"), ("菜市桥", "建国中路"), ("直吉祥巷", "马市街")],
    "shangyangshijie": [
        ("上羊市街", "中山南路"),
        ("城隍牌楼巷", "十五奎巷"),
        ("四宜路", "察院前巷"),
    ],
    "jinjiangdongyuan": [("近江东园", "婺江路"), ("秋涛路", "江城路"), ("近江路", "望江路")],
    "mantoushan": [("馒头山路", "中河南路"), ("凤凰山脚路", "梵天寺路"), ("宋城路", "复兴街")],
}
NUMERALS = "一二三"

# name, kind, place (community suffix or ""), day_type, hours, platform, department, urgency, auto
RULES = [
    ("矛盾纠纷归综治（司法所调解）", "dispute", "", "any", (0, 24), "zongzhi", "sfj", "", True),
    ("治安问题归综治（公安）", "order", "", "any", (0, 24), "zongzhi", "gaj", "", True),
    ("夜间安全隐患：综合执法，紧急", "hazard", "", "any", (20, 8), "enforcement", "cg", "urgent",
     True),
    ("休息日安全隐患：综合执法", "hazard", "", "off_day", (0, 24), "enforcement", "cg", "", True),
    ("安全隐患：综合执法", "hazard", "", "any", (0, 24), "enforcement", "cg", "", True),
    ("湖滨商圈环境问题：市场监管", "environment", "hubin", "any", (0, 24), "market", "scjg", "",
     True),
    ("环境问题：综合执法", "environment", "", "any", (0, 24), "enforcement", "cg", "", True),
    ("其他事项：便民服务（建议，值班员研判）", "other", "", "any", (0, 24), "service", "mz", "",
     False),
]  # fmt: skip
SLAS = {
    ("hazard", "critical"): (2, "hours"),
    ("hazard", "urgent"): (12, "hours"),
    ("hazard", "normal"): (3, "workdays"),
    ("dispute", "critical"): (4, "hours"),
    ("dispute", "urgent"): (2, "workdays"),
    ("dispute", "normal"): (5, "workdays"),
    ("order", "critical"): (1, "hours"),
    ("order", "urgent"): (4, "hours"),
    ("order", "normal"): (24, "hours"),
    ("environment", "critical"): (4, "hours"),
    ("environment", "urgent"): (24, "hours"),
    ("environment", "normal"): (3, "workdays"),
    ("other", "critical"): (4, "hours"),
    ("other", "urgent"): (2, "workdays"),
    ("other", "normal"): (5, "workdays"),
}
VOLUNTEERS = 8_889
SESSIONS = 67
ROLE_SHARE = [
    ("informant", 0.35),
    ("patrol", 0.30),
    ("inspector", 0.20),
    ("promoter", 0.15),
    ("guide", 0.12),
    ("mediator", 0.08),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "建国秀英丽华志强海燕晓明桂兰永红伟杰玉梅国庆春兰文斌雪芳宏伟静怡子涵浩然佳琪欣悦俊杰"
COURSES = [
    "防范电信网络诈骗",
    "矛盾纠纷调解实务",
    "消防安全与隐患排查",
    "平安巡防与应急处置",
    "禁毒与反邪教宣传",
    "交通文明劝导",
    "急救与自救互救",
    "社区治安信息报送",
]
INCIDENTS = [  # kind, description, cell index, urgency
    ("hazard", "楼道堆放电动车电瓶充电，存在火灾隐患", 0, "urgent"),
    ("hazard", "人行道井盖松动", 3, "normal"),
    ("hazard", "老旧小区外墙瓷砖脱落", 7, "urgent"),
    ("dispute", "楼上漏水导致楼下天花板受损，双方争执", 1, "normal"),
    ("dispute", "相邻商户因占道经营发生口角", 4, "normal"),
    ("dispute", "物业费收取争议，多户业主到场", 10, "urgent"),
    ("order", "深夜有人在小区门口聚集喧哗", 2, "normal"),
    ("order", "可疑人员多次在楼道徘徊", 12, "urgent"),
    ("environment", "河道漂浮垃圾", 13, "normal"),
    ("environment", "餐饮店油烟直排", 0, "normal"),
    ("environment", "夜间施工噪声扰民", 15, "urgent"),
    ("other", "共享单车乱停放堵塞消防通道口", 16, "normal"),
]


def _cells(district: ServicePoint) -> tuple[list[Any], int]:
    from onetrip.safety.models import GridCell

    created = 0
    cells = []
    grid_user = User.objects.filter(username="grid").first()
    for community in ServicePoint.objects.filter(
        district=district, level=PointLevel.COMMUNITY
    ).order_by("code"):
        suffix = community.code.rsplit("-", 1)[-1]
        roads = CELLS.get(suffix)
        if not roads:
            continue
        lat = community.latitude or district.latitude or Decimal("30.25")
        lon = community.longitude or district.longitude or Decimal("120.17")
        for i, pair in enumerate(roads):
            cell, made = GridCell.objects.get_or_create(
                code=f"{community.code}-{i + 1:02d}",
                defaults={
                    "community": community,
                    "name": f"{NUMERALS[i]}号网格",
                    "roads": ",".join(pair),
                    "latitude": Decimal(lat) + Decimal("0.002") * (i - 1),
                    "longitude": Decimal(lon) + Decimal("0.002") * (i - 1),
                },
            )
            created += made
            if made and grid_user is not None and grid_user.point_id == community.pk:
                cell.workers.add(grid_user)
            cells.append(cell)
    return cells, created


def _rules(district: ServicePoint) -> int:
    from onetrip.safety.models import RoutingRule, SlaPolicy

    departments = {d.code: d for d in Department.objects.filter(district=district)}
    created = 0
    for position, (name, kind, place, day_type, hours, platform, dept, urgency, auto) in enumerate(
        RULES, start=1
    ):
        if (
            dept not in departments
            or RoutingRule.objects.filter(district=district, name=name).exists()
        ):
            continue
        place_point = (
            ServicePoint.objects.filter(code=f"{district.code}-{place}").first() if place else None
        )
        RoutingRule.objects.create(
            district=district,
            position=position * 10,
            name=name,
            kind=kind,
            place=place_point,
            day_type=day_type,
            hour_from=hours[0],
            hour_to=hours[1],
            platform=platform,
            department=departments[dept],
            urgency=urgency,
            auto_dispatch=auto,
        )
        created += 1
    for (kind, urgency), (amount, unit) in SLAS.items():
        _row, made = SlaPolicy.objects.get_or_create(
            district=district,
            kind=kind,
            urgency=urgency,
            defaults={"amount": amount, "unit": unit},
        )
        created += made
    return created


def _register(district: ServicePoint, rng: random.Random) -> dict[str, int]:
    from onetrip.safety.models import (
        TrainingAttendance,
        TrainingSession,
        Volunteer,
        VolunteerRoleGrant,
    )

    if Volunteer.objects.filter(district=district).exists():
        return {}
    communities = list(
        ServicePoint.objects.filter(district=district, level=PointLevel.COMMUNITY).order_by("code")
    )
    start = dt.date(2025, 1, 6)
    volunteers = [
        Volunteer(
            district=district,
            community=communities[n % len(communities)],
            code=f"V-{district.code}-{n + 1:06d}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            joined_on=start + dt.timedelta(days=rng.randrange(600)),
        )
        for n in range(VOLUNTEERS)
    ]
    Volunteer.objects.bulk_create(volunteers, batch_size=2000)
    volunteers = list(Volunteer.objects.filter(district=district).order_by("code"))
    grants: list[VolunteerRoleGrant] = []
    for v in volunteers:
        roles = {r for r, share in ROLE_SHARE if rng.random() < share} or {"informant"}
        grants.extend(VolunteerRoleGrant(volunteer=v, role=r) for r in sorted(roles))
    VolunteerRoleGrant.objects.bulk_create(grants, batch_size=4000)
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                district=district,
                code=f"PS-{district.code}-{n + 1:03d}",
                title=f"市民警校第{n + 1}期：{COURSES[n % len(COURSES)]}",
                held_on=start + dt.timedelta(days=n * 10),
                place=f"{communities[n % len(communities)].name}议事厅",
                hours=Decimal("2.0"),
            )
            for n in range(SESSIONS)
        ]
    )
    sessions = list(TrainingSession.objects.filter(district=district).order_by("code"))
    attendance = [
        TrainingAttendance(session=sessions[i % len(sessions)], volunteer=v, attended=True)
        for i, v in enumerate(volunteers)
    ]
    TrainingAttendance.objects.bulk_create(attendance, batch_size=4000)
    return {
        "volunteers": len(volunteers),
        "role_grants": len(grants),
        "training_sessions": len(sessions),
        "attendance": len(attendance),
    }


def _demo_volunteers(district: ServicePoint, cells: list[Any]) -> None:
    """Tie the ``volunteer`` and ``mediator`` logins to register rows; a patrol shift each."""
    from onetrip.safety.models import PatrolShift, Volunteer, VolunteerRoleGrant

    for username, role, code in (("volunteer", "informant", 1), ("mediator", "mediator", 2)):
        user = User.objects.filter(username=username).first()
        if user is None or Volunteer.objects.filter(user=user).exists():
            continue
        v = Volunteer.objects.filter(
            district=district, code=f"V-{district.code}-{code:06d}"
        ).first()
        if v is None:
            continue
        v.user, v.name = user, user.display_name or v.name
        v.community_id = user.point_id or v.community_id
        v.save(update_fields=["user", "name", "community"])
        VolunteerRoleGrant.objects.get_or_create(volunteer=v, role=role)
        VolunteerRoleGrant.objects.get_or_create(volunteer=v, role="patrol")
        if cells:
            day = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
            for back in (7, 3):
                PatrolShift.objects.create(
                    volunteer=v,
                    cell=cells[0],
                    starts_at=day - dt.timedelta(days=back),
                    ends_at=day - dt.timedelta(days=back) + dt.timedelta(hours=2),
                    done=True,
                )


def _incidents(district: ServicePoint, cells: list[Any], rng: random.Random) -> int:
    """A month of incidents: most closed (some late), a few open, one place that recurs."""
    from onetrip.safety import states as S
    from onetrip.safety.models import Incident, Volunteer
    from onetrip.safety.services import incident_report, incident_transition

    if not cells or Incident.objects.filter(district=district, channel="demo").exists():
        return 0
    grid = User.objects.filter(username="grid").first()
    operator = User.objects.filter(username="operator").first()
    volunteer = Volunteer.objects.filter(user__username="volunteer").first()
    now = timezone.now()
    count = 0
    plan = [
        (dt.timedelta(days=30 - day, hours=rng.randrange(1, 10)), item, False)
        for day in range(0, 30, 3)
        for item in INCIDENTS[day % 4 :: 4]
    ]
    # the recurring hazard in one cell
    plan += [(dt.timedelta(days=d, hours=3), INCIDENTS[0], False) for d in (20, 12, 5)]
    # still open on the board: one about to breach (24 hours for public order), the rest fresh
    plan += [(dt.timedelta(hours=22, minutes=40), INCIDENTS[6], True)]
    plan += [(dt.timedelta(hours=h), INCIDENTS[i], True) for h, i in ((5, 2), (3, 4), (1, 9))]
    for ago, (kind, text, cell_index, urgency), keep_open in plan:
        at = now - ago
        reporter = (volunteer.user if volunteer and count % 3 == 0 else None) or grid
        incident = incident_report(
            district=district,
            actor=reporter,
            kind=kind,
            urgency=urgency,
            description=text,
            cell_code=cells[cell_index % len(cells)].code,
            channel="demo",
            now=at,
        )
        count += 1
        if incident.state == S.State.REPORTED and operator is not None:
            dept = Department.objects.filter(district=district, code="mz").first()
            if dept is None:
                continue
            incident_transition(
                incident=incident,
                action="dispatch",
                actor=operator,
                data={"platform": "service", "department": dept.pk},
                now=at + dt.timedelta(minutes=20),
            )
        if keep_open:
            continue
        incident.refresh_from_db()
        if incident.department_id is None:  # not dispatched (no operator): no one to handle it
            continue
        handler = User.objects.filter(
            department_id=incident.department_id, groups__name=Role.REVIEWER
        ).first()
        if handler is None:
            continue
        handling = dt.timedelta(hours=rng.choice([2, 5, 20, 40, 90]))
        t = at + dt.timedelta(minutes=30)
        incident_transition(incident=incident, action="accept", actor=handler, now=t)
        if incident.kind == "dispute":
            incident_transition(
                incident=incident,
                action="mediate",
                actor=handler,
                data={
                    "parties": "当事人甲\n当事人乙",
                    "mediator_name": "社区调解员",
                    "agreement": "双方自愿达成调解协议，按约履行",
                },
                now=t + handling / 2,
            )
        incident_transition(
            incident=incident,
            action="close",
            actor=handler,
            note="已现场处置完毕",
            now=t + handling,
        )
        if incident.volunteer_id and count % 2 == 0:  # the volunteer confirms some of theirs
            incident_transition(
                incident=incident,
                action="confirm",
                actor=incident.reporter,
                now=t + handling + dt.timedelta(hours=2),
            )
    return count


@demo_extension(name="safety", order=60)
def load_safety(*, district: ServicePoint, stdout: Any = None, **_: Any) -> dict[str, Any]:
    rng = random.Random(365)
    from onetrip.safety.models import DistrictBounds

    _bounds, bounds_made = DistrictBounds.objects.get_or_create(
        district=district,
        defaults={
            "south": Decimal("30.200000"),
            "north": Decimal("30.300000"),
            "west": Decimal("120.130000"),
            "east": Decimal("120.230000"),
        },
    )
    cells, cells_made = _cells(district)
    rules_made = _rules(district)
    register = _register(district, rng)
    _demo_volunteers(district, cells)
    incidents = _incidents(district, cells, rng)
    return {
        "bounds": int(bounds_made),
        "cells": cells_made,
        "rules_and_slas": rules_made,
        **register,
        "incidents": incidents,
    }
