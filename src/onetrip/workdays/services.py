"""Writes to the working-day calendar: importing a year's official holiday schedule.

The State Council publishes next year's schedule each autumn/winter; an administrator enters it
here (admin inline, or ``workdays_import FILE.yaml``). Import is all-or-nothing and audited.

File format::

    year: 2027
    source: 国办发明电〔2026〕X号      # optional
    published_at: 2026-11-01           # optional
    note: …                            # optional
    holidays:                          # days off; weekday entries are what matters
      - {date: 2027-01-01, name: 元旦}
    workdays:                          # shifted working weekends (调休上班)
      - {date: 2027-02-06, name: 春节调休上班}
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, ValidationFailed
from onetrip.workdays.models import DayException, ScheduleYear

ALLOWED_KEYS = {"year", "source", "published_at", "note", "holidays", "workdays"}
ENTRY_KEYS = {"date", "name"}
MIN_YEAR, MAX_YEAR = 2000, 2100


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_weekend(day: dt.date) -> bool:
    return day.isoweekday() >= 6


def schedule_validate(*, data: Any) -> dict[str, Any]:
    """Check a schedule document; return it cleaned or raise ValidationFailed listing every
    problem at once (field -> messages)."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not isinstance(data, dict):
        raise ValidationFailed(_("文件内容必须是一个包含 year、holidays、workdays 的映射。"))
    unknown = sorted(set(map(str, data)) - ALLOWED_KEYS)
    if unknown:
        err("_", _("未知的字段：%(keys)s。") % {"keys": "、".join(unknown)})
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        err("year", _("year 必须是 %(lo)s–%(hi)s 之间的年份。") % {"lo": MIN_YEAR, "hi": MAX_YEAR})
        year = None
    published_at = data.get("published_at")
    if published_at not in (None, "") and _as_date(published_at) is None:
        err("published_at", _("published_at 不是有效日期（应为 YYYY-MM-DD）。"))

    seen: dict[dt.date, str] = {}
    cleaned: dict[str, list[tuple[dt.date, str]]] = {"holidays": [], "workdays": []}
    for kind in ("holidays", "workdays"):
        entries = data.get(kind, [])
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            err(kind, _("%(kind)s 必须是列表。") % {"kind": kind})
            continue
        for i, entry in enumerate(entries):
            key = f"{kind}[{i}]"
            if not isinstance(entry, dict):
                err(key, _("每一项必须包含 date 和 name。"))
                continue
            extra = sorted(set(map(str, entry)) - ENTRY_KEYS)
            if extra:
                err(key, _("未知的字段：%(keys)s。") % {"keys": "、".join(extra)})
            day = _as_date(entry.get("date"))
            name = str(entry.get("name") or "").strip()
            if day is None:
                err(
                    key,
                    _("日期无效：%(value)s（应为 YYYY-MM-DD）。") % {"value": entry.get("date")},
                )
                continue
            if len(name) > 60:
                err(key, _("名称不能超过 60 个字。"))
            if year is not None and day.year != year:
                err(key, _("%(day)s 不在 %(year)s 年内。") % {"day": day, "year": year})
            if day in seen:
                if seen[day] == kind:
                    err(key, _("%(day)s 重复出现。") % {"day": day})
                else:
                    err(key, _("%(day)s 不能既是节假日又是调休上班日。") % {"day": day})
                continue
            seen[day] = kind
            if kind == "workdays" and not _is_weekend(day):
                err(
                    key,
                    _("%(day)s 是周一至周五，本来就是工作日，不能登记为调休上班日。")
                    % {"day": day},
                )
            cleaned[kind].append((day, name))

    # A holiday on a plain weekend changes nothing; it is accepted only as part of a holiday
    # period (next to another holiday, directly or across the weekend).
    holidays = {d for d, _n in cleaned["holidays"]}
    for i, (day, _name) in enumerate(cleaned["holidays"]):
        if not _is_weekend(day):
            continue
        # Walk outwards over the weekend block (Sat+Sun) and look at the days beside it.
        lo = day - dt.timedelta(days=day.isoweekday() - 6)
        hi = lo + dt.timedelta(days=1)
        beside = {lo - dt.timedelta(days=1), hi + dt.timedelta(days=1)}
        if not beside & holidays:
            err(
                f"holidays[{i}]",
                _("%(day)s 是普通周末，本来就休息；只有作为连续假期的一部分时才可登记为节假日。")
                % {"day": day},
            )
    if year is not None and not any(not _is_weekend(d) for d in holidays):
        err("holidays", _("一年的安排至少应有一个工作日放假的节假日（例如元旦）。"))
    if errors:
        raise ValidationFailed(_("节假日安排有误，未做任何修改。"), fields=errors)
    return {
        "year": year,
        "source": str(data.get("source") or _("国务院办公厅通知")).strip()[:100],
        "published_at": _as_date(published_at) if published_at else None,
        "note": str(data.get("note") or "").strip()[:200],
        "holidays": sorted(cleaned["holidays"]),
        "workdays": sorted(cleaned["workdays"]),
    }


@transaction.atomic
def schedule_import(
    *, data: Any, actor: AbstractBaseUser | None = None, replace: bool = False
) -> ScheduleYear:
    """Create (or with ``replace`` rewrite) one year's schedule from a parsed document."""
    clean = schedule_validate(data=data)
    year = clean["year"]
    existing = ScheduleYear.objects.select_for_update().filter(year=year).first()
    before: dict[str, Any] = {}
    if existing is not None:
        if not replace:
            raise Conflict(
                _("%(year)s 年的安排已存在（来源：%(source)s）。如需覆盖，请使用替换选项。")
                % {"year": year, "source": existing.source},
                code="schedule_exists",
            )
        before = {"source": existing.source, "days": existing.days.count()}
        existing.days.all().delete()
        schedule = existing
        schedule.source = clean["source"]
        schedule.published_at = clean["published_at"]
        schedule.note = clean["note"]
        schedule.save()
    else:
        schedule = ScheduleYear.objects.create(
            year=year,
            source=clean["source"],
            published_at=clean["published_at"],
            note=clean["note"],
        )
    rows = [
        DayException(schedule=schedule, date=day, is_workday=False, name=name or _("节假日"))
        for day, name in clean["holidays"]
    ] + [
        DayException(schedule=schedule, date=day, is_workday=True, name=name or _("调休上班"))
        for day, name in clean["workdays"]
    ]
    DayException.objects.bulk_create(rows)
    audit_record(
        schedule,
        "schedule_replaced" if existing is not None else "schedule_imported",
        actor=actor,
        note=_("导入 %(year)s 年节假日安排：%(h)s 天节假日，%(w)s 天调休上班。")
        % {"year": year, "h": len(clean["holidays"]), "w": len(clean["workdays"])},
        data={
            "source": schedule.source,
            "holidays": [d.isoformat() for d, _n in clean["holidays"]],
            "workdays": [d.isoformat() for d, _n in clean["workdays"]],
            "before": before,
        },
    )
    return schedule
