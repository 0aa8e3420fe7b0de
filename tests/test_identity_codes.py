"""Resident IDs (GB 11643) and social credit codes (GB 32100): validation, generation, masking."""

from __future__ import annotations

import datetime as dt
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.identity_codes import (
    SOCIAL_CREDIT_ALPHABET,
    make_resident_id,
    make_social_credit_code,
    mask_identity,
    mask_identity_numbers,
    normalise_resident_id,
    normalise_social_credit_code,
    resident_id_check_char,
    social_credit_check_char,
    validate_resident_id,
    validate_social_credit_code,
)

TODAY = dt.date(2025, 12, 31)
# Anything a keyboard might produce in place of one character, including blanks and CJK.
REPLACEMENTS = string.digits + string.ascii_letters + " -*\u3000壹０"


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the example of GB 11643-1999
        "11010519491231002x",  # a lower-case check letter is accepted
        " 11010519491231002X ",  # surrounding blanks are ignored
        "\u300011010519491231002X",  # so is a full-width blank
    ],
)
def test_valid_resident_ids(value: str) -> None:
    assert validate_resident_id(value, today=TODAY) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "must be 18 characters, not 0"),
        ("11010519491231002", "must be 18 characters, not 17"),
        ("11010519491231002X0", "must be 18 characters, not 19"),
        ("1101051949123100X2", "the first 17 characters must be digits"),
        ("11010519491231002Y", "the last character must be a digit or X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "must contain only the digits 0-9 and X"),
        ("110105194913310020", "birth date 19491331 is not a date"),
        ("110105190002290020", "birth date 19000229 is not a date"),
        ("110105189912310020", "birth date 18991231 is not between 19000101 and 20251231"),
        # The standard's other example: a valid check digit, but born before 1900.
        ("440524188001010014", "birth date 18800101 is not between 19000101 and 20251231"),
        ("110105202601010020", "birth date 20260101 is not between 19000101 and 20251231"),
        ("110105194912310021", "check digit must be X"),
        ("11010619491231002X", "check digit must be 6"),  # one digit mistyped
    ],
)
def test_invalid_resident_ids(value: str, message: str) -> None:
    assert validate_resident_id(value, today=TODAY) == message


def test_birth_date_bound_is_inclusive() -> None:
    first17 = "11010520251231001"
    value = first17 + resident_id_check_char(first17)
    assert validate_resident_id(value, today=TODAY) is None
    assert validate_resident_id(value, today=TODAY - dt.timedelta(days=1)) is not None


def test_normalise_resident_id() -> None:
    assert normalise_resident_id(" 11010519491231002x\n") == "11010519491231002X"


@pytest.mark.parametrize(
    "value",
    [
        "91350100M000100Y43",  # widely cited sample
        "91350100m000100y43",
        "\t91350100M000100Y43 ",
    ],
)
def test_valid_social_credit_codes(value: str) -> None:
    assert validate_social_credit_code(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "must be 18 characters, not 0"),
        ("91350100M000100Y4", "must be 18 characters, not 17"),
        ("91350100M000100Y430", "must be 18 characters, not 19"),
        (
            "91350100O000100Y43",
            "character 9 (O) is not allowed: only digits and letters other than I, O, Z, S and V",
        ),
        (
            "91350100M000100I43",
            "character 16 (I) is not allowed: only digits and letters other than I, O, Z, S and V",
        ),
        (
            "9135010-M000100Y43",
            "character 8 (-) is not allowed: only digits and letters other than I, O, Z, S and V",
        ),
        ("9135A100M000100Y43", "characters 3-8 must be the 6-digit administrative division code"),
        ("91350100M000100Y44", "check character must be 3"),
        ("91350100M000100Y4３", "must contain only digits and the letters GB 32100 allows"),
    ],
)
def test_invalid_social_credit_codes(value: str, message: str) -> None:
    assert validate_social_credit_code(value) == message


def test_normalise_social_credit_code() -> None:
    assert normalise_social_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("91350100M000100Y4", "3"),
    ],
)
def test_check_characters(first17: str, check: str) -> None:
    compute = social_credit_check_char if first17.startswith("9") else resident_id_check_char
    assert compute(first17) == check


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105194912311234", "110***********1234"),
        ("91350100M000100Y43", "913***********0Y43"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_identity(value: str, masked: str) -> None:
    assert mask_identity(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("110105194912311234", "110***********1234"),
        ("11010519491231002x", "110***********002x"),
        ("客户110105194912311234号", "客户110***********1234号"),
        ("ID:110105194912311234,", "ID:110***********1234,"),
        ("91350100M000100Y43", "913***********0Y43"),
        ("code 91350100m000100y43.", "code 913***********0y43."),
        # A wrong check character is masked all the same: it is still someone's number.
        ("110105194912311235", "110***********1235"),
        # Not an identity number: longer runs of digits, shorter ones, words, UUIDs.
        ("1101051949123112345", "1101051949123112345"),
        ("11010519491231123", "11010519491231123"),
        ("X91350100M000100Y43", "X91350100M000100Y43"),
        ("HT-2025-0001", "HT-2025-0001"),
        ("0190a1b2-1234-7abc-8def-0123456789ab", "0190a1b2-1234-7abc-8def-0123456789ab"),
        ("9135ABCDM000100Y43", "9135ABCDM000100Y43"),
    ],
)
def test_mask_identity_numbers_in_text(text: str, masked: str) -> None:
    assert mask_identity_numbers(text) == masked


@given(seed=st.integers(min_value=0, max_value=2**64))
def test_generated_numbers_are_masked_in_any_text(seed: int) -> None:
    rng = random.Random(seed)
    for number in (make_resident_id(rng), make_social_credit_code(rng)):
        assert mask_identity_numbers(f"为{number}。") == f"为{mask_identity(number)}。"


@given(seed=st.integers(min_value=0, max_value=2**64))
def test_generated_numbers_are_valid(seed: int) -> None:
    rng = random.Random(seed)
    assert validate_resident_id(make_resident_id(rng), today=TODAY) is None
    assert validate_social_credit_code(make_social_credit_code(rng)) is None


def test_generated_resident_id_embeds_region_birth_date_and_sex() -> None:
    rng = random.Random(7)
    born = dt.date(1988, 2, 29)
    man = make_resident_id(rng, region="341221", birth_date=born, male=True)
    woman = make_resident_id(rng, region="341221", birth_date=born, male=False)
    for value in (man, woman):
        assert value[:6] == "341221"
        assert value[6:14] == "19880229"
    assert int(man[16]) % 2 == 1
    assert int(woman[16]) % 2 == 0


def test_generated_social_credit_code_embeds_prefix_and_region() -> None:
    code = make_social_credit_code(random.Random(7), region="140921", prefix="93")
    assert code[:8] == "93140921"


def test_generators_are_deterministic() -> None:
    def batch(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [make_resident_id(rng) for _ in range(20)] + [
            make_social_credit_code(rng) for _ in range(20)
        ]

    assert batch(20251) == batch(20251)
    assert batch(20251) != batch(20252)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "37000"}, "6-digit administrative division code"),
        ({"region": "37000A"}, "6-digit administrative division code"),
        ({"birth_date": dt.date(1899, 12, 31)}, "before 1900-01-01"),
    ],
)
def test_resident_id_generator_rejects_bad_arguments(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_resident_id(random.Random(1), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["9", "9I", "911"])
def test_social_credit_generator_rejects_bad_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        make_social_credit_code(random.Random(1), prefix=prefix)


@given(
    seed=st.integers(min_value=0, max_value=2**64),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(REPLACEMENTS),
)
def test_every_single_character_corruption_of_a_resident_id_is_rejected(
    seed: int, position: int, replacement: str
) -> None:
    valid = make_resident_id(random.Random(seed))
    corrupted = valid[:position] + replacement + valid[position + 1 :]
    if normalise_resident_id(corrupted) == valid:
        return
    assert validate_resident_id(corrupted, today=TODAY) is not None


@given(
    seed=st.integers(min_value=0, max_value=2**64),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(REPLACEMENTS + SOCIAL_CREDIT_ALPHABET),
)
def test_every_single_character_corruption_of_a_social_credit_code_is_rejected(
    seed: int, position: int, replacement: str
) -> None:
    valid = make_social_credit_code(random.Random(seed))
    corrupted = valid[:position] + replacement + valid[position + 1 :]
    if normalise_social_credit_code(corrupted) == valid:
        return
    assert validate_social_credit_code(corrupted) is not None
