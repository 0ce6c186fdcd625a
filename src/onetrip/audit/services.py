from __future__ import annotations

from typing import Any

from django.db import models

from onetrip.access import signed_in
from onetrip.audit.models import AuditEvent

#: What an audit event is about: a model instance, or a ``(subject_type, subject_id)`` pair
#: for a subject that is not one row (a login name, a district's catalogue).
Subject = models.Model | tuple[str, Any]


def audit_subject(subject: Subject) -> tuple[str, str]:
    """The ``(subject_type, subject_id)`` an audit event names. A model instance is named by
    its class's ``audit_subject`` (type, identifying field) when it declares one, else by its
    model name and primary key."""
    if isinstance(subject, tuple):
        return subject[0], str(subject[1])
    kind, field = getattr(subject, "audit_subject", (subject._meta.model_name, "pk"))
    return str(kind), str(getattr(subject, field))


def audit_event(
    subject: Subject,
    action: str,
    *,
    actor: Any | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    role: str = "",
    point: Any | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit event about ``subject``, not yet written: the one builder of audit rows.
    ``audit_record`` writes it; a one-statement write path inserts it as part of its
    statement."""
    actor = signed_in(actor)
    subject_type, subject_id = audit_subject(subject)
    return AuditEvent(
        actor=actor,
        role=role,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        note=note or "",
        point=point,
        data=data or {},
    )


#: the fields an app's own history row (a CaseEvent) shares with the audit event mirroring it
_MIRRORED = ("actor", "role", "from_state", "to_state", "note", "data")


def audit_event_mirroring(row: Any, subject: Subject, *, point: Any | None = None) -> AuditEvent:
    """The audit event, not yet written, mirroring ``row``: an app's own history row about
    ``subject`` with the same action, actor, role, states, note and data."""
    return audit_event(subject, row.action, point=point, **{f: getattr(row, f) for f in _MIRRORED})


def audit_record(subject: Subject, action: str, **fields: Any) -> AuditEvent:
    """Append one audit event about ``subject`` (``audit_event``'s fields). Call inside the
    transaction of the change it records."""
    event = audit_event(subject, action, **fields)
    event.save(force_insert=True)
    return event
