"""What a figure is computed over: one ``Scope`` object instead of the same seven arguments in
every signature. Periods are half-open ``[since, until)`` aware datetimes at Asia/Shanghai
midnights (``period_bounds`` turns the inclusive local dates a page or the API receives into
them); every filter is optional and looked up inside ``district`` only (``scope_resolve``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from onetrip.catalogue.models import Department, Matter, PointLevel, ServicePoint
from onetrip.clock import SHANGHAI, local_midnight
from onetrip.people.models import Agency
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User

KINDS = ("person", "company")


@dataclass(frozen=True, kw_only=True)
class Scope:
    """A district, a period and the cuts of the dashboard (each None: no filter)."""

    district: ServicePoint
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    point: ServicePoint | None = None
    department: Department | None = None
    matter: Matter | None = None
    agency: Agency | None = None
    #: "person" or "company" (cases and ratings; tickets have no applicant kind)
    kind: str | None = None
    #: a case channel (``cases.models.Channel``; cases and ratings only)
    channel: str | None = None

    def but(self, **changes: Any) -> Scope:
        return replace(self, **changes)

    @property
    def first_day(self) -> dt.date | None:
        return None if self.since is None else self.since.astimezone(SHANGHAI).date()

    @property
    def last_day(self) -> dt.date | None:
        """The last local day inside the period (``until`` is exclusive)."""
        if self.until is None:
            return None
        return (self.until.astimezone(SHANGHAI) - dt.timedelta(microseconds=1)).date()

    @property
    def whole_days(self) -> bool:
        """Both ends fall on local midnights, so the daily roll-ups answer exactly."""
        return all(
            t is None or t.astimezone(SHANGHAI).timetz().replace(tzinfo=None) == dt.time(0)
            for t in (self.since, self.until)
        )

    def filters(self) -> dict[str, Any]:
        return {
            "point": self.point.code if self.point else None,
            "department": self.department.code if self.department else None,
            "matter": self.matter.code if self.matter else None,
            "agency": self.agency.pk if self.agency else None,
            "kind": self.kind,
            "channel": self.channel,
        }


def monday_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (the weeks of the trend and the weekly roll-ups)."""
    return day - dt.timedelta(days=day.weekday())


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_bounds(
    *, since: dt.date | None, until: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive local dates → half-open aware datetimes (Asia/Shanghai midnights)."""
    return (
        local_midnight(since) if since else None,
        local_midnight(until + dt.timedelta(days=1)) if until else None,
    )


def scope_resolve(
    *,
    district: ServicePoint,
    since: dt.date | None = None,
    until: dt.date | None = None,
    point: str | None = None,
    department: str | None = None,
    matter: str | None = None,
    agency: int | str | None = None,
    kind: str | None = None,
    channel: str | None = None,
) -> Scope:
    """Inclusive local dates and codes (agency: id) → a Scope; each code is looked up inside
    ``district`` only, and an unknown one is a 404 (``NotFound`` with the field named)."""
    from django.utils.translation import gettext as _

    from onetrip.cases.models import Channel
    from onetrip.errors import NotFound, ValidationFailed

    out: dict[str, Any] = {}
    lookups = (
        ("point", point, ServicePoint.objects.filter(district=district), "code"),
        ("department", department, Department.objects.filter(district=district), "code"),
        ("matter", matter, Matter.objects.filter(district=district), "code"),
        ("agency", agency, Agency.objects.filter(district=district), "pk"),
    )
    for name, value, qs, field in lookups:
        if value in (None, ""):
            continue
        if field == "pk" and not str(value).isdigit():
            found = None
        else:
            found = qs.filter(**{field: value}).first()
        if found is None:
            raise NotFound(
                _("本区县没有“%(value)s”。") % {"value": value},
                code=f"{name}_not_found",
                fields={name: [_("不存在")]},
            )
        out[name] = found
    if kind and kind not in KINDS:
        raise ValidationFailed(
            _("申请人类型须为 person 或 company。"),
            code="bad_kind",
            fields={"kind": [_("无效")]},
        )
    if channel and channel not in Channel.values:
        raise ValidationFailed(
            _("没有这个受理渠道。"), code="bad_channel", fields={"channel": [_("无效")]}
        )
    start, end = period_bounds(since=since, until=until)
    return Scope(
        district=district,
        since=start,
        until=end,
        kind=kind or None,
        channel=channel or None,
        **out,
    )


def district_for_user(
    *, user: User | AnonymousUser | None, code: str | None = None
) -> ServicePoint:
    """The district a manager may read figures for: their own; administrators name any."""
    from django.utils.translation import gettext as _

    from onetrip.access import require_role
    from onetrip.errors import Forbidden, NotFound

    user = require_role(user, Role.MANAGER, Role.ADMIN)
    own = user.point.district if user.point is not None else None
    admin = user.is_superuser or user.has_role(Role.ADMIN)
    if code:
        district = ServicePoint.objects.filter(code=code, level=PointLevel.DISTRICT).first()
        if district is None:
            raise NotFound(_("没有编码为“%(code)s”的区县。") % {"code": code}, code="not_found")
        if not admin and (own is None or own.pk != district.pk):
            raise Forbidden(_("只能查看本区县的数据。"), code="district_out_of_scope")
        return district
    if own is not None:
        return own
    district = ServicePoint.objects.filter(level=PointLevel.DISTRICT).order_by("code").first()
    if district is None or not admin:
        raise NotFound(_("请指定区县。"), code="district_required")
    return district
