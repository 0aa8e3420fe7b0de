"""An event's payload typed: one GraphQL object per event kind, the union ``EventData``.

The payloads are built in ``server.outbox.payloads`` (``grade_payload``,
``class_payload``); these types read the stored payload field for field, so a
front-end reads what a webhook receiver is sent. The payload's ``from`` and ``to``
are ``fromTier``/``toTier`` and ``fromClass``/``toClass`` here (as on ``TierChange``
and ``ClassChange``): fields of one name in two members of a union must have one
type, or a query that selects both is invalid. The envelope every payload carries
(``cursor``, ``kind``, ``occurredAt``, ``tenant``) is the event's own fields and the
caller's tenant. The payload JSON itself (what webhooks send) is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import strawberry

from server.domain import CustomerClass, EventKind, TierChangeCause
from server.graphql.appraisal.results import tier_or_none
from server.graphql.lending.rules import ClassRule
from server.graphql.org.types import Tier


def _id(value: Any) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="The office an event happened at.")
class EventOffice:
    id: strawberry.ID
    code: str
    name: str

    @classmethod
    def from_json(cls, stored: Any) -> EventOffice | None:
        if not isinstance(stored, Mapping) or stored.get("id") is None:
            return None
        return cls(
            id=strawberry.ID(str(stored["id"])),
            code=str(stored.get("code", "")),
            name=str(stored.get("name", "")),
        )


@strawberry.type(description="The manager whose grade changed.")
class EventManager:
    id: strawberry.ID
    employee_no: str
    name: str


@strawberry.type(description="The customer whose class changed.")
class EventCustomer:
    id: strawberry.ID
    name: str


@strawberry.type(description="A GRADE_CHANGED event: a manager's tier changed.")
class GradeChangedData:
    manager: EventManager
    office: EventOffice | None = strawberry.field(
        description="The manager's office; null only on events recorded before offices were "
        "part of the payload."
    )
    from_tier: Tier | None = strawberry.field(
        description="The payload's from; null for a first tier."
    )
    to_tier: Tier | None = strawberry.field(
        description="The payload's to; null when the manager holds no tier any more."
    )
    direction: str = strawberry.field(
        description="SET (first tier), UP, DOWN, SAME, or REMOVED (no tier any more)."
    )
    cause: TierChangeCause
    appraisal_id: strawberry.ID | None = strawberry.field(
        description="The confirmed appraisal that moved it, if any."
    )
    violation_id: strawberry.ID | None = strawberry.field(
        description="The confirmed violation that moved it, if any."
    )
    reason: str | None
    plugin: str | None
    plugin_version: str | None
    effective_on: dt.date

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> GradeChangedData:
        manager = p.get("manager") or {}
        return cls(
            manager=EventManager(
                id=strawberry.ID(str(manager.get("id", ""))),
                employee_no=str(manager.get("employeeNo", "")),
                name=str(manager.get("name", "")),
            ),
            office=EventOffice.from_json(p.get("office")),
            from_tier=tier_or_none(p.get("from")),
            to_tier=tier_or_none(p.get("to")),
            direction=str(p.get("direction", "")),
            cause=TierChangeCause(p["cause"]),
            appraisal_id=_id(p.get("appraisalId")),
            violation_id=_id(p.get("violationId")),
            reason=_text(p.get("reason")),
            plugin=_text(p.get("plugin")),
            plugin_version=_text(p.get("pluginVersion")),
            effective_on=dt.date.fromisoformat(str(p["effectiveOn"])),
        )


@strawberry.type(description="A CUSTOMER_CLASS_CHANGED event: a customer's class changed.")
class CustomerClassChangedData:
    customer: EventCustomer
    office: EventOffice | None = strawberry.field(
        description="The customer's office; null only on events recorded before offices were "
        "part of the payload."
    )
    from_class: CustomerClass | None = strawberry.field(
        description="The payload's from; null for a first class."
    )
    to_class: CustomerClass = strawberry.field(description="The payload's to.")
    rules: list[ClassRule] = strawberry.field(description="Every rule that decided the class.")
    plugin: str | None = strawberry.field(
        description="Always given for a class change; nullable as on GradeChangedData (a "
        "query that selects both members needs one type per field name)."
    )
    plugin_version: str | None

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> CustomerClassChangedData:
        customer = p.get("customer") or {}
        from_class = p.get("from")
        return cls(
            customer=EventCustomer(
                id=strawberry.ID(str(customer.get("id", ""))),
                name=str(customer.get("name", "")),
            ),
            office=EventOffice.from_json(p.get("office")),
            from_class=None if from_class is None else CustomerClass(from_class),
            to_class=CustomerClass(p["to"]),
            rules=ClassRule.all_from_json(p.get("rules")),
            plugin=_text(p.get("plugin")),
            plugin_version=_text(p.get("pluginVersion")),
        )


EventData = Annotated[
    GradeChangedData | CustomerClassChangedData,
    strawberry.union(
        "EventData", description="An event's payload, typed: one member per event kind."
    ),
]

#: The typed member of each event kind (a test checks that every kind has one).
DATA_BY_KIND: dict[EventKind, type[GradeChangedData] | type[CustomerClassChangedData]] = {
    EventKind.GRADE_CHANGED: GradeChangedData,
    EventKind.CUSTOMER_CLASS_CHANGED: CustomerClassChangedData,
}


def event_data(
    kind: EventKind, payload: Mapping[str, Any]
) -> GradeChangedData | CustomerClassChangedData:
    """The typed payload of an event of ``kind``."""
    return DATA_BY_KIND[kind].from_payload(payload)
