"""The business date: the calendar day in the tenant's (the bank's) time zone.

Business dates (a loan's issue date, a licence's validity, an admission's lapse, a
duty's due date, the last day of an appeal window, the day a daily job runs for) are
days in the tenant's time zone (its ``time_zone`` setting,
:mod:`server.services.tenant_settings`), whatever zone the server's clock runs in: at
23:30 UTC it is already the next day for a bank in China Standard Time. A tenant that
names no zone uses the server's, ``RURALCREDIT_BUSINESS_TIMEZONE`` (an IANA name,
default Asia/Shanghai), which the app and the command line set at start
(:func:`configure`). Instants (``recordedAt``, ``confirmedAt``) stay in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BUSINESS_TIMEZONE = "Asia/Shanghai"
MAX_ZONE_NAME = 64
"""The longest time zone name accepted (the IANA database's longest is about 30)."""

_zone = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE)


def configure(zone_name: str) -> None:
    """Use ``zone_name`` for the business dates of tenants that name no zone of their own
    (an unknown name raises)."""
    global _zone
    _zone = ZoneInfo(zone_name)


def business_zone() -> ZoneInfo:
    """The server's zone: that of every tenant without a ``time_zone`` of its own."""
    return _zone


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone name, or ``None`` when it is one."""
    if not name or len(name) > MAX_ZONE_NAME or name != name.strip():
        return f"a time zone is an IANA name of 1–{MAX_ZONE_NAME} characters, e.g. Asia/Shanghai"
    if name.startswith(("/", ".")) or ".." in name or "\\" in name or "\0" in name:
        return f"{name!r} is not an IANA time zone name"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"{name!r} is not an IANA time zone name (e.g. Asia/Shanghai, Asia/Urumqi)"
    return None


def current_instant() -> dt.datetime:
    """Now, aware, in UTC: the instant every "today" is the business date of."""
    return dt.datetime.now(dt.UTC)


def business_date(instant: dt.datetime, zone: ZoneInfo | None = None) -> dt.date:
    """The business date of an aware ``instant`` in ``zone`` (the server's by default)."""
    return instant.astimezone(zone or _zone).date()


def business_today(now: dt.datetime | None = None, zone: ZoneInfo | None = None) -> dt.date:
    """Today's business date in ``zone`` (the server's by default); ``now`` (an aware
    instant) for another moment. A tenant's date: ``tenant_settings.tenant_today``."""
    return business_date(now or current_instant(), zone)
