"""Public tracking API: ``GET /api/v1/track/{token}``, ``POST /api/v1/track/{token}/messages``,
``POST /api/v1/track/{token}/files`` and ``POST /api/v1/track/{token}/resubmit``.

No login: the unguessable token is the credential. Unknown, malformed and revoked tokens all
answer the same 404; every call counts against the caller's per-IP ``token`` limit, shared with
the tracking pages (``onetrip.throttles``: 429 ``throttled`` with ``Retry-After`` over it).
"""

from __future__ import annotations

import datetime as dt

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from onetrip.apischema import InSchema
from onetrip.errors import ErrorOut
from onetrip.throttles import ClientThrottle
from onetrip.tracking import selectors as sel
from onetrip.tracking import services

router = Router(tags=["tracking"], throttle=[ClientThrottle("token")])


class TrackEventOut(Schema):
    at: dt.datetime
    action: str
    label: str
    state: str
    state_label: str
    by: str
    note: str


class TrackMaterialOut(Schema):
    id: int
    name: str
    status: str
    status_label: str
    reason: str


class NoticeItemOut(Schema):
    name: str
    reason: str


class SupplementNoticeOut(Schema):
    round: int
    due: dt.date | None
    note: str
    answered: bool
    items: list[NoticeItemOut]


class MessageOut(Schema):
    at: dt.datetime
    sender: str
    sender_label: str
    body: str


class TrackOut(Schema):
    number: str
    matter: str
    department: str
    holder: str
    channel: str
    state: str
    state_label: str
    submitted_at: dt.datetime | None
    accepted_on: dt.date | None
    promised_due: dt.date | None
    legal_due: dt.date | None
    state_due: dt.date | None
    paused: bool
    suspended: bool
    suspension_reason: str
    extended_days: int
    extension_reason: str
    visit_count: int
    timeline: list[TrackEventOut]
    missing: list[TrackMaterialOut]
    notice: SupplementNoticeOut | None
    can_upload: bool
    can_resubmit: bool
    messages: list[MessageOut]


class MessageIn(InSchema):
    body: str
    phone_last4: str = ""


class SecondFactorIn(InSchema):
    phone_last4: str = ""


def _payload(info: dict) -> dict:
    info = dict(info)
    info["messages"] = [
        {"at": m["at"], "sender": m["from"], "sender_label": m["from_label"], "body": m["body"]}
        for m in info["messages"]
    ]
    return info


@router.get(
    "/track/{token}",
    response={200: TrackOut, 404: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Public status of a case by its tracking token",
)
def track(request, token: str):
    case = sel.case_by_token(token=token)
    return Status(200, _payload(sel.case_public(case=case)))


@router.post(
    "/track/{token}/messages",
    response={201: MessageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="The applicant writes to the staff handling the case",
)
def track_message(request, token: str, payload: MessageIn):
    case = sel.case_by_token(token=token)
    services.second_factor_check(case=case, phone_last4=payload.phone_last4)
    message = services.message_post_by_token(token=token, body=payload.body, user=request.user)
    return Status(
        201,
        {
            "at": message.at,
            "sender": message.author_kind,
            "sender_label": str(message.get_author_kind_display()),
            "body": message.body,
        },
    )


@router.post(
    "/track/{token}/files",
    response={
        201: TrackOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=None,
    # the router's per-client count for token pages, and the upload count
    throttle=[ClientThrottle("token"), ClientThrottle("upload")],
    summary="Upload a supplement (PDF, JPEG or PNG) for a material the notice asks for",
)
def track_file(
    request,
    token: str,
    material: Form[int],
    file: File[UploadedFile],
    phone_last4: Form[str] = "",
):
    case = sel.case_by_token(token=token)
    services.second_factor_check(case=case, phone_last4=phone_last4)
    services.supplement_upload(token=token, case_material_id=material, upload=file)
    return Status(201, _payload(sel.case_public(case=sel.case_by_token(token=token))))


@router.post(
    "/track/{token}/resubmit",
    response={
        200: TrackOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=None,
    summary="提交补正: hand the supplement in (resubmit transition)",
)
def track_resubmit(request, token: str, payload: SecondFactorIn):
    case = sel.case_by_token(token=token)
    services.second_factor_check(case=case, phone_last4=payload.phone_last4)
    services.supplement_submit(token=token)
    return Status(200, _payload(sel.case_public(case=sel.case_by_token(token=token))))
