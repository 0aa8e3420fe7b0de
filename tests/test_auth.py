"""Bearer tokens: a bad token is a 401 with no data, and nothing is written."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncIterator

import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import decode_token, mint_token
from server.db import models
from server.domain import Role
from server.errors import AuthenticationError
from server.settings import Settings

from .conftest import Api

CREATE_OFFICE = """
mutation { createOffice(input: {code: "AUTH-1", name: "不该写入", kind: HEAD_OFFICE}) {
  __typename } }
"""


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(settings: Settings, **overrides: object) -> dict[str, object]:
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, object] = {
        "sub": "u1",
        "tenant": "sd-demo",
        "roles": ["HR"],
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + dt.timedelta(hours=1),
    }
    claims.update(overrides)
    return claims


def bad_tokens(settings: Settings) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    secret = settings.jwt_secret
    assert secret
    unsigned = _claims(settings)
    unsigned["iat"] = int(now.timestamp())
    unsigned["exp"] = int((now + dt.timedelta(hours=1)).timestamp())
    return {
        "expired": jwt.encode(
            _claims(settings, exp=now - dt.timedelta(seconds=5)), secret, algorithm="HS256"
        ),
        "wrong_secret": jwt.encode(_claims(settings), "another-secret-" * 4, algorithm="HS256"),
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(unsigned)}.",
        "wrong_audience": jwt.encode(_claims(settings, aud="someone-else"), secret, "HS256"),
        "wrong_issuer": jwt.encode(_claims(settings, iss="someone-else"), secret, "HS256"),
        "no_expiry": jwt.encode(
            {k: v for k, v in _claims(settings).items() if k != "exp"}, secret, "HS256"
        ),
        "unknown_role": jwt.encode(_claims(settings, roles=["ROOT"]), secret, "HS256"),
        "garbage": "not-a-token",
        "exp_1e20": jwt.encode(_claims(settings, exp=10**20), secret, "HS256"),
        "lives_too_long": jwt.encode(
            _claims(
                settings, exp=now + dt.timedelta(hours=settings.jwt_max_lifetime_hours, seconds=5)
            ),
            secret,
            "HS256",
        ),
        "sub_not_a_string": jwt.encode(_claims(settings, sub=123), secret, "HS256"),
        "tenant_not_a_string": jwt.encode(_claims(settings, tenant=["sd-demo"]), secret, "HS256"),
        "roles_not_a_list": jwt.encode(_claims(settings, roles="HR"), secret, "HS256"),
        "role_not_a_string": jwt.encode(_claims(settings, roles=[["HR"]]), secret, "HS256"),
        "iat_not_a_number": jwt.encode(_claims(settings, iat="yesterday"), secret, "HS256"),
        "unknown_tenant": jwt.encode(_claims(settings, tenant="no-such-bank"), secret, "HS256"),
        "province_not_the_tenants": jwt.encode(
            _claims(settings, roles=["FEDERATION_ADMIN"], province="安徽"), secret, "HS256"
        ),
        "federation_admin_without_province": jwt.encode(
            _claims(settings, roles=["FEDERATION_ADMIN"]), secret, "HS256"
        ),
        "province_not_a_string": jwt.encode(
            _claims(settings, roles=["FEDERATION_ADMIN"], province=["山东"]), secret, "HS256"
        ),
        "too_long": jwt.encode(
            _claims(settings, padding="x" * settings.jwt_max_bytes), secret, "HS256"
        ),
        "manager_without_claim": jwt.encode(_claims(settings, roles=["MANAGER"]), secret, "HS256"),
        "branch_head_without_claim": jwt.encode(
            _claims(settings, roles=["BRANCH_HEAD"]), secret, "HS256"
        ),
        "federation_without_claim": jwt.encode(
            _claims(settings, roles=["FEDERATION_ADMIN"]), secret, "HS256"
        ),
        "manager_claim_not_a_string": jwt.encode(
            _claims(settings, roles=["MANAGER"], manager=7), secret, "HS256"
        ),
        "office_claim_empty": jwt.encode(
            _claims(settings, roles=["BRANCH_HEAD"], office=" "), secret, "HS256"
        ),
        "unknown_manager": jwt.encode(
            _claims(settings, roles=["MANAGER"], manager="NOBODY"), secret, "HS256"
        ),
        "unknown_office": jwt.encode(
            _claims(settings, roles=["BRANCH_HEAD"], office="99999"), secret, "HS256"
        ),
        "another_province": jwt.encode(
            _claims(settings, roles=["FEDERATION_ADMIN"], province="安徽"), secret, "HS256"
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "wrong_secret",
        "alg_none",
        "wrong_audience",
        "wrong_issuer",
        "no_expiry",
        "unknown_role",
        "garbage",
        "exp_1e20",
        "lives_too_long",
        "sub_not_a_string",
        "tenant_not_a_string",
        "roles_not_a_list",
        "role_not_a_string",
        "iat_not_a_number",
        "unknown_tenant",
        "province_not_the_tenants",
        "federation_admin_without_province",
        "province_not_a_string",
        "too_long",
        "manager_without_claim",
        "branch_head_without_claim",
        "federation_without_claim",
        "manager_claim_not_a_string",
        "office_claim_empty",
        "unknown_manager",
        "unknown_office",
        "another_province",
    ],
)
async def test_bad_token_is_401_with_no_data_and_no_write(
    api: Api, settings: Settings, session: AsyncSession, kind: str
) -> None:
    before = await session.scalar(select(func.count()).select_from(models.Office))
    response = await api.post(CREATE_OFFICE, token=bad_tokens(settings)[kind])
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")
    after = await session.scalar(select(func.count()).select_from(models.Office))
    assert after == before


async def test_a_province_claim_must_be_the_tenants_province(api: Api, settings: Settings) -> None:
    def token(province: str) -> str:
        return mint_token(
            settings, tenant="sd-demo", user="fed", roles=[Role.FEDERATION_ADMIN], province=province
        )

    query = "{ provinceTenants { id } }"
    right = await api.post(query, token=token("山东"))
    assert right.status_code == 200
    assert "sd-demo" in {t["id"] for t in right.json()["data"]["provinceTenants"]}
    wrong = await api.post(query, token=token("安徽"))
    assert wrong.status_code == 401
    assert "data" not in wrong.json()
    assert "province" in wrong.json()["errors"][0]["message"]


async def test_an_oversized_header_is_refused_before_it_is_parsed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_: object, **__: object) -> None:
        raise AssertionError("an oversized token reached the JWT parser")

    monkeypatch.setattr(jwt, "decode", never)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ viewer { userId } }"},
        headers={"Authorization": "Bearer " + "a" * 2_000_000},
    )
    assert response.status_code == 401
    assert "longer than" in response.json()["errors"][0]["message"]


async def test_a_body_over_the_limit_is_refused_while_it_is_read(api: Api) -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(400):  # 400 MB if it were all read
            sent.append(1)
            yield b"x" * 1_000_000

    response = await api.client.post(
        "/graphql",
        content=endless(),
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert len(sent) < 10


async def test_a_declared_length_over_the_limit_is_refused_unread(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b"{}",
        headers={
            "Authorization": f"Bearer {api.token()}",
            "Content-Type": "application/json",
            "Content-Length": "400000000",
        },
    )
    assert response.status_code == 413


async def test_missing_header_is_401(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ viewer { userId } }"})
    assert response.status_code == 401
    assert "data" not in response.json()


async def test_scope_claims_that_hold_are_served(api: Api) -> None:
    for roles, claims in [
        ((Role.MANAGER,), {"manager": api.first_managers["sd-demo"]}),
        ((Role.BRANCH_HEAD,), {"office": "10000"}),
        ((Role.FEDERATION_ADMIN,), {"province": "山东"}),
    ]:
        token = mint_token(api.settings, tenant="sd-demo", user="u1", roles=list(roles), **claims)
        response = await api.post("{ viewer { userId } }", token=token)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["viewer"]["userId"] == "u1"


async def test_valid_token_reaches_viewer(api: Api) -> None:
    data = await api("{ viewer { userId roles tenant { id name } } }", roles=(Role.HR, Role.RISK))
    assert data["viewer"]["userId"] == "u-test"
    assert set(data["viewer"]["roles"]) == {"HR", "RISK"}
    assert data["viewer"]["tenant"]["id"] == "sd-demo"


def test_decode_round_trip(settings: Settings) -> None:
    token = mint_token(settings, tenant="t1", user="alice", roles=[Role.AUDITOR])
    principal = decode_token(token, settings)
    assert (principal.tenant_id, principal.user_id, principal.roles) == (
        "t1",
        "alice",
        frozenset({Role.AUDITOR}),
    )


def test_rs256_pinned_refuses_hs256_token(settings: Settings) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    rs = Settings(
        database_url=settings.database_url, jwt_algorithm="RS256", jwt_public_key=public_pem
    )
    good = mint_token(rs, tenant="t1", user="bob", roles=[Role.HR], private_key=private_pem)
    assert decode_token(good, rs).user_id == "bob"
    # A token signed with HS256 using the public key as the secret: the classic confusion attack.
    forged = _forge_hs256_with_public_key(rs, public_pem)
    with pytest.raises(AuthenticationError):
        decode_token(forged, rs)


def _forge_hs256_with_public_key(settings: Settings, public_pem: str) -> str:
    import hashlib
    import hmac

    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = _claims(settings)
    claims["iat"], claims["exp"] = now, now + 3600
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
