"""``case_open``: a case from raw input (the API, the intake page): the matter by its code in
the scope, the applicant by ID number / credit code (registered when new), then ``case_create``
— or, for a window intake on PostgreSQL, the one-statement path (``fastpath``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils.translation import gettext as _

from onetrip.access import authenticated
from onetrip.cases.models import Case, Channel
from onetrip.cases.prepared import intake_read
from onetrip.cases.services.base import _CALENDAR, _now, _shared_calendar, service_transaction
from onetrip.cases.services.create import _check_scope, _creator_role, case_create
from onetrip.cases.services.fastpath import _open_in_one_statement
from onetrip.cases.services.numbering import _next_number
from onetrip.catalogue.models import Matter, ServicePoint
from onetrip.catalogue.rules import kind_require
from onetrip.clock import local_today
from onetrip.errors import DomainError, ValidationFailed
from onetrip.people.models import Applicant, Company
from onetrip.people.services import applicant_resolve, founder_resolve
from onetrip.people.validators import clean_holder_number
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.people.models import User


@_shared_calendar()
def case_open(
    *,
    actor: User,
    matter_code: str,
    applicant_kind: str,
    applicant_number: str,
    applicant_name: str = "",
    applicant_phone: str = "",
    channel: str = Channel.WINDOW,
    point: ServicePoint | None = None,
    district: ServicePoint | None = None,
    ticket=None,
    materials: list[dict[str, Any]] | None = None,
    submit: bool = True,
    accept: bool = False,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    forward: bool = False,
    company_name: str = "",
    agent: User | None = None,
) -> Case:
    """Validate raw input (matter code in the scope, applicant numbers) and open a case.
    Used by the API and the intake page; everything rolls back on any error.

    ``applicant_kind`` (see ``catalogue.rules.ApplicantKind``; the matter's rule set must
    allow it):

    - ``person``: ``applicant_number`` is the resident ID number;
    - ``company``: the credit code of a registered company;
    - ``founder``: a natural person founding a company not registered yet — the founder's ID
      number and name, and ``company_name``; the company is recorded without a credit code
      and the registration's result issues one;
    - ``agent``: an agent applying for a company, with ``agent`` the agency's user at the
      window (or the actor, applying themselves): the company's credit code — or, for a
      company being founded, the founder's ID number, name and ``company_name`` — and the
      agency must hold the company's authorisation (see ``case_create``). This is the
      single-company path agency batches build on.

    The case number comes from one counter row per district and day, which every window of
    the district would otherwise hold locked for the whole intake transaction (the case, its
    materials, events, visit, submission and acceptance): intake would be serialised district
    wide. So a window intake on PostgreSQL, not called inside someone else's transaction, takes
    its number like a database sequence — in its own one-statement transaction, after the
    checks that need no writes (point, matter, the caller's role, the applicant's number, the
    materials list) and just before the intake transaction. Numbers stay unique and never go
    backwards; an intake refused after that point (e.g. materials incomplete at acceptance)
    leaves a gap in the day's numbers. Online and agent applications, SQLite and callers that
    hold a transaction take the number inside the transaction, gap-free."""
    now = _now(now)
    today = today or local_today(now)
    plain = applicant_kind in ("person", "company")
    matter = holder = None
    actor_point_id = getattr(actor, "point_id", None)
    if point is None and channel != Channel.ONLINE and actor_point_id:
        if connection.vendor == "postgresql" and plain:  # point, matter, applicant: one query
            id_number = _checked_id_number(kind=applicant_kind, number=applicant_number)
            point, matter, applicant = intake_read(
                point_id=actor_point_id,
                matter_code=matter_code,
                user=actor,
                id_number=id_number,
                year=today.year,
                calendar=_CALENDAR.get(),
            ) or (None, None, None)
            if id_number:
                holder = (applicant, None)
        else:
            point = (
                ServicePoint.objects.select_related("district").filter(pk=actor_point_id).first()
            )
    scope = point.district if point is not None else district
    if scope is None:
        raise ValidationFailed(
            _("请指定受理网点或区县。"), code="point_required", fields={"point": [_("必填")]}
        )
    if matter is None:
        matter = (
            Matter.objects.select_related("department", "district")
            .filter(district=scope, code=matter_code or "")
            .first()
        )
    if matter is None:
        raise ValidationFailed(
            _("本区县没有事项“%(code)s”。") % {"code": matter_code},
            code="matter_not_found",
            fields={"matter": [_("事项不存在")]},
        )
    kind_require(
        matter=matter,
        applicant_kind=applicant_kind,
    )
    given: dict[int, dict[str, Any]] = {}
    for item in materials or []:
        try:
            given[int(item["material"])] = item
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(
                _("材料项无效。"), code="invalid_material", fields={"materials": [_("无效")]}
            ) from None
    number = None
    if (
        plain
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and channel not in (Channel.ONLINE, Channel.AGENT)
        and point is not None
        and not forward
    ):
        opened = _open_in_one_statement(
            actor=actor,
            matter=matter,
            point=point,
            channel=channel,
            applicant_kind=applicant_kind,
            applicant_number=applicant_number,
            holder=holder,
            ticket=ticket,
            given=given,
            submit=submit,
            accept=accept,
            now=now,
            today=today,
        )
        if opened is not None:
            return opened
        clean_holder_number(kind=applicant_kind, number=applicant_number)
        _check_scope(
            matter=matter,
            point=point,
            channel=channel,
            applicant=object() if applicant_kind == "person" else None,
            company=object() if applicant_kind == "company" else None,
        )
        _creator_role(actor=actor, point=point, applicant=None, company=None, channel=channel)
        # the point's district (scope); autocommit: the lock ends here
        number = _next_number(district=scope, day=today)
    with service_transaction():
        link_user = None
        if channel == Channel.ONLINE and applicant_kind == "person":
            if not Applicant.objects.filter(user=actor).exists():
                link_user = actor
        if applicant_kind == "agent" and agent is None:
            agent = actor
        if applicant_kind == "agent" and not (authenticated(agent) and agent.has_role(Role.AGENT)):
            raise ValidationFailed(
                _("请选择代办的中介代办员。"), code="agent_required", fields={"agent": [_("必填")]}
            )
        company: Company | None
        if applicant_kind == "founder" or (applicant_kind == "agent" and matter.founding):
            applicant, company = (
                None,
                founder_resolve(
                    number=applicant_number,
                    name=applicant_name,
                    company_name=company_name,
                    phone=applicant_phone,
                    actor=actor,
                )[1],
            )
        else:
            applicant, company = applicant_resolve(
                kind="company" if applicant_kind == "agent" else applicant_kind,
                number=applicant_number,
                name=applicant_name,
                phone=applicant_phone,
                actor=actor,
                link_user=link_user,
            )
        return case_create(
            matter=matter,
            actor=actor,
            channel=channel,
            point=point if channel != Channel.ONLINE else matter.district,
            applicant=applicant,
            company=company,
            ticket=ticket,
            materials=given,
            submit=submit,
            accept=accept,
            now=now,
            today=today,
            number=number,
            forward=forward,
            agent=agent if applicant_kind == "agent" else None,
        )


def _checked_id_number(*, kind: str, number: str) -> str:
    """The cleaned ID number of a person applying, or "" (a company, or a number that
    fails its check: the intake reports that later, in its usual order)."""
    if kind != "person":
        return ""
    try:
        return clean_holder_number(kind=kind, number=number)
    except DomainError:
        return ""
