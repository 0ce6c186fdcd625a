"""Writes of door-to-door service: request, schedule, accept at the door, deliver home.
One transaction each; nothing written on bad input."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import uuid
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import is_district_manager
from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed, required_text
from onetrip.homevisits.models import HomeVisit, HomeVisitPhoto, HomeVisitReason, HomeVisitState
from onetrip.roles import Role
from onetrip.uploads import PNG, Refusal, UploadLimits, checked_files

if TYPE_CHECKING:
    from onetrip.catalogue.models import Matter, ServicePoint
    from onetrip.people.models import Applicant, Company, User

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 10
MAX_SIGNATURE_BYTES = 300 * 1024
PHOTO_LIMITS = UploadLimits(max_count=MAX_PHOTOS, max_bytes=MAX_PHOTO_BYTES, required=True)


def _audit(visit: HomeVisit, actor: User, action: str, before: str, after: str, note: str = ""):
    audit_record(
        visit, f"home_visit.{action}", actor=actor, from_state=before, to_state=after, note=note
    )


def worker_role(visit: HomeVisit) -> Role:
    """Residents are served by social workers, companies by service specialists."""
    return Role.SPECIALIST if visit.company_id else Role.SOCIAL_WORKER


@transaction.atomic
def home_visit_request(
    *,
    actor: User,
    matter: Matter,
    address: str,
    phone: str,
    reason: str,
    applicant: Applicant | None = None,
    company: Company | None = None,
    note: str = "",
    point: ServicePoint | None = None,
) -> HomeVisit:
    """Ask for a visit: the resident or the company itself, or a social worker, specialist or
    manager on their behalf. The matter must offer door-to-door service."""
    from onetrip.people.validators import clean_phone

    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if (applicant is None) == (company is None):
        raise ValidationFailed(_("请指定申请人（个人或企业）。"), code="applicant_required")
    own = (applicant is not None and applicant.user_id == actor.pk) or (
        company is not None and company.users.filter(pk=actor.pk).exists()
    )
    staff = actor.has_role(Role.SOCIAL_WORKER, Role.SPECIALIST, Role.MANAGER) and actor.point_id
    if not (own or staff):
        raise Forbidden(_("您无权为该申请人申请上门服务。"), code="forbidden")
    if not (matter.is_active and matter.channel_door):
        raise ValidationFailed(
            _("“%(m)s”不提供上门服务。") % {"m": matter.name}, code="door_not_offered"
        )
    if matter.audience == "individual" and company is not None:
        raise ValidationFailed(_("该事项仅面向个人办理。"), code="audience_mismatch")
    if matter.audience == "company" and applicant is not None:
        raise ValidationFailed(_("该事项仅面向企业办理。"), code="audience_mismatch")
    if reason not in HomeVisitReason.values:
        raise ValidationFailed(
            _("请选择上门原因。"), code="invalid_reason", fields={"reason": [""]}
        )
    address = required_text(
        address, _("请填写上门地址。"), code="address_required", field="address"
    )
    phone = clean_phone(phone)
    if point is not None and point.district_id != matter.district_id:
        raise ValidationFailed(_("服务网点不属于本区县。"), code="out_of_scope")
    if (
        point is None
        and staff
        and actor.point is not None
        and actor.point.district_id == matter.district_id
    ):
        point = actor.point
    visit = HomeVisit.objects.create(
        district_id=matter.district_id,
        point=point,
        matter=matter,
        applicant=applicant,
        company=company,
        reason=reason,
        address=address[:200],
        phone=phone,
        note=(note or "")[:300],
        requested_by=actor,
    )
    _audit(visit, actor, "request", "", HomeVisitState.REQUESTED)
    return visit


def _locked(visit: HomeVisit) -> HomeVisit:
    return (
        HomeVisit.objects.select_for_update(of=("self",))
        .select_related("matter", "applicant", "company")
        .get(pk=visit.pk)
    )


@transaction.atomic
def home_visit_schedule(
    *, visit: HomeVisit, actor: User, assignee: User, when: dt.datetime
) -> HomeVisit:
    """A district manager assigns the visit (or a worker takes it) and fixes the time."""
    visit = _locked(visit)
    self_assign = assignee.pk == getattr(actor, "pk", None)
    if not (is_district_manager(actor, visit.district_id) or self_assign):
        raise Forbidden(_("只有管理者可以派单。"), code="forbidden")
    if visit.state not in (HomeVisitState.REQUESTED, HomeVisitState.SCHEDULED):
        raise Conflict(_("该上门服务已受理，不能改派。"), code="visit_not_open")
    role = worker_role(visit)
    if not (
        assignee.is_active
        and assignee.has_role(role)
        and assignee.point is not None
        and assignee.point.district_id == visit.district_id
    ):
        raise ValidationFailed(
            _("企业上门由服务专员、居民上门由全能社工承担。")
            if role == Role.SPECIALIST
            else _("居民上门服务须派给本区的全能社工。"),
            code="wrong_assignee",
            fields={"assignee": [""]},
        )
    if when is None or when < timezone.now() - dt.timedelta(hours=1):
        raise ValidationFailed(
            _("请选择今后的上门时间。"), code="invalid_time", fields={"when": [""]}
        )
    before = visit.state
    visit.assigned_to, visit.scheduled_for = assignee, when
    visit.state = HomeVisitState.SCHEDULED
    visit.save(update_fields=["assigned_to", "scheduled_for", "state"])
    _audit(visit, actor, "schedule", before, visit.state, note=str(assignee.pk))
    return visit


def _png_signature(data_url: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    prefix = "data:image/png;base64,"
    if not (data_url or "").startswith(prefix):
        raise ValidationFailed(
            _("请申请人在屏幕上签名。"), code="signature_required", fields={"signature": [""]}
        )
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(_("签名数据无效。"), code="signature_invalid") from exc
    if len(raw) > MAX_SIGNATURE_BYTES or not raw.startswith(PNG.magic):
        raise ValidationFailed(_("签名数据无效。"), code="signature_invalid")
    try:
        img: Image.Image = Image.open(io.BytesIO(raw))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationFailed(_("签名数据无效。"), code="signature_invalid") from exc
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    if img.getchannel("A").getbbox() is None:
        raise ValidationFailed(
            _("签名为空白，请申请人在屏幕上签名。"), code="signature_blank",
            fields={"signature": [""]},
        )  # fmt: skip
    return raw


def _photo_refusal(why: Refusal) -> ValidationFailed:
    match why:
        case Refusal.REQUIRED:
            return ValidationFailed(
                _("请拍摄原件照片（至少一张）。"), code="photos_required", fields={"photos": [""]}
            )
        case Refusal.TOO_MANY:
            return ValidationFailed(
                _("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS}, code="too_many_photos"
            )
        case Refusal.TOO_LARGE | Refusal.TOO_MANY_PIXELS:
            return ValidationFailed(_("照片过大。"), code="file_too_large", status=413)
        case Refusal.WRONG_TYPE | Refusal.EMPTY:  # an empty file is no JPEG or PNG either
            return ValidationFailed(
                _("照片只接受 JPEG、PNG。"), code="file_type_not_allowed", status=415
            )


def _photo_bytes(photos: list[Any]) -> list[tuple[bytes, str]]:
    """Each photo's bytes and extension ("jpg", "png"): JPEG or PNG by its first bytes, at most
    ``MAX_PHOTO_BYTES``; one to ``MAX_PHOTOS`` of them."""
    checked = checked_files(uploads=photos, limits=PHOTO_LIMITS, refuse=_photo_refusal)
    return [(f.data, f.ext.removeprefix(".")) for f in checked]


@transaction.atomic
def home_visit_accept(
    *,
    visit: HomeVisit,
    actor: User,
    photos: list[Any],
    signature: str,
    decide_now: bool = False,
) -> HomeVisit:
    """At the door: the assigned worker accepts the case (channel door, no visit for the
    applicant) with photos of the originals and the applicant's on-screen signature; an
    instant matter may be decided on the spot when the worker holds delegated authority."""
    from onetrip.cases.services import case_create, case_transition

    visit = _locked(visit)
    if visit.assigned_to_id != getattr(actor, "pk", None):
        raise NotFound(_("未找到该上门服务。"), code="visit_not_found")
    if visit.state != HomeVisitState.SCHEDULED:
        raise Conflict(_("该上门服务不在待上门状态。"), code="visit_not_scheduled")
    sign = _png_signature(signature)
    shots = _photo_bytes(photos)
    materials = {
        m.pk: {"status": "received"}
        for m in visit.matter.materials.all()
        if m.required and not m.government_held
    }
    case = case_create(
        matter=visit.matter,
        actor=actor,
        channel="door",
        point=actor.point,
        applicant=visit.applicant,
        company=visit.company,
        materials=materials,
        submit=True,
        accept=True,
    )
    if decide_now:
        case = case_transition(case=case, action="approve", actor=actor, note=_("上门当场办结"))
    for data, ext in shots:
        HomeVisitPhoto.objects.create(
            visit=visit,
            file=ContentFile(data, name=f"{uuid.uuid4().hex}.{ext}"),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    visit.signature = ContentFile(sign, name=f"{uuid.uuid4().hex}.png")
    before = visit.state
    visit.case, visit.state, visit.accepted_at = case, HomeVisitState.ACCEPTED, timezone.now()
    visit.save(update_fields=["case", "state", "accepted_at", "signature"])
    _audit(visit, actor, "accept", before, visit.state, note=case.number)
    return visit


@transaction.atomic
def home_visit_deliver(*, visit: HomeVisit, actor: User, note: str = "") -> HomeVisit:
    """The result is brought home by the worker (送达上门): no visit for the applicant."""
    from onetrip.cases.services import case_transition

    visit = _locked(visit)
    if visit.assigned_to_id != getattr(actor, "pk", None):
        raise NotFound(_("未找到该上门服务。"), code="visit_not_found")
    case = visit.case
    if visit.state != HomeVisitState.ACCEPTED or case is None:
        raise Conflict(_("该上门服务尚未受理。"), code="visit_not_accepted")
    if case.state not in ("approved", "rejected"):
        raise Conflict(_("办件尚未办结，不能送达。"), code="case_not_decided")
    case_transition(case=case, action="deliver", actor=actor, method="home", note=note)
    visit.state, visit.delivered_at = HomeVisitState.DELIVERED, timezone.now()
    visit.save(update_fields=["state", "delivered_at"])
    _audit(visit, actor, "deliver", HomeVisitState.ACCEPTED, visit.state)
    return visit


@transaction.atomic
def home_visit_cancel(*, visit: HomeVisit, actor: User, reason: str) -> HomeVisit:
    visit = _locked(visit)
    own = visit.requested_by_id == getattr(actor, "pk", None)
    if not (own or is_district_manager(actor, visit.district_id)):
        raise NotFound(_("未找到该上门服务。"), code="visit_not_found")
    if visit.state not in (HomeVisitState.REQUESTED, HomeVisitState.SCHEDULED):
        raise Conflict(_("已上门受理，不能取消。"), code="visit_not_open")
    reason = required_text(reason, _("请写明取消原因。"), code="reason_required", field="reason")
    before = visit.state
    visit.state = HomeVisitState.CANCELLED
    visit.save(update_fields=["state"])
    _audit(visit, actor, "cancel", before, visit.state, note=reason[:300])
    return visit
