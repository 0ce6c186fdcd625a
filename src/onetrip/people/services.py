"""Writes for people: applicants, companies, agencies, API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, ValidationFailed, limited_text, required_text
from onetrip.people.models import Agency, ApiToken, Applicant, Company, PhoneCode, User
from onetrip.people.selectors import authorisation_in_force, registered_holder
from onetrip.people.validators import clean_credit_code, clean_id_number, clean_phone
from onetrip.roles import Role

R = TypeVar("R", bound=models.Model)


def _birth_date(id_number: str):
    from stdnum.cn import ric

    return ric.get_birth_date(id_number)


def _checked(
    *, name: str, number: str, phone: str, clean: Callable[[str], str], missing: str
) -> tuple[str, str, str]:
    """The name (required), the number (``clean`` checks its check digits) and the phone
    (optional) of a person, company or agency being registered, cleaned."""
    name = required_text(name, missing, code="name_required", field="name")
    number = clean(number)
    return name, number, clean_phone(phone) if phone else phone


def _registered(
    model: type[R],
    *,
    actor: User | None,
    unique: dict[str, str],
    taken: str,
    taken_code: str,
    **fields: Any,
) -> R:
    """Create the row unless one with the ``unique`` number exists; audit its registration
    (the row names itself: applicant, company or agency and its id)."""
    if model._default_manager.filter(**unique).exists():
        raise Conflict(taken, code=taken_code)
    row = model._default_manager.create(**unique, **fields)
    audit_record(row, "register", actor=actor, to_state=str(getattr(row, "status", "registered")))
    return row


@transaction.atomic
def applicant_register(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    address: str = "",
    actor: User | None = None,
    user: User | None = None,
) -> Applicant:
    name, id_number, phone = _checked(
        name=name, number=id_number, phone=phone, clean=clean_id_number, missing=_("请填写姓名。")
    )
    return _registered(
        Applicant,
        actor=actor,
        unique={"id_number": id_number},
        taken=_("该公民身份号码已登记。"),
        taken_code="applicant_exists",
        name=name,
        phone=phone,
        address=address,
        birth_date=_birth_date(id_number),
        user=user,
    )


@transaction.atomic
def company_register(
    *,
    name: str,
    credit_code: str,
    legal_representative: str = "",
    phone: str = "",
    address: str = "",
    actor: User | None = None,
) -> Company:
    name, credit_code, phone = _checked(
        name=name,
        number=credit_code,
        phone=phone,
        clean=clean_credit_code,
        missing=_("请填写企业名称。"),
    )
    return _registered(
        Company,
        actor=actor,
        unique={"credit_code": credit_code},
        taken=_("该统一社会信用代码已登记。"),
        taken_code="company_exists",
        name=name,
        legal_representative=legal_representative,
        phone=phone,
        address=address,
    )


@transaction.atomic
def agency_register(
    *,
    district: Any,
    name: str,
    credit_code: str,
    contact_name: str = "",
    phone: str = "",
    address: str = "",
    actor: User | None = None,
) -> Agency:
    name, credit_code, phone = _checked(
        name=name,
        number=credit_code,
        phone=phone,
        clean=clean_credit_code,
        missing=_("请填写机构名称。"),
    )
    return _registered(
        Agency,
        actor=actor,
        unique={"credit_code": credit_code},
        taken=_("该代办机构已登记。"),
        taken_code="agency_exists",
        district=district,
        name=name,
        contact_name=contact_name,
        phone=phone,
        address=address,
    )


def api_token_problems(
    *, user: User, name: str, expires_at: dt.datetime | None, roles: list[str]
) -> dict[str, list[str]]:
    """What is wrong with a token about to be created, by field (empty: nothing). The admin's
    form shows these beside its fields; ``api_token_create`` refuses with them."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请为令牌命名（使用它的客户端，如“湖滨大厅取号机”）。")]
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        errors["roles"] = [_("未知角色：%(roles)s") % {"roles": "、".join(unknown)}]
    elif roles and not user.is_superuser:
        held = set(user.groups.values_list("name", flat=True))
        missing = [r for r in roles if r not in held]
        if missing:
            errors["roles"] = [_("用户没有这些角色：%(roles)s") % {"roles": "、".join(missing)}]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("过期时间应晚于现在。")]
    return errors


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    expires_at: dt.datetime | None = None,
    roles: list[str] | tuple[str, ...] = (),
) -> tuple[ApiToken, str]:
    """Create a named token and return it with the clear key, which is shown once and never
    stored (only its SHA-256). ``expires_at``: when it stops working; ``roles``: the roles it may
    act with, each one the user holds (none given: all of the user's roles)."""
    name = (name or "").strip()
    roles = sorted(set(roles))
    errors = api_token_problems(user=user, name=name, expires_at=expires_at, roles=roles)
    if errors:
        raise ValidationFailed(_("令牌信息有误。"), fields=errors)
    key = "ot_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[3:11],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
        roles=roles,
    )
    audit_record(
        token,
        "create",
        actor=actor,
        to_state="active",
        note=name,
        data={"user": user.pk, "roles": roles, "expires_at": expires_at and expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(token, "revoke", actor=actor, from_state="active", to_state="revoked")
    return token


# --- applicant accounts: phone + password, confirmed by an SMS code ---------------------------

PHONE_CODE_TTL_MINUTES = 10
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_CODE_MIN_INTERVAL_SECONDS = 60
PHONE_CODE_MAX_PER_DAY = 10


def _send_sms_code(*, phone: str, code: str) -> None:
    """Hand the code to the notification module (demo: console and the /demo/sms/ page)."""
    from onetrip.notices.services import notice_send

    notice_send(
        channel="sms",
        to=phone,
        template="sms_login_code",
        context={"code": code, "minutes": PHONE_CODE_TTL_MINUTES},
        subject_type="phone_code",
        subject_id=phone[-4:],
    )


@transaction.atomic
def phone_code_send(*, phone: str, purpose: str = "register", now=None) -> PhoneCode:
    """Send a 6-digit code; at most one a minute and ten a day per number."""
    from datetime import timedelta

    phone = clean_phone(phone)
    now = now or timezone.now()
    recent = PhoneCode.objects.select_for_update().filter(
        phone=phone, created_at__gte=now - timedelta(days=1)
    )
    if recent.filter(
        created_at__gte=now - timedelta(seconds=PHONE_CODE_MIN_INTERVAL_SECONDS)
    ).exists():
        raise Conflict(_("验证码发送过于频繁，请一分钟后再试。"), code="code_too_frequent")
    if recent.count() >= PHONE_CODE_MAX_PER_DAY:
        raise Conflict(_("今日验证码发送次数已达上限。"), code="code_daily_limit")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=PhoneCode.hash_code(phone, code),
        expires_at=now + timedelta(minutes=PHONE_CODE_TTL_MINUTES),
    )
    _send_sms_code(phone=phone, code=code)
    return row


def _phone_code_use(*, phone: str, code: str, purpose: str, now) -> bool:
    """Consume a matching code. A wrong code counts an attempt and returns False (no raise, so
    the caller's transaction commits the count)."""
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.attempts >= PHONE_CODE_MAX_ATTEMPTS:
        return False
    if not secrets.compare_digest(row.code_hash, PhoneCode.hash_code(phone, (code or "").strip())):
        PhoneCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        return False
    row.used_at = now
    row.save(update_fields=["used_at"])
    return True


def _identity_check(*, applicant: Applicant | None, name: str, phone: str) -> None:
    """An existing resident record (cases, shared certificates) is bound to a new account only
    when the name and the verified phone match what is on record."""
    if applicant is None:
        return
    if applicant.name.strip() != (name or "").strip() or (
        applicant.phone and applicant.phone != phone
    ):
        raise Conflict(
            _(
                "该公民身份号码已有办事记录，但姓名或手机号与登记信息不一致，请到窗口核验身份后绑定。"
            ),
            code="identity_mismatch",
        )


def applicant_account_register(
    *, phone: str, code: str, password: str, name: str, id_number: str, now=None
) -> User:
    """Create an applicant account (username = phone) tied to a verified resident record."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    now = now or timezone.now()
    phone = clean_phone(phone)
    id_number = clean_id_number(id_number)
    try:
        validate_password(password, user=User(username=phone, phone=phone, display_name=name))
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "；".join(exc.messages), code="weak_password", fields={"password": exc.messages}
        ) from exc
    if User.objects.filter(username=phone).exists():
        raise Conflict(_("该手机号已注册，请直接登录。"), code="account_exists")
    if Applicant.objects.filter(id_number=id_number, user__isnull=False).exists():
        raise Conflict(_("该公民身份号码已绑定其他账号。"), code="id_number_bound")
    _identity_check(
        applicant=Applicant.objects.filter(id_number=id_number).first(), name=name, phone=phone
    )
    name = required_text(name, _("请填写姓名。"), code="name_required", field="name")
    # A wrong code's attempt count is committed on its own, before the error is raised.
    with transaction.atomic():
        code_ok = _phone_code_use(phone=phone, code=code, purpose="register", now=now)
    if not code_ok:
        raise ValidationFailed(
            _("短信验证码不正确或已失效。"),
            code="bad_phone_code",
            fields={"code": [_("验证码不正确或已失效")]},
        )
    with transaction.atomic():
        if User.objects.filter(username=phone).exists():
            raise Conflict(_("该手机号已注册，请直接登录。"), code="account_exists")
        applicant = Applicant.objects.select_for_update().filter(id_number=id_number).first()
        if applicant is not None and applicant.user_id is not None:
            raise Conflict(_("该公民身份号码已绑定其他账号。"), code="id_number_bound")
        _identity_check(applicant=applicant, name=name, phone=phone)
        user = User.objects.create_user(
            username=phone, password=password, phone=phone, display_name=name.strip()
        )
        applicant_account_bind(
            user=user, applicant=applicant, name=name, id_number=id_number, phone=phone
        )
        return user


def applicant_account_bind(
    *,
    user: User,
    applicant: Applicant | None,
    name: str,
    id_number: str,
    phone: str,
    note: str = "",
) -> Applicant:
    """Make a new account an applicant's: the applicant group, the resident record with this
    ID number (registered when ``applicant`` is None, else bound), the audit event. Runs in
    the caller's transaction, which holds ``applicant`` locked."""
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    if applicant is None:
        applicant = applicant_register(
            name=name, id_number=id_number, phone=phone, actor=user, user=user
        )
    else:
        applicant.user = user
        applicant.phone = applicant.phone or phone
        applicant.save(update_fields=["user", "phone"])
    audit_record(user, "register", actor=user, to_state="active", role=Role.APPLICANT, note=note)
    return applicant


def applicant_resolve(
    *,
    kind: str,
    number: str,
    name: str = "",
    phone: str = "",
    actor: User | None = None,
    link_user=None,
) -> tuple[Applicant | None, Company | None]:
    """The applicant (person) or company with this ID number / credit code, registered when new
    (a name is then required). Numbers are checked with their check digits."""
    number, applicant, company = registered_holder(kind=kind, number=number)
    if applicant is not None or company is not None:
        return applicant, company
    name = required_text(
        name,
        _("新申请人须填写姓名。") if kind == "person" else _("新企业须填写企业名称。"),
        code="applicant_name_required",
        field="applicant.name",
    )
    if kind == "person":
        return applicant_register(
            name=name, id_number=number, phone=phone, actor=actor, user=link_user
        ), None
    return None, company_register(name=name, credit_code=number, phone=phone, actor=actor)


# -- companies being founded, credit codes, agents' authorisations ----------------------------

#: GB 32100 character set (no I, O, S, V, Z)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@transaction.atomic
def company_found(
    *, name: str, founder: Applicant, phone: str = "", actor: User | None = None
) -> Company:
    """A company being founded (设立中): a name and its founder, who is its legal
    representative; no credit code until the registration's result issues one
    (``company_credit_code_issue``). The founder's account may act for it."""
    name = required_text(
        name,
        _("设立企业须填写拟设立的企业名称。"),
        code="company_name_required",
        field="company_name",
    )
    name = limited_text(
        name,
        Company._meta.get_field("name").max_length or 200,
        _("企业名称过长。"),
        code="company_name_too_long",
        field="company_name",
    )
    company = Company.objects.create(
        name=name,
        credit_code=None,
        legal_representative=founder.name,
        legal_rep_id_number=founder.id_number,
        founder=founder,
        phone=phone or founder.phone,
    )
    if founder.user_id:
        company.users.add(founder.user_id)
    audit_record(company, "found", actor=actor, to_state="being_founded", note=name)
    return company


def credit_code_for(*, company: Company, region: str = "330102") -> str:
    """A unified social credit code for a newly registered company: 9 (market regulation),
    1 (company), the region, an organisation code drawn from the company's id, and the GB 32100
    check character."""
    from stdnum.cn.uscc import calc_check_digit

    n, digits = company.pk, []
    for _i in range(7):
        n, r = divmod(n, 31)
        digits.append(USCC_ALPHABET[r])
    body = f"91{region}MA" + "".join(reversed(digits))
    return body + calc_check_digit(body)


@transaction.atomic
def company_credit_code_issue(
    *, company: Company, region: str = "330102", actor: User | None = None
):
    """Register a company being founded: it gets its credit code (once; idempotent)."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.credit_code:
        return company
    company.credit_code = credit_code_for(company=company, region=region)
    company.registered_at = timezone.now()
    company.save(update_fields=["credit_code", "registered_at"])
    audit_record(
        company,
        "register",
        actor=actor,
        from_state="being_founded",
        to_state="registered",
        note=company.credit_code,
    )
    return company


def agent_authorised(*, agent: User, company: Company, on: dt.date | None = None) -> bool:
    """Whether the agent's agency holds the company's authorisation (委托) on ``on`` (today by
    default). When the agencies app keeps dated authorisation letters (``company.authorisations``)
    for this agency and company, one of them must be unrevoked and valid that day (an expired
    or not yet valid letter authorises nothing, client or not); with no letter on file at all,
    the company being the agency's client (``Agency.clients``) is the authorisation."""
    from onetrip.clock import local_today

    agency_id = getattr(agent, "agency_id", None)
    if not agency_id or company is None or company.pk is None:
        return False
    letters = getattr(company, "authorisations", None)  # reverse relation of agencies' model
    if letters is not None:
        mine = letters.filter(agency_id=agency_id)
        if mine.exists():
            day = on or local_today()
            return mine.filter(authorisation_in_force(day)).exists()
    return company.agencies.filter(pk=agency_id).exists()


def founder_resolve(
    *,
    number: str,
    name: str = "",
    company_name: str = "",
    phone: str = "",
    actor: User | None = None,
) -> tuple[Applicant, Company]:
    """The founder (a natural person, registered when new) and the company being founded."""
    applicant, _company = applicant_resolve(
        kind="person", number=number, name=name, phone=phone, actor=actor
    )
    assert applicant is not None  # an individual's number resolves to a person (or raises)
    return applicant, company_found(name=company_name, founder=applicant, phone=phone, actor=actor)
