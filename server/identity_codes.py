"""Chinese identity numbers: resident ID (GB 11643-1999), social credit code (GB 32100-2015).

Both are 18 characters ending in a check character computed over the first 17,
so a mistyped or transposed character is caught before it reaches the
database. The validators return ``None`` for a valid number or a short reason
naming the rule that failed, which is shown to whoever typed it. The
generators make valid numbers for demo and test data, deterministically from
the ``random.Random`` they are given. :func:`mask_identity` is how a number is
shown to anyone not allowed to see it whole; :func:`mask_identity_numbers` masks
every run of a text that looks like one, valid or not.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from server.clock import business_today

RESIDENT_ID_LENGTH = 18
# ISO 7064 MOD 11-2: weight of position i is 2**(17 - i) mod 11.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character for a weighted sum of 0, 1, ..., 10 (mod 11).
RESIDENT_ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)

SOCIAL_CREDIT_CODE_LENGTH = 18
# GB 32100 leaves out I, O, Z, S and V, which are easily mistaken for 1, 0, 2, 5 and U.
SOCIAL_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i is 3**i mod 31.
SOCIAL_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation code (positions 9–17 of a social credit code): its own check digit.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_DIGITS = "0123456789"
_VISIBLE_HEAD = 3
_VISIBLE_TAIL = 4
_CODE_CHAR = "[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]"
# What reads as an identity number, check character right or wrong (a mistyped number
# is still someone's): 17 digits and a digit or X not inside a longer run of digits, or
# a social credit code (its alphabet, characters 3-8 digits) not inside a longer word.
_LOOKS_LIKE_IDENTITY = re.compile(
    r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])"
    rf"|(?<![0-9A-Za-z]){_CODE_CHAR}{{2}}[0-9]{{6}}{_CODE_CHAR}{{10}}(?![0-9A-Za-z])"
)


def normalise_resident_id(value: str) -> str:
    """The form a resident ID is stored in: no surrounding blanks, check letter ``X`` upper-case."""
    return value.strip().upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str, *, today: dt.date | None = None) -> str | None:
    """``None`` if the value, once normalised, is a valid resident ID; else the rule it breaks.

    The embedded birth date must be a real date from 1900-01-01 to ``today``
    (the current date unless given).
    """
    stripped = value.strip()
    if not stripped.isascii():
        return "must contain only the digits 0-9 and X"
    number = stripped.upper()
    if len(number) != RESIDENT_ID_LENGTH:
        return f"must be {RESIDENT_ID_LENGTH} characters, not {len(number)}"
    if any(char not in _DIGITS for char in number[:17]):
        return "the first 17 characters must be digits"
    if number[17] not in _DIGITS + "X":
        return "the last character must be a digit or X"
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return f"birth date {birth} is not a date"
    latest = business_today() if today is None else today
    if not EARLIEST_BIRTH_DATE <= born <= latest:
        return f"birth date {birth} is not between 19000101 and {latest:%Y%m%d}"
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        return f"check digit must be {expected}"
    return None


def normalise_social_credit_code(value: str) -> str:
    """The form a social credit code is stored in: no surrounding blanks, upper case."""
    return value.strip().upper()


def social_credit_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a social credit code."""
    total = sum(
        SOCIAL_CREDIT_ALPHABET.index(char) * weight
        for char, weight in zip(first17, SOCIAL_CREDIT_WEIGHTS, strict=True)
    )
    return SOCIAL_CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_social_credit_code(value: str) -> str | None:
    """``None`` if the value, once normalised, is a valid credit code; else the rule it breaks.

    Characters 3-8 must be digits (the administrative division code); the
    registration authority and organisation category are not checked, so
    codes of authorities added after the standard stay valid.
    """
    stripped = value.strip()
    if not stripped.isascii():
        return "must contain only digits and the letters GB 32100 allows"
    code = stripped.upper()
    if len(code) != SOCIAL_CREDIT_CODE_LENGTH:
        return f"must be {SOCIAL_CREDIT_CODE_LENGTH} characters, not {len(code)}"
    for position, char in enumerate(code, start=1):
        if char not in SOCIAL_CREDIT_ALPHABET:
            return (
                f"character {position} ({char}) is not allowed: "
                "only digits and letters other than I, O, Z, S and V"
            )
    if any(char not in _DIGITS for char in code[2:8]):
        return "characters 3-8 must be the 6-digit administrative division code"
    expected = social_credit_check_char(code[:17])
    if code[17] != expected:
        return f"check character must be {expected}"
    return None


def mask_identity(value: str) -> str:
    """Show the first 3 and last 4 characters and hide the rest (``110***********1234``).

    A value too short to hide anything that way is hidden whole.
    """
    if len(value) <= _VISIBLE_HEAD + _VISIBLE_TAIL:
        return "*" * len(value)
    hidden = len(value) - _VISIBLE_HEAD - _VISIBLE_TAIL
    return value[:_VISIBLE_HEAD] + "*" * hidden + value[-_VISIBLE_TAIL:]


def mask_identity_numbers(text: str) -> str:
    """``text`` with every run that looks like a resident ID or a social credit code
    masked as :func:`mask_identity` masks it (``客户110***********1234``)."""
    return _LOOKS_LIKE_IDENTITY.sub(lambda m: mask_identity(m.group()), text)


def make_resident_id(
    rng: random.Random,
    *,
    region: str = "370000",
    birth_date: dt.date | None = None,
    male: bool | None = None,
) -> str:
    """A valid resident ID for a person born in ``region`` on ``birth_date``.

    ``region`` is a 6-digit administrative division code. Without a birth date
    one between 1950 and 2000 is drawn; without a sex, one is drawn (the 17th
    digit is odd for men, even for women). The same ``rng`` state gives the
    same number.
    """
    _require_region(region)
    if birth_date is None:
        first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2000, 12, 31).toordinal()
        birth_date = dt.date.fromordinal(rng.randint(first, last))
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValueError(f"birth date {birth_date} is before {EARLIEST_BIRTH_DATE}")
    is_male = rng.random() < 0.5 if male is None else male
    sex_digit = rng.choice("13579" if is_male else "02468")
    first17 = f"{region}{birth_date:%Y%m%d}{rng.randint(1, 99):02d}{sex_digit}"
    return first17 + resident_id_check_char(first17)


def make_social_credit_code(
    rng: random.Random, *, region: str = "370000", prefix: str = "91"
) -> str:
    """A valid unified social credit code registered in ``region``.

    ``prefix`` is the registration authority and organisation category:
    ``91`` an enterprise, ``93`` a farmers' cooperative, ``12`` a public
    institution, ``51`` a social organisation. The embedded organisation code
    carries a valid GB 11714 check digit; most are of the post-2015 ``MA…``
    form. The same ``rng`` state gives the same code.
    """
    _require_region(region)
    if len(prefix) != 2 or any(char not in SOCIAL_CREDIT_ALPHABET for char in prefix):
        raise ValueError(f"prefix {prefix!r} must be two characters of the GB 32100 alphabet")
    if rng.random() < 0.7:
        body = "MA" + "".join(rng.choice(SOCIAL_CREDIT_ALPHABET) for _ in range(6))
    else:
        body = "".join(rng.choice(_DIGITS) for _ in range(8))
    first17 = prefix + region + body + _organisation_check_char(body)
    return first17 + social_credit_check_char(first17)


def _organisation_check_char(body: str) -> str:
    """GB 11714 check character: digits count at face value, letters A=10 … Z=35."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _require_region(region: str) -> None:
    if len(region) != 6 or any(char not in _DIGITS for char in region):
        raise ValueError(f"region {region!r} must be a 6-digit administrative division code")
