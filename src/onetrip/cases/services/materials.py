"""A case's materials: their statuses (deferred with a commitment, government-held, defective)
and uploaded scans."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseFile, CaseMaterial, MaterialStatus
from onetrip.cases.services.base import BAD, _event, _now, _roles_of, service, working_days_after
from onetrip.catalogue.resolvers import resolve_material
from onetrip.clock import local_today
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onetrip.uploads import PDF_OR_IMAGE, Refusal, UploadLimits, checked_files, sniff

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from onetrip.people.models import User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_LIMITS = UploadLimits(
    max_count=1,
    max_bytes=MAX_UPLOAD_BYTES,
    types=PDF_OR_IMAGE,
    required=True,
)
EDITABLE_STATES = (S.State.DRAFT, S.State.SUBMITTED, S.State.SUPPLEMENT_REQUESTED)


def _later_due(*, case: Case, today: dt.date) -> dt.date:
    """When a 容缺 material is due: the catalogue's rule set says (``rules.later_days``)."""
    from onetrip.catalogue.rules import later_days

    days = later_days(case.matter)
    if days is None:
        raise ValidationFailed(_("即办件当场办结，不适用容缺受理。"), code="later_not_allowed")
    return working_days_after(start=today, days=days)


def _apply_material(
    *,
    case: Case,
    cm: CaseMaterial,
    status: str,
    count: int | None,
    form: str | None,
    commitment_signed: bool,
    reason: str,
    today: dt.date,
) -> None:
    if status not in MaterialStatus.values:
        raise ValidationFailed(
            _("材料状态“%(s)s”无效。") % {"s": status},
            code="invalid_material_status",
            fields={"status": [_("无效")]},
        )
    if status == MaterialStatus.LATER:
        if cm.material is None or not cm.material.later_allowed:
            raise ValidationFailed(
                _("“%(name)s”不是可容缺后补的材料。") % {"name": cm.name},
                code="later_not_allowed",
            )
        if case.bad_credit:
            raise ValidationFailed(
                _("申请人在失信名单中，不适用容缺受理。"), code="later_refused_bad_credit"
            )
        if not commitment_signed:
            raise ValidationFailed(
                _("容缺受理须由申请人签署承诺书。"),
                code="commitment_required",
                fields={"commitment_signed": [_("必填")]},
            )
        cm.later_due = _later_due(case=case, today=today)
        cm.commitment_signed = True
    elif status == MaterialStatus.GOVERNMENT_HELD:
        found = resolve_material(case, cm.material) if cm.material is not None else None
        if found is not None and found.unavailable:
            raise ValidationFailed(
                _("“%(name)s”暂时无法从共享数据核验（%(why)s），请收取纸质材料。")
                % {"name": cm.name, "why": found.source},
                code="shared_source_unavailable",
            )
        if found is None:
            raise ValidationFailed(
                _("“%(name)s”未能从政府共享数据中获取，须由申请人提交。") % {"name": cm.name},
                code="not_government_held",
            )
    elif status == MaterialStatus.DEFECTIVE and not reason:
        raise ValidationFailed(
            _("请写明“%(name)s”不符合要求的原因。") % {"name": cm.name},
            code="reason_required",
            fields={"reason": [_("必填")]},
        )
    if count is not None:
        if count < 0 or count > 99:
            raise ValidationFailed(_("份数无效。"), code="invalid_count")
        cm.count = count
    elif status == MaterialStatus.RECEIVED and not cm.count:
        cm.count = cm.material.count if cm.material else 1
    if form:
        cm.form = form
    if status != MaterialStatus.LATER:
        cm.later_due = None
    cm.status = status
    cm.reason = reason or ("" if status not in BAD else cm.reason)


# -- materials and uploads -------------------------------------------------------------------


def _material_for_update(
    *, case: Case, actor: User | None, case_material_id: Any, tracking_token: str | None = None
):
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("matter", "applicant", "company", "point")
        .get(pk=case.pk)
    )
    if actor is None and tracking_token is None:
        roles: set[str] = set()
    else:
        roles = _roles_of(case=case, actor=actor, tracking_token=tracking_token)
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    try:
        cm = case.materials.select_related("material").get(pk=int(case_material_id))
    except (CaseMaterial.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(
            _("该材料不属于此办件。"),
            code="material_not_in_case",
            fields={"material": [_("无效")]},
        ) from None
    return case, cm, roles


def _may_edit(case: Case, cm: CaseMaterial, new_status: str, roles: set[str]) -> None:
    later_in = cm.status == MaterialStatus.LATER and new_status == MaterialStatus.RECEIVED
    if case.state not in EDITABLE_STATES and not (later_in and case.state in S.OPEN):
        raise Conflict(
            _("办件当前状态“%(state)s”下不能修改材料。") % {"state": S.state_label(case.state)},
            code="materials_locked",
        )
    staff = roles & {S.CLERK, S.SOCIAL_WORKER, S.MANAGER, S.REVIEWER}
    if not staff and new_status != MaterialStatus.RECEIVED:
        raise Forbidden(_("申请人只能提交材料，不能更改材料状态。"), code="wrong_role")


@service()
def case_material_update(
    *,
    case: Case,
    case_material_id: int,
    actor: User,
    status: str,
    count: int | None = None,
    form: str | None = None,
    commitment_signed: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> CaseMaterial:
    now = _now(now)
    today = today or local_today(now)
    case, cm, roles = _material_for_update(
        case=case, actor=actor, case_material_id=case_material_id
    )
    _may_edit(case, cm, status, roles)
    old = cm.status
    _apply_material(
        case=case,
        cm=cm,
        status=status,
        count=count,
        form=form,
        commitment_signed=commitment_signed,
        reason=(reason or "").strip(),
        today=today,
    )
    cm.save()
    _material_event(
        case=case,
        cm=cm,
        old=old,
        actor=actor,
        roles=roles,
        action="material",
        data={"from": old, "to": cm.status},
        now=now,
    )
    return cm


def _material_event(
    *,
    case: Case,
    cm: CaseMaterial,
    old: str,
    actor: User | None,
    roles: set[str],
    action: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> None:
    """The event of a material's change of status (the case's state stays); ``data`` beside
    the material's id."""
    labels = dict(MaterialStatus.choices)
    _event(
        case=case,
        actor=actor,
        role=sorted(roles)[0],
        action=action,
        from_state=case.state,
        to_state=case.state,
        note=f"{cm.name}：{labels.get(old, old)} → {labels[cm.status]}",
        data={"material": cm.pk, **data},
        now=now,
    )


def sniff_upload(head: bytes) -> tuple[str, str] | None:
    kind = sniff(head, types=UPLOAD_LIMITS.types)
    return (kind.content_type, kind.ext) if kind else None


class CheckedUpload(NamedTuple):
    content_type: str
    ext: str
    size: int


def _upload_refusal(why: Refusal) -> ValidationFailed:
    match why:
        case Refusal.REQUIRED:
            return ValidationFailed(
                _("请选择要上传的文件。"), code="file_required", fields={"file": [_("必填")]}
            )
        case Refusal.TOO_LARGE | Refusal.TOO_MANY_PIXELS:
            return ValidationFailed(
                _("文件过大：最大 %(mb)s MB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                code="file_too_large",
                fields={"file": [_("文件过大")]},
                status=413,
            )
        case Refusal.EMPTY:
            return ValidationFailed(
                _("文件为空。"), code="file_empty", fields={"file": [_("空文件")]}
            )
        case Refusal.WRONG_TYPE:
            return ValidationFailed(
                _("只接受 PDF、JPEG、PNG 文件。"),
                code="file_type_not_allowed",
                fields={"file": [_("文件类型不允许")]},
                status=415,
            )
        case Refusal.TOO_MANY:
            raise AssertionError("upload_checked checks one upload")


def upload_checked(upload: UploadedFile | None) -> CheckedUpload:
    """What an uploaded scan is when it may be stored: PDF, JPEG or PNG by its first bytes (the
    client's name and content type are ignored), not empty, at most ``MAX_UPLOAD_BYTES``; else
    the refusal. The one rule for the case page, the API and the online application."""
    (checked,) = checked_files(uploads=[upload], limits=UPLOAD_LIMITS, refuse=_upload_refusal)
    return CheckedUpload(checked.content_type, checked.ext, checked.size)


@service(calendar=False)
def case_file_upload(
    *,
    case: Case,
    case_material_id: int,
    actor: User | None,
    upload: Any,
    now: dt.datetime | None = None,
    tracking_token: str | None = None,
) -> CaseFile:
    """Store an uploaded scan for a material and mark it received: only one ``upload_checked``
    accepts, stored under a random UUID name with the sniffed extension."""
    now = _now(now)
    checked = upload_checked(upload)
    case, cm, roles = _material_for_update(
        case=case,
        actor=actor,
        case_material_id=case_material_id,
        tracking_token=tracking_token,
    )
    _may_edit(case, cm, MaterialStatus.RECEIVED, roles)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    record = CaseFile(
        case_material=cm,
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
        uploaded_by=signed_in(actor),
    )
    record.file.save(uuid.uuid4().hex + checked.ext, upload, save=False)
    record.save()
    old = cm.status
    cm.status = MaterialStatus.RECEIVED
    cm.count = max(cm.count, 1)
    cm.later_due = None
    cm.reason = ""  # the defect it answered is no longer the material's state
    cm.save()
    _material_event(
        case=case,
        cm=cm,
        old=old,
        actor=actor,
        roles=roles,
        action="upload",
        data={"file": record.pk, "content_type": checked.content_type, "size": checked.size},
        now=now,
    )
    return record
