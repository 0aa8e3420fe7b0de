"""Bearer JWT → :class:`~server.principal.Principal` (tenant, user, roles).

The algorithm is pinned in settings (HS256 with a shared secret, or RS256 with
a public key); ``exp``, ``aud`` and ``iss`` are required and checked. A token
naming another algorithm — ``none`` included — is refused, and so is one longer
than ``jwt_max_bytes`` (before any parsing), one that lives longer than
``jwt_max_lifetime_hours``, and one whose claims have the wrong type. Whether the
token's tenant exists is the caller's check (it needs the database).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from server.domain import Role
from server.errors import AuthenticationError
from server.principal import Principal
from server.settings import Settings

REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub", "tenant", "roles")
#: The claim that bounds what a role sees: its own employee number, its office's code,
#: its province (the spec's roles table). A token with the role and without the claim
#: is refused.
SCOPE_CLAIMS = {
    Role.MANAGER: "manager",
    Role.BRANCH_HEAD: "office",
    Role.FEDERATION_ADMIN: "province",
}
MAX_CLAIM_LENGTH = 80


def principal_from_authorization(header: str | None, settings: Settings) -> Principal:
    if not header:
        raise AuthenticationError("missing Authorization header")
    if len(header) > settings.jwt_max_bytes + len("Bearer "):
        raise AuthenticationError(f"token longer than {settings.jwt_max_bytes} bytes")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization must be 'Bearer <token>'")
    return decode_token(token.strip(), settings)


def decode_token(token: str, settings: Settings) -> Principal:
    if len(token) > settings.jwt_max_bytes:
        raise AuthenticationError(f"token longer than {settings.jwt_max_bytes} bytes")
    try:
        claims = jwt.decode(
            token,
            settings.verification_key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("token expired") from None
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"invalid token: {exc}") from None
    tenant, user, roles = claims["tenant"], claims["sub"], claims["roles"]
    if not isinstance(tenant, str) or not tenant or not isinstance(user, str) or not user:
        raise AuthenticationError("invalid token: tenant and sub must be non-empty strings")
    if not isinstance(roles, list) or not roles:
        raise AuthenticationError("invalid token: roles must be a non-empty list")
    if not all(isinstance(r, str) for r in roles):
        raise AuthenticationError("invalid token: roles must be strings")
    try:
        parsed = frozenset(Role(r) for r in roles)
    except ValueError:
        raise AuthenticationError("invalid token: unknown role") from None
    issued, expires = claims["iat"], claims["exp"]
    if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (issued, expires)):
        raise AuthenticationError("invalid token: iat and exp must be numbers")
    if expires - issued > settings.jwt_max_lifetime_hours * 3600:
        raise AuthenticationError(
            f"token lives longer than {settings.jwt_max_lifetime_hours} hours"
        )
    try:
        expires_at = dt.datetime.fromtimestamp(int(expires), dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise AuthenticationError("invalid token: exp out of range") from None
    scoped = {claim: _scope_claim(claims, claim) for claim in SCOPE_CLAIMS.values()}
    for role, claim in SCOPE_CLAIMS.items():
        if role in parsed and scoped[claim] is None:
            raise AuthenticationError(
                f"invalid token: the role {role.value} needs the claim {claim}"
            )
    return Principal(
        tenant_id=tenant,
        user_id=user,
        roles=parsed,
        expires_at=expires_at,
        manager=scoped["manager"] if Role.MANAGER in parsed else None,
        office=scoped["office"] if Role.BRANCH_HEAD in parsed else None,
        province=scoped["province"] if Role.FEDERATION_ADMIN in parsed else None,
    )


def _scope_claim(claims: dict[str, object], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH:
        raise AuthenticationError(
            f"invalid token: {name} must be a non-empty string of at most {MAX_CLAIM_LENGTH}"
        )
    return value


def mint_token(
    settings: Settings,
    *,
    tenant: str,
    user: str,
    roles: list[Role],
    ttl: dt.timedelta = dt.timedelta(hours=8),
    private_key: str | None = None,
    now: dt.datetime | None = None,
    manager: str | None = None,
    office: str | None = None,
    province: str | None = None,
) -> str:
    """Sign a token for local use (HS256 with the configured secret, or RS256 with a key)."""
    issued = now or dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": user,
        "tenant": tenant,
        "roles": [r.value for r in roles],
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": issued,
        "exp": issued + ttl,
    }
    for name, value in (("manager", manager), ("office", office), ("province", province)):
        if value is not None:
            claims[name] = value
    if settings.jwt_algorithm == "HS256":
        assert settings.jwt_secret is not None
        return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    if private_key is None:
        raise ValueError("RS256 tokens need the private key (--private-key)")
    return jwt.encode(claims, private_key, algorithm="RS256")
