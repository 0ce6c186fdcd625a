"""Identity number checks (python-stdnum), with localised messages."""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from onetrip.errors import ValidationFailed


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    """Return the resident ID number (GB 11643) in canonical form or raise ValidationFailed."""
    try:
        return ric.validate(value or "")
    except StdnumError as exc:
        raise ValidationFailed(
            _("公民身份号码“%(value)s”无效：请核对18位号码及末位校验码。") % {"value": value},
            code="invalid_id_number",
            fields={field: [_("公民身份号码无效")]},
        ) from exc


def clean_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Return the unified social credit code (GB 32100) in canonical form or raise."""
    try:
        return uscc.validate(value or "")
    except StdnumError as exc:
        raise ValidationFailed(
            _("统一社会信用代码“%(value)s”无效：请核对18位代码及末位校验码。") % {"value": value},
            code="invalid_credit_code",
            fields={field: [_("统一社会信用代码无效")]},
        ) from exc


def clean_phone(value: str, *, field: str = "phone") -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if not (len(value) == 11 and value.isdigit() and value.startswith("1")):
        raise ValidationFailed(
            _("手机号“%(value)s”无效：应为以1开头的11位数字。") % {"value": value},
            code="invalid_phone",
            fields={field: [_("手机号无效")]},
        )
    return value
