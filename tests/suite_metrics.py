"""``/metrics`` scraped after every test that used the ``api`` client, added up for the run.

Each test's application has its own registry, so the ``api`` fixture scrapes its
``/metrics`` (over the ASGI transport, from loopback) when the test ends and hands the
text to :func:`record`; the conftest's hooks call :func:`check` and :func:`summary`. The
terminal summary prints the totals — GraphQL requests by
outcome, errors by code — and the run fails if tests used the client and the scrapes
counted no request at all (the counters would be broken).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

REQUESTS = "ruralcredit_graphql_requests"
ERRORS = "ruralcredit_graphql_errors"


class _Tally:
    def __init__(self) -> None:
        self.scrapes = 0
        self.failed_scrapes = 0
        self.outcomes: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()


_tally = _Tally()


def record(status: int, text: str) -> None:
    """One test's scrape: its status and its exposition text."""
    if status != 200:
        _tally.failed_scrapes += 1
        return
    _tally.scrapes += 1
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{REQUESTS}_total":
                _tally.outcomes[sample.labels["outcome"]] += int(sample.value)
            elif sample.name == f"{ERRORS}_total":
                _tally.errors[sample.labels["code"]] += int(sample.value)


def check(session: pytest.Session) -> None:
    """Fail the run when a scrape failed or the scrapes counted nothing."""
    broken = _tally.failed_scrapes or (_tally.scrapes and not sum(_tally.outcomes.values()))
    if broken and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(terminalreporter: Any) -> None:
    """Print the totals in the terminal summary."""
    if not _tally.scrapes and not _tally.failed_scrapes:
        return
    terminalreporter.section("/metrics scraped after each test's requests")
    total = sum(_tally.outcomes.values())
    terminalreporter.line(
        f"{_tally.scrapes} scrapes ({_tally.failed_scrapes} failed): {REQUESTS}_total = {total}"
    )
    by_outcome = ", ".join(f"{k} {v}" for k, v in _tally.outcomes.most_common())
    terminalreporter.line(f"  by outcome: {by_outcome}")
    by_code = ", ".join(f"{k} {v}" for k, v in _tally.errors.most_common())
    terminalreporter.line(f"  {ERRORS}_total by code: {by_code or 'none'}")
