"""The keyed hash of identity numbers: exact, keyed, and recomputed for every customer
when the key changes."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.identity_codes import make_resident_id, make_social_credit_code
from server.identity_lookup import HASH_LENGTH, identity_hash, lookup_number, rehash_identities
from server.settings import Settings

NUMBER = make_resident_id(random.Random(1))


def test_the_hash_depends_on_the_key_and_the_whole_number() -> None:
    key = b"k" * 32
    digest = identity_hash(key, NUMBER)
    assert len(digest) == HASH_LENGTH and digest == identity_hash(key, NUMBER)
    assert digest != identity_hash(b"j" * 32, NUMBER)
    assert digest != identity_hash(key, NUMBER[:17])
    assert NUMBER not in digest


def test_the_lookup_key_is_kept_apart_from_the_token_secret() -> None:
    secret = "s" * 48
    derived = Settings(database_url="sqlite://", jwt_secret=secret).identity_lookup_key
    assert derived != secret.encode() and len(derived) == 32
    own = Settings(database_url="sqlite://", jwt_secret=secret, lookup_key="other" * 10)
    assert own.identity_lookup_key != derived


def test_an_rs256_installation_gets_a_lookup_key_of_its_own(tmp_path: object) -> None:
    env = {
        "RURALCREDIT_JWT_ALGORITHM": "RS256",
        "RURALCREDIT_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----",
        "RURALCREDIT_DATA_DIR": str(tmp_path),
    }
    first = Settings.from_env(env).identity_lookup_key
    assert first == Settings.from_env(env).identity_lookup_key
    given = Settings.from_env({**env, "RURALCREDIT_LOOKUP_KEY": "k" * 40}).identity_lookup_key
    assert given != first


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (NUMBER, NUMBER),
        (f" {NUMBER.lower()}\t", NUMBER),
        (make_social_credit_code(random.Random(2)), make_social_credit_code(random.Random(2))),
    ],
)
def test_a_number_is_looked_up_as_stored(given: str, stored: str) -> None:
    assert lookup_number(given) == (stored, "")


@pytest.mark.parametrize("given", ["", NUMBER[:17], NUMBER[:-1] + "Z", "1101%", NUMBER + "1"])
def test_anything_but_a_whole_valid_number_is_refused(given: str) -> None:
    number, problem = lookup_number(given)
    assert number is None
    assert problem.startswith("idNumber is neither a resident ID (GB 11643")


async def test_rehashing_recomputes_every_customer_under_the_new_key(
    session: AsyncSession,
) -> None:
    key = b"rotated-key-" + b"x" * 20
    connection = await session.connection()
    done = await connection.run_sync(lambda sync: rehash_identities(sync, key, batch=97))
    rows = (
        await session.execute(select(models.Customer.id_number, models.Customer.id_number_hash))
    ).all()
    assert done == len(rows) > 97
    assert all(digest == identity_hash(key, number) for number, digest in rows)
