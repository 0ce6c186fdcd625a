"""Sign-on with the provincial identity service over OpenID Connect (mozilla-django-oidc).

Off unless ``ONETRIP_OIDC_ISSUER`` (or every endpoint) and ``ONETRIP_OIDC_CLIENT_ID`` are set.
The endpoints come from the issuer's discovery document
(``/.well-known/openid-configuration``, fetched once per process) unless given one by one.

Only residents sign on this way: the ID token / userinfo must carry a resident ID number the
service has verified (``ONETRIP_OIDC_ID_NUMBER_CLAIM``, ``ONETRIP_OIDC_VERIFIED_CLAIM``); the number
is checked with python-stdnum and mapped to the resident record (``people.Applicant``): the
account already bound to it, else a new applicant account bound to the existing record or to a
new one. Staff keep local accounts (with their second factor).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from onetrip.errors import DomainError
from onetrip.people.models import User
from onetrip.people.validators import clean_id_number
from onetrip.signin.services import resident_account_sign_on

log = logging.getLogger(__name__)

#: mozilla-django-oidc setting -> discovery document key
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovery: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def enabled() -> bool:
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.ONETRIP_OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (cached per process; checked to name the same issuer)."""
    with _lock:
        doc = _discovery.get(issuer)
    if doc is None:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        doc = response.json()
        if doc.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("discovery document names another issuer")
        with _lock:
            _discovery[issuer] = doc
    return doc


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's ``get_settings``: explicit settings first, then discovery; empty
    (never an error) while sign-on is not configured, so the backend stays inert."""
    if attr == "LOGIN_REDIRECT_URL_FAILURE":
        return "/accounts/login/?oidc=failed"
    value = getattr(settings, attr, None)
    if not value and attr in _DISCOVERED and settings.ONETRIP_OIDC_ISSUER and enabled():
        value = discovery(settings.ONETRIP_OIDC_ISSUER).get(_DISCOVERED[attr])
    if value is None or value == "":
        return default[0] if default else ""
    return value


class ProvincialOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates residents by their verified ID number from the provincial service."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for permission checks too: unconfigured, stay inert
        # (mozilla-django-oidc's own __init__ would refuse the missing endpoints).
        if enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, ValueError) as exc:
            # the service unreachable or answering nonsense: a failed sign-on, never a 500
            log.warning("provincial sign-on failed: %s", type(exc).__name__)
            return None

    def verify_token(self, token, **kwargs):
        """mozilla-django-oidc checks the signature, expiry and nonce; the token must also be
        issued by the configured service, to this client."""
        payload = super().verify_token(token, **kwargs)
        issuer = settings.ONETRIP_OIDC_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without expiry")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint (same subject only)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject")
            claims = {**info, **payload}
        return claims

    def _id_number(self, claims: dict[str, Any]) -> str | None:
        raw = claims.get(settings.ONETRIP_OIDC_ID_NUMBER_CLAIM)
        verified_claim = settings.ONETRIP_OIDC_VERIFIED_CLAIM
        if verified_claim and claims.get(verified_claim) not in (True, "true", "1", 1):
            return None
        if not isinstance(raw, str):
            return None
        try:
            return clean_id_number(raw)  # GB 11643 check digit (python-stdnum)
        except DomainError:
            return None

    def verify_claims(self, claims):
        ok = self._id_number(claims) is not None
        if not ok:
            log.warning("provincial sign-on refused: no verified, valid resident ID number")
        return ok

    def filter_users_by_claims(self, claims):
        number = self._id_number(claims)
        return User.objects.filter(
            applicant__id_number=number, applicant__user__isnull=False, is_active=True
        )

    def create_user(self, claims):
        return resident_account_sign_on(
            id_number=self._id_number(claims) or "",
            name=str(claims.get("name") or ""),
            phone=str(claims.get("phone_number") or ""),
        )

    def update_user(self, user, claims):
        return user
