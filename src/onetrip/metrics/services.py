"""Writes for metrics: a citizen's satisfaction rating of a finished case."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.cases import states as S
from onetrip.cases.models import Case
from onetrip.cases.selectors import case_roles
from onetrip.errors import Conflict, NotFound, ValidationFailed
from onetrip.metrics.models import Rating

#: a case can be rated once the department has decided it
RATEABLE = (S.State.APPROVED, S.State.REJECTED, S.State.DELIVERED, S.State.CLOSED)
MAX_COMMENT = 500


def _may_rate(*, case: Case, actor: Any, tracking_token: str | None) -> bool:
    if tracking_token is not None:
        return case.token_revoked_at is None and secrets.compare_digest(
            case.tracking_token.encode(), str(tracking_token).encode()
        )
    return S.APPLICANT in case_roles(user=actor, case=case)


@transaction.atomic
def rating_submit(
    *,
    case: Case,
    score: Any,
    comment: str = "",
    actor: Any = None,
    tracking_token: str | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """Record the applicant's rating (1–5) of a decided case: one per case, only by the case's
    applicant (signed in) or the bearer of its live tracking token."""
    now = now or timezone.now()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("applicant", "company", "point")
        .get(pk=case.pk)
    )
    if not _may_rate(case=case, actor=actor, tracking_token=tracking_token):
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(
            _("评分须为1至5分。"), code="invalid_score", fields={"score": [_("须为1至5")]}
        )
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            _("评价内容不能超过%(n)s字。") % {"n": MAX_COMMENT},
            code="comment_too_long",
            fields={"comment": [_("过长")]},
        )
    if case.state not in RATEABLE:
        raise Conflict(_("办件办结后才能评价。"), code="not_rateable")
    if Rating.objects.filter(case=case).exists():
        raise Conflict(_("该办件已评价过。"), code="already_rated")
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            rating = Rating.objects.create(case=case, score=score, comment=comment, at=now, by=user)
    except IntegrityError:
        raise Conflict(_("该办件已评价过。"), code="already_rated") from None
    audit_record(
        actor=user,
        role=S.APPLICANT,
        subject_type="case",
        subject_id=case.number,
        action="rate",
        note=comment[:200],
        point=case.point,
        data={"score": score, "via": "tracking" if tracking_token is not None else "account"},
    )
    return rating
