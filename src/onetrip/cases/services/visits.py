"""In-person visits: ``case.visit_count`` is kept equal to the visits recorded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.cases.models import Case, Visit, VisitKind
from onetrip.cases.services.base import _now, service
from onetrip.catalogue.models import ServicePoint
from onetrip.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User


@service(calendar=False)
def visit_record(
    *,
    case: Case,
    kind: str,
    actor: User,
    point: ServicePoint | None = None,
    ticket=None,
    at: dt.datetime | None = None,
) -> Visit:
    """Record one in-person visit; ``case.visit_count`` is kept equal to the visits recorded."""
    if kind not in VisitKind.values:
        raise ValidationFailed(_("到场类型无效。"), code="invalid_visit_kind")
    if ticket is not None and Visit.objects.filter(case=case, ticket=ticket).exists():
        raise Conflict(_("该号票的到场已记录。"), code="visit_exists")
    visit = Visit.objects.create(
        case=case,
        kind=kind,
        at=_now(at),
        point=point or case.point,
        ticket=ticket,
        recorded_by=signed_in(actor),
    )
    table = Case._meta.db_table
    with connection.cursor() as cur:  # count and read back in one statement
        cur.execute(
            f"UPDATE {table} SET visit_count = visit_count + 1 WHERE id = %s RETURNING visit_count",
            [case.pk],
        )
        case.visit_count = int(cur.fetchone()[0])
    return visit
