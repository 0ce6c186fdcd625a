from __future__ import annotations

from typing import Any

from onetrip.audit.models import AuditEvent


def audit_event(
    *,
    actor: Any | None,
    subject_type: str,
    subject_id: Any,
    action: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    role: str = "",
    point: Any | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit event, not yet written: the one builder of audit rows. ``audit_record``
    writes it; a one-statement write path inserts it as part of its statement."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        actor=actor,
        role=role,
        subject_type=subject_type,
        subject_id=str(subject_id),
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        note=note or "",
        point=point,
        data=data or {},
    )


def audit_record(**fields: Any) -> AuditEvent:
    """Append one audit event (``audit_event``'s fields). Call inside the transaction of the
    change it records."""
    event = audit_event(**fields)
    event.save(force_insert=True)
    return event
