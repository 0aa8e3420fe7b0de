"""Exact decimal columns on both databases.

PostgreSQL stores ``NUMERIC(p, s)`` natively. SQLite has no exact decimal
type (NUMERIC affinity turns ``'1234.56'`` into a binary float), so there
the value is stored as a 64-bit integer of minor units (fen for money):
``1234.56`` is kept as ``123456``. Sums and comparisons in SQL stay exact on
both databases; Python always sees ``Decimal``.

Timestamps (``UtcDateTime``) are ``timestamptz`` on PostgreSQL. SQLite has no
time zone type: SQLAlchemy writes the wall-clock text and drops the offset, so
there the value is converted to UTC before it is written and read back as an
aware UTC datetime. The stored text is the same as before (UTC wall time, which
is also what SQLite's ``CURRENT_TIMESTAMP`` writes), so no data changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine


class ScaledDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        if precision > 18:
            raise ValueError("precision above 18 does not fit a 64-bit integer on SQLite")
        super().__init__(precision, scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = 10**scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        quantized = exact.quantize(self._quantum)
        if quantized != exact:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(quantized.scaleb(self.scale))
        return quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):
                # Only an aggregate such as AVG yields a float; round to the column's scale.
                return Decimal(repr(value)).scaleb(-self.scale).quantize(self._quantum)
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware timestamp on both databases, stored in UTC and read back with offset +00:00.

    A naive value is taken to be UTC already (the application's clock, ``now()``,
    is aware, and so is every parsed GraphQL ``DateTime``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"a timestamp must be a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime
