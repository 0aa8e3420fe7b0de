"""A manager's resident identity number (GB 11643) and the lifetime ban it carries.

The number is checked like a customer's (check digit, a real birth date) and its birth
date must be the manager's. One manager record per person in the tenant: a person who
left is taken on again on their old record (status LEFT → ACTIVE or PROBATION). A
lifetime ban (终生取消资格, e.g. county_coop 省办法 第七条; the penalty effect
``DISQUALIFY_FOR_LIFE``) binds the person, not the employee record: the tenant refuses
the banned person's number to every other record, and the banned record keeps it.
Messages never show the number.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.errors import Conflict, FieldProblem, InvalidInput, Problems
from server.identity_codes import validate_resident_id

FIELD = "identity_number"
LIFETIME_BAN = "LIFETIME_BAN"
LIFETIME_BAN_ARTICLE = "core.md 客户经理; 信贷客户经理管理暂行办法 第七条 (终生取消资格)"


def check_identity(
    number: str | None, birth_date: dt.date, problems: Problems, today: dt.date
) -> None:
    """A resident ID (GB 11643, check digit verified) whose birth date is the manager's."""
    if number is None:
        return
    message = validate_resident_id(number, today=today)
    if message is not None:
        problems.add(FIELD, "RESIDENT_ID_GB11643", f"resident ID {message}")
    elif number[6:14] != f"{birth_date:%Y%m%d}":
        problems.add(
            FIELD,
            "BIRTH_DATE_MATCH",
            "the birth date in the resident ID is not the manager's birth date",
        )


def check_change(manager: models.Manager, number: str | None, problems: Problems) -> None:
    """The number of a manager banned for life never changes: the ban stays with it."""
    if manager.banned_for_life and manager.identity_number not in (None, number):
        problems.add(
            FIELD,
            LIFETIME_BAN,
            f"the identity number of a manager disqualified for life ({LIFETIME_BAN_ARTICLE}) "
            "cannot be changed",
        )


async def require_person_free(
    session: AsyncSession,
    tenant_id: str,
    number: str,
    own_id: uuid.UUID | None = None,
) -> None:
    """``InvalidInput`` (rule ``LIFETIME_BAN``) if the person was banned for life in the
    tenant; ``Conflict`` if another record of the tenant is the same person."""
    query = select(models.Manager.employee_no, models.Manager.banned_for_life).where(
        models.Manager.tenant_id == tenant_id, models.Manager.identity_number == number
    )
    if own_id is not None:
        query = query.where(models.Manager.id != own_id)
    found = (await session.execute(query.limit(1))).first()
    if found is None:
        return
    if found.banned_for_life:
        raise InvalidInput(
            [
                FieldProblem(
                    FIELD,
                    LIFETIME_BAN,
                    "this person was disqualified for life as a credit customer manager "
                    f"({LIFETIME_BAN_ARTICLE}) and cannot be taken on again",
                )
            ]
        )
    raise Conflict(
        f"this person already has the manager record {found.employee_no}; take them on again there",
        FIELD,
    )
