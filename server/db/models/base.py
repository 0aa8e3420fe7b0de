"""The declarative base and what every model shares: column types, naming, ids, timestamps."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Enum, MetaData, String, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server import domain
from server.db.types import ScaledDecimal, UtcDateTime
from server.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = ScaledDecimal(18, 2)
Score = ScaledDecimal(7, 2)
Rate = ScaledDecimal(9, 6)
Quantity = ScaledDecimal(18, 4)
TenantId = String(32)
Json = JSON().with_variant(JSON(none_as_null=True), "postgresql")


def enum_column(enum_cls: type[domain.LabelledEnum], column: str) -> Enum:
    """A VARCHAR with a CHECK of the allowed values (named after the column)."""
    return Enum(
        enum_cls,
        name=column,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """The base of every model; its metadata is the schema the migrations create."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012
        uuid.UUID: Uuid(),
        dt.datetime: UtcDateTime(),
        dt.date: Date(),
        Decimal: Money,
        str: String(200),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


def id_column() -> Mapped[uuid.UUID]:
    """A time-ordered UUID (version 7) key, drawn when the row is made."""
    return mapped_column(Uuid(), default=uuid7)


def created_column() -> Mapped[dt.datetime]:
    """When the row was written, by the application's clock or else the database's."""
    return mapped_column(UtcDateTime(), default=now, server_default=func.now())
