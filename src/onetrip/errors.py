"""Domain errors: a stable code, a localised message, an HTTP status.

Services raise these; the API turns them into ``{"code": ..., "message": ...}`` with a 4xx
status, and pages show the message next to the form.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class DomainError(Exception):
    status: int = 400
    code: str = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {
                k: [str(m) for m in v] if isinstance(v, list | tuple) else str(v)
                for k, v in self.fields.items()
            }
        return body

    def field_messages(self) -> dict[str, list[str]]:
        """Each field's messages as text (a field may carry one message or a list of them)."""
        return {
            k: [str(m) for m in v] if isinstance(v, list | tuple) else [str(v)]
            for k, v in self.fields.items()
        }

    def field_errors(self) -> dict[str, str]:
        """Each field's first message: what a form shows beside the field."""
        return {k: v[0] if v else "" for k, v in self.field_messages().items()}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ErrorOut(Schema):
    """Every API error: a stable code and a localised message (``fields``: per field)."""

    code: str
    message: str
    fields: dict[str, list[str] | str] | None = None


def required_text(value: str | None, message: Any, *, code: str, field: str) -> str:
    """``value`` without surrounding blanks; when nothing is left, the refusal: ``message``
    with ``code``, ``field`` marked required."""
    from django.utils.translation import gettext as _

    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, code=code, fields={field: [_("必填")]})
    return value


def limited_text(value: str, limit: int, message: Any, *, code: str, field: str) -> str:
    """``value`` when it is at most ``limit`` characters; otherwise the refusal: ``message``
    with ``code``, ``field`` marked too long."""
    from django.utils.translation import gettext as _

    if len(value) > limit:
        raise ValidationFailed(message, code=code, fields={field: [_("过长")]})
    return value
