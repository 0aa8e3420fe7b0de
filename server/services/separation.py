"""Separation of duties (maker–checker), as the spec's list says (core.md, "Roles").

In every path: the person who computed or recomputed an appraisal never confirms it,
nor resolves an appeal against it; the appellant never resolves their own appeal; who
records a violation never confirms it; who requests an admission never approves it; a
manual tier change is a proposal that a second HR person confirms. Persons are compared
case-insensitively (``Principal.is_person``). Nobody acts on their own manager record
(``Principal.is_manager``: the ``manager`` claim or the user id is its employee number),
except where the spec gives the manager the act: appealing their own appraisal, and their
own customers, loans, duties and admission requests.

Each rule is one name below; a refusal is :class:`~server.errors.SeparationOfDuties`
(a ``PermissionDenied`` whose code is ``SEPARATION_OF_DUTIES``), naming the rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.db import models
from server.errors import SeparationOfDuties
from server.principal import Principal

OWN_RECORD = "OWN_RECORD"
"""Nobody acts on their own manager record."""
COMPUTER_CONFIRMS = "COMPUTER_CONFIRMS"
"""Who computed or recomputed an appraisal never confirms it."""
COMPUTER_RESOLVES = "COMPUTER_RESOLVES"
"""Who computed or recomputed an appraisal never resolves an appeal against it."""
APPELLANT_RESOLVES = "APPELLANT_RESOLVES"
"""The appellant never resolves their own appeal."""
RECORDER_CONFIRMS = "RECORDER_CONFIRMS"
"""Who records a violation never confirms it."""
REQUESTER_DECIDES = "REQUESTER_DECIDES"
"""Who requests an admission never approves (nor rejects) it."""
PROPOSER_DECIDES = "PROPOSER_DECIDES"
"""A manual tier change is confirmed (or rejected) by a second HR person, not its proposer."""


def refuse_own_record(
    actor: Principal, manager: models.Manager, field: str = "manager_id", *, act: str = "act on"
) -> None:
    """Refuse when ``manager`` is the actor's own record."""
    if actor.is_manager(manager.employee_no):
        raise SeparationOfDuties(OWN_RECORD, f"nobody may {act} their own manager record", field)


def refuse_same_person(
    actor: Principal, people: Iterable[str | None], rule: str, message: str, field: str
) -> None:
    """Refuse when the actor is any of ``people`` (user ids recorded on the row)."""
    if any(actor.is_person(person) for person in people):
        raise SeparationOfDuties(rule, message, field)
