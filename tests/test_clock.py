"""Business dates are days in the bank's time zone, not the server's."""

from __future__ import annotations

import datetime as dt

import pytest

from server import clock
from server.settings import Settings


def test_late_evening_utc_is_the_next_business_day_in_china() -> None:
    late = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)  # 00:30 on 2 December in Beijing
    assert clock.business_today(late) == dt.date(2026, 12, 2)
    assert clock.business_today(late - dt.timedelta(hours=1)) == dt.date(2026, 12, 1)


def test_another_zone_can_be_configured() -> None:
    late = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)
    try:
        clock.configure("Europe/London")
        assert clock.business_today(late) == dt.date(2026, 12, 1)
    finally:
        clock.configure(clock.DEFAULT_BUSINESS_TIMEZONE)


def test_an_unknown_zone_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="RURALCREDIT_BUSINESS_TIMEZONE"):
        Settings.from_env(
            {"RURALCREDIT_BUSINESS_TIMEZONE": "Mars/Olympus", "RURALCREDIT_JWT_SECRET": "x" * 40}
        )
