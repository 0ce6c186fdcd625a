"""A small OpenID Connect provider for tests: discovery, authorize, token, JWKS and userinfo,
served over real HTTP on a loopback port from a thread. It stands in for the provincial identity
service: the test says who is "signed in" there (``provider.person``) and the provider issues an
RS256-signed ID token with PKCE and nonce checked, as a real one would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TinyProvider:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id, self.client_secret, self.redirect_uri = (
            client_id,
            client_secret,
            redirect_uri,
        )
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        #: claims of the person signed in at the provider; split between ID token and userinfo
        self.person: dict[str, Any] = {}
        self.userinfo_only: set[str] = set()
        #: test hooks: sign with another key, name another audience
        self.signing_key = self.key
        self.audience: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TinyProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the endpoints answer --------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        public = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": _b64(public.n),
                    "e": _b64(public.e),
                }
            ]
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if (
            query.get("client_id") != self.client_id
            or query.get("redirect_uri") != self.redirect_uri
        ):
            return 400, {}, b"unknown client or redirect_uri"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, b"PKCE required"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "person": dict(self.person),
        }
        target = f"{self.redirect_uri}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": target}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if grant is None:
            return 400, {"error": "invalid_grant"}
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != self.redirect_uri:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if digest.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        person = grant["person"]
        now = int(time.time())
        claims = {k: v for k, v in person.items() if k not in self.userinfo_only}
        id_token = jwt.encode(
            {
                **claims,
                "iss": self.url,
                "aud": self.audience or self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
            },
            self.signing_key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )
        access = secrets.token_urlsafe(16)
        self.access[access] = person
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        person = self.access.get(authorization.removeprefix("Bearer ").strip())
        if person is None:
            return 401, {"error": "invalid_token"}
        return 200, person

    # --- HTTP ------------------------------------------------------------------------------------
    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if not isinstance(body, bytes):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                provider.requests.append(url.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif url.path == "/jwks":
                    self._send(200, provider.jwks())
                elif url.path == "/authorize":
                    status, headers, body = provider.authorize(query)
                    self._send(status, body, headers)
                elif url.path == "/userinfo":
                    status, body = provider.userinfo(self.headers.get("Authorization", ""))
                    self._send(status, body)
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                provider.requests.append(url.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path == "/token":
                    status, body = provider.token(form)
                    self._send(status, body)
                else:
                    self._send(404, {"error": "not_found"})

        return Handler
