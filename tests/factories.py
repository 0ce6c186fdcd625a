"""Small builders for tests. Valid identity numbers are generated with real checksums."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from django.contrib.auth.models import Group

from onetrip.catalogue.models import Department, Material, Matter, PointLevel, ServicePoint
from onetrip.people.models import User

_seq = itertools.count(1)


def ric_number(*, region: str = "330102", birth: str = "19850315", seq: int | None = None) -> str:
    """A resident ID number with a valid GB 11643 check digit."""
    from stdnum.cn.ric import calc_check_digit

    body = f"{region}{birth}{(seq if seq is not None else next(_seq)) % 1000:03d}"
    return body + calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def uscc_number(*, seq: int | None = None) -> str:
    """A unified social credit code with a valid GB 32100 check character."""
    from stdnum.cn.uscc import calc_check_digit

    n = seq if seq is not None else next(_seq)
    body = f"91330102MA{n:07d}"[:17]
    body = body[:10] + "".join("0123456789ABCDEFGHJKLMNPQRTUWXY"[int(c) % 31] for c in body[10:])
    return body + calc_check_digit(body)


def make_user(username: str, *roles: str, password: str = "pass-1234-word", **fields) -> User:
    user = User.objects.create_user(username=username, password=password, **fields)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_point(
    code: str, name: str, level: str, parent: ServicePoint | None = None, **kw
) -> ServicePoint:
    return ServicePoint.objects.create(code=code, name=name, level=level, parent=parent, **kw)


def make_matter(
    district: ServicePoint, department: Department, code: str, name: str, **kw
) -> Matter:
    defaults = dict(
        audience="individual",
        kind="committed",
        legal_limit_days=20,
        promised_limit_days=5,
        visits_needed=1,
        visits_reason="需核验原件",
        result_type="licence",
    )
    defaults.update(kw)
    return Matter.objects.create(
        district=district, department=department, code=code, name=name, **defaults
    )


def make_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.city = make_point("hz", "杭州市", PointLevel.CITY)
    w.district = make_point("sc", "上城区", PointLevel.DISTRICT, w.city)
    w.street = make_point("sc-hubin", "湖滨街道", PointLevel.STREET, w.district)
    w.community = make_point(
        "sc-hubin-dongpo",
        "东坡路社区",
        PointLevel.COMMUNITY,
        w.street,
        opens_at="08:30",
        closes_at="20:00",
        open_weekdays="1234567",
    )
    w.dept = Department.objects.create(district=w.district, code="scjg", name="市场监督管理局")
    w.civil = Department.objects.create(district=w.district, code="mz", name="民政局")
    w.matter = make_matter(w.district, w.dept, "sc-001", "公司设立登记", audience="company")
    Material.objects.create(matter=w.matter, position=1, name="公司登记（备案）申请书")
    Material.objects.create(matter=w.matter, position=2, name="公司章程")
    w.senior_card = make_matter(
        w.district,
        w.civil,
        "sc-002",
        "老年人优待证办理",
        kind="instant",
        promised_limit_days=0,
        level_street=True,
        level_community=True,
        result_type="card",
    )
    Material.objects.create(
        matter=w.senior_card, position=1, name="居民身份证", government_held=True
    )
    # A second district: nothing of it may show up in the first.
    w.other_district = make_point("xh", "西湖区", PointLevel.DISTRICT, w.city)
    w.other_dept = Department.objects.create(
        district=w.other_district, code="scjg", name="西湖市场监管"
    )
    w.other_matter = make_matter(w.other_district, w.other_dept, "xh-001", "西湖公司设立登记")
    w.clerk = make_user("clerk1", "clerk", point=w.district, display_name="窗口甲")
    w.reviewer = make_user("reviewer1", "reviewer", point=w.district, department=w.dept)
    w.manager = make_user("manager1", "manager", point=w.district)
    return w
