"""Identity number checks (python-stdnum), with localised messages."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from onetrip.errors import ValidationFailed
from onetrip.phones import mobile_clean


def _validate_ric(value: str) -> str:
    """GB 11643 checks: 18 characters, a real birth date, a known region code, the check digit.

    ``stdnum.cn.ric.validate`` also demands that the region code already existed in the birth
    year. That refuses real people: numbers were issued in the 1980s and later with the code in
    force then, so a Shangcheng senior born in 1956 carries 330102 although that code dates from
    1983. Any period of the region code is accepted here.
    """
    import datetime as dt

    from stdnum import numdb
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

    number = ric.compact(value or "")
    if len(number) != 18:
        raise InvalidLength()
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidFormat()
    birth = ric.get_birth_date(number)  # raises InvalidComponent for an impossible date
    if birth > dt.date.today() or birth.year < 1880:
        raise InvalidComponent()
    if not any(props for _part, props in numdb.get("cn/loc").info(number[:6])[1:]):
        raise InvalidComponent()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    return number


#: The messages of a refused number, made once: most numbers are valid, and every case opened
#: checks one (they are translated only when one is refused).
_ID_NUMBER_INVALID = gettext_lazy("公民身份号码“%(value)s”无效：请核对18位号码及末位校验码。")
_ID_NUMBER_FIELD = gettext_lazy("公民身份号码无效")
_CREDIT_CODE_INVALID = gettext_lazy("统一社会信用代码“%(value)s”无效：请核对18位代码及末位校验码。")
_CREDIT_CODE_FIELD = gettext_lazy("统一社会信用代码无效")


def _stdnum_checked(
    validate: Callable[[str], str], value: str, *, message: Promise, code: str, fields: dict
) -> str:
    """``value`` in canonical form by a python-stdnum ``validate``, or ValidationFailed with
    the localised ``message`` (it names the value) and field messages."""
    try:
        return validate(value or "")
    except StdnumError as exc:
        fields = {name: [str(m) for m in messages] for name, messages in fields.items()}
        raise ValidationFailed(message % {"value": value}, code=code, fields=fields) from exc


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    """Return the resident ID number (GB 11643) in canonical form or raise ValidationFailed."""
    return _stdnum_checked(
        _validate_ric,
        value,
        message=_ID_NUMBER_INVALID,
        code="invalid_id_number",
        fields={field: [_ID_NUMBER_FIELD]},
    )


def clean_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Return the unified social credit code (GB 32100) in canonical form or raise."""
    return _stdnum_checked(
        uscc.validate,
        value,
        message=_CREDIT_CODE_INVALID,
        code="invalid_credit_code",
        fields={field: [_CREDIT_CODE_FIELD]},
    )


def clean_phone(value: str, *, field: str = "phone") -> str:
    """A mobile number by the one rule (``onetrip.phones``), cleaned."""
    clean = mobile_clean(value)
    if clean is None:
        value = (value or "").strip().replace(" ", "").replace("-", "")
        raise ValidationFailed(
            _("手机号“%(value)s”无效：应为以1开头的11位数字。") % {"value": value},
            code="invalid_phone",
            fields={field: [_("手机号无效")]},
        )
    return clean


def is_id_number(value: str) -> bool:
    """True for a resident ID number that ``clean_id_number`` accepts."""
    try:
        _validate_ric(value or "")
    except StdnumError:
        return False
    return True


def clean_holder_number(*, kind: str, number: str) -> str:
    """An ID number (person) or credit code (company) checked by its check digits, cleaned;
    no database access."""
    if kind == "person":
        return clean_id_number(number, field="applicant.number")
    if kind == "company":
        return clean_credit_code(number, field="applicant.number")
    raise ValidationFailed(
        _("申请人类型须为个人或企业。"),
        code="invalid_applicant_kind",
        fields={"applicant.kind": [_("无效")]},
    )
