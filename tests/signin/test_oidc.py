"""Sign-on with the provincial identity service (OpenID Connect), against a small provider the
test starts (tests/signin/oidc_provider.py: discovery, authorize, token, JWKS, userinfo over
real HTTP). Verified resident ID numbers map to residents; anything else signs nobody in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from onetrip.people.models import Applicant, User
from onetrip.people.services import applicant_register
from onetrip.signin import oidc
from tests.factories import make_user, ric_number
from tests.signin.oidc_provider import TinyProvider

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/oidc/callback/"


@pytest.fixture
def provider(settings):
    with TinyProvider(client_id="onetrip", client_secret="s3cret", redirect_uri=CALLBACK) as p:
        settings.ONETRIP_OIDC_ISSUER = p.url
        settings.OIDC_RP_CLIENT_ID = "onetrip"
        settings.OIDC_RP_CLIENT_SECRET = "s3cret"
        oidc._discovery.clear()
        yield p
    oidc._discovery.clear()


def person(number: str, **extra) -> dict:
    return {
        "sub": f"zj-{number[-6:]}",
        "name": "林晓燕",
        "phone_number": "13912345678",
        "id_number": number,
        "id_number_verified": True,
        **extra,
    }


def sign_on(client: Client, next_url: str = "/my/cases/"):
    """The browser's round trip: our site -> the provider's authorize -> our callback."""
    r = client.get("/accounts/oidc/login/", {"next": next_url})
    assert r.status_code == 302
    authorize = r.headers["Location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    at_provider = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlparse(at_provider.headers["Location"])
    return client.get(back.path + "?" + back.query)


def signed_in_user(client: Client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_off_unless_configured(client):
    assert client.get("/accounts/oidc/login/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404
    assert 'data-testid="oidc-login"' not in client.get("/accounts/login/").content.decode()


def test_new_resident_signs_on_and_gets_an_applicant_account(provider, client):
    number = ric_number(seq=501)
    provider.person = person(number)
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="oidc-login"' in page
    r = sign_on(client)
    assert r.status_code == 302 and r.headers["Location"] == "/my/cases/"
    user = signed_in_user(client)
    assert user is not None and user.has_role("applicant") and not user.has_usable_password()
    applicant = Applicant.objects.get(id_number=number)
    assert applicant.user == user and applicant.name == "林晓燕"
    # discovery, token, JWKS and userinfo were all used
    assert {"/.well-known/openid-configuration", "/token", "/jwks", "/userinfo"} <= set(
        provider.requests
    )
    # the resident's pages open
    assert client.get("/my/cases/").status_code == 200


def test_existing_resident_record_is_bound_then_reused(provider):
    number = ric_number(seq=502)
    record = applicant_register(name="王德明", id_number=number)  # known from a window visit
    provider.person = person(number, name="王德明")
    first = Client()
    assert sign_on(first).status_code == 302
    user = signed_in_user(first)
    record.refresh_from_db()
    assert record.user == user
    # next time: the same account, nothing new
    second = Client()
    assert sign_on(second).status_code == 302
    assert signed_in_user(second) == user
    assert User.objects.filter(applicant__id_number=number).count() == 1


def test_local_account_of_the_resident_is_signed_in(provider):
    number = ric_number(seq=503)
    local = make_user("13900000503", "applicant", phone="13900000503")
    applicant_register(name="林晓燕", id_number=number, user=local)
    provider.person = person(number)
    c = Client()
    assert sign_on(c).status_code == 302
    assert signed_in_user(c) == local


def test_id_number_from_userinfo_only(provider):
    number = ric_number(seq=504)
    provider.person = person(number)
    provider.userinfo_only = {"id_number", "id_number_verified", "name"}
    c = Client()
    assert sign_on(c).status_code == 302
    assert signed_in_user(c).applicant.id_number == number


@pytest.mark.parametrize(
    "claims",
    [
        {"id_number_verified": False},  # the service did not verify it
        {"id_number": "330102198503150000"},  # wrong check digit (GB 11643)
        {"id_number": None},
    ],
    ids=["unverified", "bad-check-digit", "missing"],
)
def test_no_verified_valid_id_number_signs_nobody_in(provider, claims):
    number = ric_number(seq=505)
    provider.person = {**person(number), **claims}
    c = Client()
    r = sign_on(c)
    assert r.status_code == 302 and r.headers["Location"] == "/accounts/login/?oidc=failed"
    assert signed_in_user(c) is None
    assert not User.objects.filter(username__startswith="oidc-").exists()
    assert not Applicant.objects.exists()
    page = c.get(r.headers["Location"]).content.decode()
    assert 'data-testid="oidc-failed"' in page


@pytest.mark.parametrize("attack", ["foreign-key", "other-audience"])
def test_tokens_not_from_the_service_for_us_are_refused(provider, attack):
    provider.person = person(ric_number(seq=506))
    if attack == "foreign-key":
        provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        provider.audience = "some-other-client"
    c = Client()
    r = sign_on(c)
    assert r.status_code == 302 and "oidc=failed" in r.headers["Location"]
    assert signed_in_user(c) is None


def test_service_down_is_a_failed_sign_on_not_a_500(provider, settings):
    provider.person = person(ric_number(seq=507))
    c = Client()
    r = c.get("/accounts/oidc/login/")
    authorize = r.headers["Location"]
    back = urlparse(requests.get(authorize, allow_redirects=False, timeout=10).headers["Location"])
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there
    r = c.get(back.path + "?" + back.query)
    assert r.status_code == 302 and "oidc=failed" in r.headers["Location"]


def test_forged_state_is_refused(provider, client):
    provider.person = person(ric_number(seq=508))
    client.get("/accounts/oidc/login/")
    r = client.get("/accounts/oidc/callback/?code=whatever&state=forged")
    assert r.status_code == 400
    assert signed_in_user(client) is None
