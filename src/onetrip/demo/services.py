"""Writes for the sample district (上城区): ``demo_load`` and the extension registry.

``demo_load`` is idempotent: every row is looked up by its natural key (code, username, ID
number, credit code) before it is created, and the catalogue import itself changes nothing when
the file has not changed. Running it twice leaves the database exactly as after the first run.

The sample data of the other apps (queues and windows in ``demo.queues``, shared certificates in
``demo.shared``, a season of case history in ``demo.history``, the "3+X" community complexes in
``demo.community``) lives here in ``demo``, the one app
that may import every other: each module registers an extension (``onetrip.demo.registry``) and
``demo_load`` calls the registered extensions in order.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from onetrip.audit.services import audit_record
from onetrip.clock import local_today
from onetrip.demo import people_data as pd
from onetrip.demo.files import CATALOGUE_YAML, catalogue_files_build
from onetrip.demo.registry import demo_extensions_ordered
from onetrip.roles import Role

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "DEMO_PASSWORD",
    "demo_load",
    "demo_logins",
    "provisional_years_ensure",
]

DEMO_PASSWORD = pd.DEMO_PASSWORD
DISTRICT_CODE = "sc"
PROVISIONAL_SOURCE = "demo-provisional"
PROVISIONAL_NOTE = "演示用临时安排（非官方，仅周末休息）"


def _say(stdout: SupportsWrite[str] | None, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")


# --------------------------------------------------------------------------- people


@functools.cache
def _demo_password_hash() -> str:
    """One PBKDF2 hash shared by every demo account (~1 s of CPU each otherwise)."""
    return make_password(DEMO_PASSWORD)


def _user_ensure(spec: pd.StaffSpec | None = None, **kw: Any):
    """Create a demo user unless its username exists; return (user, created)."""
    from onetrip.catalogue.models import Department, ServicePoint
    from onetrip.people.models import User

    username = spec.username if spec else kw["username"]
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    fields: dict[str, Any] = {"display_name": spec.display_name if spec else kw["display_name"]}
    roles = spec.roles if spec else kw.get("roles", ())
    if spec:
        fields["point"] = ServicePoint.objects.get(code=spec.point)
        if spec.department:
            fields["department"] = Department.objects.get(
                district=fields["point"].district, code=spec.department
            )
    for key in ("point", "agency", "phone"):
        if key in kw:
            fields[key] = kw[key]
    superuser = bool(spec and spec.superuser)
    user = User(username=username, is_staff=superuser, is_superuser=superuser, **fields)
    user.password = _demo_password_hash()
    user.save()
    user.groups.add(*Group.objects.filter(name__in=roles))
    audit_record(user, "demo_create", actor=None, to_state="active", note=",".join(roles))
    return user, True


def _people_load(*, district, counts: dict[str, int]) -> None:
    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import Agency, Applicant, Company
    from onetrip.people.services import agency_register, applicant_register, company_register

    def bump(key: str, created: bool) -> None:
        if created:
            counts[key] = counts.get(key, 0) + 1

    from onetrip.signin.services import totp_device_preenrol

    for spec in pd.STAFF:
        user, created = _user_ensure(spec)
        bump("users", created)
        if spec.superuser or {Role.MANAGER, Role.ADMIN} & set(spec.roles):
            # the second factor these roles need, with the demo's shown key
            totp_device_preenrol(user=user, key=pd.DEMO_TOTP_KEY)

    hubin = ServicePoint.objects.get(code="sc-hubin-dongpo")
    for p in pd.PEOPLE:
        number = pd.ric_make(region=p.region, birth=p.birth, seq=p.seq, female=p.female)
        applicant, created = _found_or_registered(
            Applicant.objects.filter(id_number=number),
            functools.partial(
                applicant_register, name=p.name, id_number=number, phone=p.phone, address=p.address
            ),
        )
        bump("applicants", created)
        if p.username:
            user, created = _user_ensure(
                username=p.username,
                display_name=p.name,
                roles=(Role.APPLICANT,),
                phone=p.phone,
                point=hubin,
            )
            bump("users", created)
            if applicant.user_id is None:
                Applicant.objects.filter(pk=applicant.pk).update(user=user)

    companies: dict[str, Any] = {}
    for c in pd.COMPANIES:
        company, created = _org_ensure(c, Company, company_register, legal_representative=c.contact)
        bump("companies", created)
        companies[c.name] = company
        if c.username:
            user, created = _user_ensure(
                username=c.username, display_name=c.name, roles=(Role.APPLICANT,), phone=c.phone
            )
            bump("users", created)
            if not company.users.filter(pk=user.pk).exists():
                company.users.add(user)

    for a in pd.AGENCIES:
        agency, created = _org_ensure(
            a, Agency, agency_register, district=district, contact_name=a.contact
        )
        bump("agencies", created)
        wanted = [companies[name].pk for name in a.clients]
        have = set(agency.clients.values_list("pk", flat=True))
        if set(wanted) - have:
            agency.clients.add(*[pk for pk in wanted if pk not in have])
        _authorisations_ensure(agency=agency, company_ids=wanted)
        _user, created = _user_ensure(
            username=a.agent_username,
            display_name=a.agent_name,
            roles=(Role.AGENT,),
            agency=agency,
            point=district,
        )
        bump("users", created)


def _org_ensure(spec: pd.OrgSpec, model: Any, register: Any, **extra: Any) -> tuple[Any, bool]:
    """The company or agency of ``spec`` found by its credit code, else registered with it;
    and whether it is new. ``extra``: what only this kind of organisation is registered with."""
    code = pd.uscc_make(seq=spec.seq)
    return _found_or_registered(
        model.objects.filter(credit_code=code),
        functools.partial(
            register,
            name=spec.name,
            credit_code=code,
            phone=spec.phone,
            address=spec.address,
            **extra,
        ),
    )


def _found_or_registered(existing: Any, register: Any) -> tuple[Any, bool]:
    """The first row of ``existing`` (its number is on file), else ``register()``'s new one;
    and whether it is new."""
    found = existing.first()
    return (found, False) if found is not None else (register(), True)


def _authorisations_ensure(*, agency, company_ids: list[int]) -> None:
    """Each client's authorisation letter for its agency: one year from a month ago."""

    from onetrip.agencies.models import Authorisation

    today = local_today()
    have = set(
        Authorisation.objects.filter(
            agency=agency, company_id__in=company_ids, valid_until__gte=today
        ).values_list("company_id", flat=True)
    )
    letters_write(
        agency_id=agency.pk,
        company_ids=[pk for pk in company_ids if pk not in have],
        valid_from=today - dt.timedelta(days=30),
        valid_until=today + dt.timedelta(days=335),
    )


def letters_write(
    *, agency_id: int, company_ids: list[int], valid_from: dt.date, valid_until: dt.date
) -> None:
    """The demo's authorisation letters (委托书) of these companies for one agency, numbered
    ``WT-<agency>-<company>``: the one way the demo data and its history write them."""
    from onetrip.agencies.models import Authorisation

    Authorisation.objects.bulk_create(
        Authorisation(
            agency_id=agency_id,
            company_id=pk,
            reference=f"WT-{agency_id:03d}-{pk:04d}",
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for pk in company_ids
    )


def _delegations_ensure(*, district, counts: dict[str, int]) -> None:
    """Each community social worker may decide the instant matters a community accepts on the
    spot (the senior citizen card issued in one short visit), granted by the manager."""
    from onetrip.cases.models import Delegation
    from onetrip.catalogue.models import Matter
    from onetrip.people.models import User

    manager = User.objects.filter(username="manager").first()
    matters = list(
        Matter.objects.filter(
            district=district, kind="instant", level_community=True, is_active=True
        )
    )
    workers = User.objects.filter(
        groups__name=Role.SOCIAL_WORKER, point__district=district, point__level="community"
    )
    have = set(
        Delegation.objects.filter(revoked_at__isnull=True).values_list("user_id", "matter_id")
    )
    rows = [
        Delegation(user=u, matter=m, granted_by=manager, note="民政局即办件授权（演示）")
        for u in workers
        for m in matters
        if (u.pk, m.pk) not in have
    ]
    Delegation.objects.bulk_create(rows)
    if rows:
        counts["delegations"] = counts.get("delegations", 0) + len(rows)


# --------------------------------------------------------------------------- calendar


def provisional_years_ensure(
    *, today: dt.date, stdout: SupportsWrite[str] | None = None
) -> list[int]:
    """Give the demo database a weekends-only stand-in for next year when none is published.

    Only ``onetrip demo`` calls this. The year is marked ``source="demo-provisional"`` and the
    note says it is not official; a real deployment must import the State Council schedule.
    Returns the years added now.
    """
    from onetrip.workdays.models import ScheduleYear

    # Written directly: workdays' schedule_import rightly refuses a year without holidays, and
    # a stand-in with no holidays is exactly what this is. No DayException rows: weekends only.
    added = []
    for year in (today.year, today.year + 1):
        if not ScheduleYear.objects.filter(year=year).exists():
            ScheduleYear.objects.create(year=year, source=PROVISIONAL_SOURCE, note=PROVISIONAL_NOTE)
            audit_record(
                ("workdays.schedule", year),
                "schedule_provisional",
                actor=None,
                to_state=PROVISIONAL_SOURCE,
                note=PROVISIONAL_NOTE,
            )
            added.append(year)
    for sy in ScheduleYear.objects.filter(source=PROVISIONAL_SOURCE).order_by("year"):
        _say(
            stdout,
            f"!! WARNING: {sy.year} 年没有官方节假日安排（chinese-calendar 只到 2026 年）。"
            f"演示库使用“{PROVISIONAL_NOTE}”，来源 {PROVISIONAL_SOURCE}。"
            f"\n!! NOT OFFICIAL: working-day deadlines in {sy.year} ignore holidays. "
            f"Import the published schedule (onetrip workdays_import FILE) before real use.",
        )
    return added


# --------------------------------------------------------------------------- load


@transaction.atomic
def _base_load(
    *, catalogue_path: Path, stdout: SupportsWrite[str] | None, today: dt.date
) -> dict[str, Any]:
    from onetrip.catalogue.interchange import catalogue_import
    from onetrip.catalogue.models import ServicePoint

    report = catalogue_import(path=catalogue_path)
    district = ServicePoint.objects.get(code=DISTRICT_CODE)
    counts: dict[str, int] = {}
    _people_load(district=district, counts=counts)
    _delegations_ensure(district=district, counts=counts)
    years = provisional_years_ensure(today=today, stdout=stdout)
    return {
        "district": district,
        "catalogue": report.as_dict() if hasattr(report, "as_dict") else report,
        "created": counts,
        "provisional_years": years,
    }


def demo_load(
    *,
    stdout: SupportsWrite[str] | None = None,
    today: dt.date | None = None,
    extensions: bool = True,
) -> dict[str, Any]:
    """Load the sample district (catalogue, people, calendar stand-in), then the extensions.

    Idempotent. Returns a summary: the catalogue import report, rows created per kind, the
    provisional calendar years added, and each extension's result (or error).
    """
    today = today or local_today()
    with tempfile.TemporaryDirectory(prefix="onetrip-demo-") as tmp:
        built = catalogue_files_build(dest=Path(tmp), source=CATALOGUE_YAML)
        _say(
            stdout,
            f"catalogue: {built['files']} sample/form files ready ({built['rendered']} rendered now)",
        )
        summary = _base_load(
            catalogue_path=Path(tmp) / "catalogue.yaml", stdout=stdout, today=today
        )
    district = summary.pop("district")
    summary["files"] = built
    _say(stdout, f"catalogue import: {summary['catalogue']}")
    _say(stdout, f"created: {summary['created'] or 'nothing (already loaded)'}")

    summary["extensions"] = {}
    summary["extension_errors"] = {}
    if extensions:
        # the demo's own sample data (queues, shared records, the season's history), then any
        # ``<app>/demo.py`` of an app outside the domain layers
        from onetrip.demo import (  # noqa: F401 - they register
            community,
            history,
            queues,
            safety,
            shared,
        )

        autodiscover_modules("demo")
        for ext in demo_extensions_ordered():
            try:
                with transaction.atomic():
                    result = ext.func(district=district, stdout=stdout)
            except Exception as exc:  # noqa: BLE001 - one broken extension must not hide the rest
                summary["extension_errors"][ext.name] = f"{type(exc).__name__}: {exc}"
                _say(stdout, f"!! demo extension {ext.name} FAILED (rolled back):")
                _say(stdout, traceback.format_exc())
                continue
            summary["extensions"][ext.name] = result or {}
            _say(stdout, f"extension {ext.name}: {result or 'done'}")
    return summary


def demo_logins() -> list[dict[str, str]]:
    """One row per demo account: role, username, password, what to try."""
    from onetrip.people.models import Role

    labels = dict(Role.choices)
    rows = []
    for s in pd.STAFF:
        role = s.roles[0]
        rows.append(
            {
                "role": f"{role} {labels.get(role, '')}",
                "username": s.username,
                "password": DEMO_PASSWORD,
                "try": s.try_this,
            }
        )
    rows.append(
        {
            "role": f"applicant {labels['applicant']}",
            "username": "citizen",
            "password": DEMO_PASSWORD,
            "try": "个人办事：查询办事指南、跟踪办件（陈晓雯）",
        }
    )
    rows.append(
        {
            "role": f"applicant {labels['applicant']}",
            "username": "senior",
            "password": DEMO_PASSWORD,
            "try": "老年人优待证（王德明，1956年生）",
        }
    )
    rows.append(
        {
            "role": "company 企业",
            "username": "company",
            "password": DEMO_PASSWORD,
            "try": "企业办事：有限责任公司变更登记（杭州湖滨数字科技有限公司）",
        }
    )
    for a in pd.AGENCIES:
        rows.append(
            {
                "role": f"agent {labels['agent']}",
                "username": a.agent_username,
                "password": DEMO_PASSWORD,
                "try": f"{a.name}：批量代办 {len(a.clients)} 家企业",
            }
        )
    return rows
