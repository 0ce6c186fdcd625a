"""The generated people of the demo history: staff of the district by role, and applicants
and companies with valid check digits."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from onetrip.catalogue.models import ServicePoint
from onetrip.roles import Role

SH = ZoneInfo("Asia/Shanghai")
MARKER = "demo.history"
LAST_DAY = dt.date(2026, 11, 27)  # deadlines of the last cases still fall within 2026

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = [
    "建国",
    "秀兰",
    "志强",
    "丽华",
    "海燕",
    "子涵",
    "宇航",
    "雨桐",
    "国平",
    "春梅",
    "晓东",
    "静怡",
    "明轩",
    "佳琪",
    "文博",
    "玉珍",
]
TRADES = [
    ("西湖", "茶业"),
    ("钱塘", "文化传播"),
    ("吴山", "餐饮"),
    ("凤起", "科技"),
    ("庆春", "商贸"),
    ("南山", "设计"),
    ("延安", "咨询"),
    ("平海", "健康管理"),
    ("解放", "教育科技"),
    ("建国", "物业服务"),
    ("望江", "装饰工程"),
    ("清泰", "电子商务"),
]


def _staff(district: ServicePoint) -> dict[str, Any]:
    from onetrip.people.models import User

    users = (
        User.objects.filter(is_active=True, point__district=district)
        .prefetch_related("groups")
        .select_related("point", "agency")
        .order_by("id")
    )
    out: dict[str, Any] = {
        "front": {},
        "reviewer": {},
        "manager": None,
        "guide": None,
        "agents": [],
    }
    for u in users:
        roles = {g.name for g in u.groups.all()}
        if roles & {Role.CLERK, Role.SOCIAL_WORKER} and u.point_id not in out["front"]:
            out["front"][u.point_id] = u
        if Role.REVIEWER in roles and u.department_id and u.department_id not in out["reviewer"]:
            out["reviewer"][u.department_id] = u
        if Role.MANAGER in roles and out["manager"] is None and u.point_id == district.pk:
            out["manager"] = u
        if Role.GUIDE in roles and out["guide"] is None:
            out["guide"] = u
    out["agents"] = list(
        User.objects.filter(
            is_active=True, groups__name=Role.AGENT, agency__district=district
        ).select_related("agency")
    )
    return out


def _holders(district: ServicePoint, rng: random.Random, *, people: int, companies: int):
    """Generated applicants and companies for the history (no phones; accounts that cannot
    sign in, so online applications are made by the holders themselves)."""
    from onetrip.demo.people_data import ric_make, uscc_make
    from onetrip.people.models import Applicant, Company, User
    from onetrip.people.services import applicant_register, company_register

    group = Group.objects.get(name=Role.APPLICANT)
    code = district.code

    def account(name: str, suffix: str):
        user, created = User.objects.get_or_create(
            username=f"history-{code}-{suffix}", defaults={"display_name": name}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
        return user

    persons = []
    for i in range(people):
        name = FAMILY[i % len(FAMILY)] + GIVEN[(i * 7) % len(GIVEN)]
        # region 330102 numbers exist from 1983 on (stdnum checks the region at the birth date)
        birth = dt.date(1984, 1, 1) + dt.timedelta(days=157 * i + 11)
        number = ric_make(
            region="330102", birth=birth.strftime("%Y%m%d"), seq=300 + i, female=i % 2 == 0
        )
        found = Applicant.objects.filter(id_number=number).first()
        if found is None:
            found = applicant_register(name=name, id_number=number, user=account(name, f"p{i:03d}"))
        persons.append(found)
    firms = []
    for i in range(companies):
        place, trade = TRADES[i % len(TRADES)]
        name = f"杭州{('', '新', '大', '金')[i // len(TRADES) % 4]}{place}{trade}有限公司"
        number = uscc_make(seq=700 + i)
        firm = Company.objects.filter(credit_code=number).first()
        if firm is None:
            firm = company_register(name=name, credit_code=number, legal_representative="")
            firm.users.add(account(name, f"c{i:03d}"))
        firms.append(firm)
    return persons, firms


# -- tickets ---------------------------------------------------------------------------------
