"""The business date: the calendar day in the tenant's (the bank's) time zone.

Business dates (a loan's issue date, a licence's validity, an admission's lapse, the
day a daily job runs for) are days in China Standard Time by default, whatever zone the
server's clock runs in: at 23:30 UTC it is already the next day for the bank.
``RURALCREDIT_BUSINESS_TIMEZONE`` (an IANA name) sets another zone; the app sets it at
start (:func:`configure`). Instants (``recordedAt``, ``confirmedAt``) stay in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_BUSINESS_TIMEZONE = "Asia/Shanghai"

_zone = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE)


def configure(zone_name: str) -> None:
    """Use ``zone_name`` for business dates from now on (an unknown name raises)."""
    global _zone
    _zone = ZoneInfo(zone_name)


def business_zone() -> ZoneInfo:
    return _zone


def business_today(now: dt.datetime | None = None) -> dt.date:
    """Today's business date; ``now`` (an aware instant) for another moment."""
    instant = now or dt.datetime.now(dt.UTC)
    return instant.astimezone(_zone).date()
