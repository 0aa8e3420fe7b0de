"""The outbox rows of the demo's tier and class changes, as the services write them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.demo.draw import Row, TenantDraw
from server.domain import EventKind
from server.outbox.events import event_row
from server.outbox.payloads import class_payload, grade_payload, office_json
from server.policy import Tier


def outbox_rows(
    draw: TenantDraw,
    offices_rows: list[Row],
    managers: list[Row],
    tier_changes: list[Row],
    customers: list[Row],
    class_changes: list[Row],
) -> list[Row]:
    """The outbox rows of the initial tiers and classes, as the services write them, by time."""
    offices = {o["id"]: (o["code"], o["name"]) for o in offices_rows}
    by_manager = {m["id"]: m for m in managers}
    by_customer = {c["id"]: c for c in customers}
    pending: list[tuple[dt.datetime, EventKind, uuid.UUID, uuid.UUID, dict[str, Any]]] = []
    for change in tier_changes:
        manager = by_manager[change["manager_id"]]
        payload = grade_payload(
            manager_id=manager["id"],
            employee_no=manager["employee_no"],
            name=manager["name"],
            office=office_json(manager["office_id"], *offices[manager["office_id"]]),
            from_tier=(None, None, None),
            to_tier=Tier(change["to_code"], change["to_name"], change["to_rank"], ""),
            cause=change["cause"],
            effective_on=change["effective_on"],
            reason=change["reason"],
            plugin=change["plugin"],
            plugin_version=change["plugin_version"],
        )
        pending.append(
            (
                change["recorded_at"],
                EventKind.GRADE_CHANGED,
                manager["id"],
                manager["office_id"],
                payload,
            )
        )
    for change in class_changes:
        customer = by_customer[change["customer_id"]]
        payload = class_payload(
            customer_id=customer["id"],
            name=customer["name"],
            office=office_json(customer["office_id"], *offices[customer["office_id"]]),
            from_class=None,
            to_class=change["to_class"],
            rules=change["rules"],
            plugin=change["plugin"],
            plugin_version=change["plugin_version"],
        )
        pending.append(
            (
                change["changed_at"],
                EventKind.CUSTOMER_CLASS_CHANGED,
                customer["id"],
                customer["office_id"],
                payload,
            )
        )
    pending.sort(key=lambda event: event[0])
    return [
        event_row(draw.tenant.tenant_id, cursor, kind, subject, office, payload, at)
        for cursor, (at, kind, subject, office, payload) in enumerate(pending, start=1)
    ]
