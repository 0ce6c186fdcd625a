"""``GET /api/v1/shared/{holder_number}``: staff look up what government already holds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Router, Schema

from onetrip.access import STAFF_ROLES, require_role
from onetrip.apischema import words
from onetrip.auth import staff_auth
from onetrip.errors import Forbidden
from onetrip.sharing.services import shared_documents_read

router = Router(tags=["sharing"])


class SharedDocumentOut(Schema):
    kind: str
    kind_label: str
    title: str
    number: str
    holder_number: str
    source: str
    source_department: str
    issued_on: dt.date
    valid_until: dt.date | None


class SharedListOut(Schema):
    holder_number: str
    purpose: str
    count: int
    documents: list[SharedDocumentOut]


def staff_district(user):
    """The district a staff user works in; superusers without a point see every district."""
    point = getattr(user, "point", None)
    if point is not None:
        return point.district or point
    if user.is_superuser:
        return None
    raise Forbidden(_("您的账号未分配网点，无法读取共享数据。"), code="no_point")


#: Why the record is read (logged with the read): something other than white space.
Purpose = Annotated[str, words(1, 200)]


@router.get(
    "/shared/{holder_number}",
    response=SharedListOut,
    auth=staff_auth,
    summary="Shared records the government holds for a person or company (read is logged)",
)
def shared_for_holder(
    request,
    holder_number: str,
    purpose: Purpose,
    kind: str | None = None,
    case: str = "",
):
    require_role(request.user, *STAFF_ROLES)
    district = staff_district(request.user)
    records = shared_documents_read(
        holder_number=holder_number,
        reader=request.user,
        purpose=purpose,
        kinds=[k for k in kind.split(",") if k] if kind else None,
        district=district,
        case_ref=case,
    )
    return {
        "holder_number": holder_number.strip().upper(),
        "purpose": purpose.strip(),
        "count": len(records),
        "documents": [
            {
                "kind": r.kind,
                "kind_label": r.kind_label,
                "title": r.title,
                "number": r.number,
                "holder_number": r.holder_number,
                "source": getattr(r, "source", "local"),
                "source_department": str(r.source_department),
                "issued_on": r.issued_on,
                "valid_until": r.valid_until,
            }
            for r in records
        ],
    }
