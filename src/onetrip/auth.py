"""API authentication: per-client tokens (``Authorization: Bearer ot_…``) or a browser session.

Kept apart from ``onetrip.api`` so that app routers can import it without an import cycle.
"""

from __future__ import annotations

from ninja.security import HttpBearer, django_auth

from onetrip.people.selectors import user_for_api_key


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_api_key(key=token)
        if user is not None:
            request.user = user
        return user


class OptionalAuth:
    """Lets anonymous callers through, but a token, when sent, must be valid and sets the user.

    The OpenAPI document lists it as optional bearer auth (``onetrip.api`` turns this marker
    into ``security: [{}, {"TokenAuth": []}]``)."""

    openapi_security_schema = {"type": "http", "scheme": "bearer"}

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = user_for_api_key(key=header[7:].strip())
            if user is None:
                return None
            request.user = user
        return True


token_auth = TokenAuth()
#: For endpoints that need a signed-in caller: a token first, then the session (CSRF-checked).
staff_auth = [token_auth, django_auth]
#: For public endpoints that still recognise a caller (kiosk tokens, signed-in applicants).
optional_auth = OptionalAuth()
