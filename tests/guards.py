"""What no test may make the code do, watched over the whole run: write an identity number or a
token into a log, or send traffic anywhere but loopback.

A pytest plugin: ``tests/conftest.py`` loads it for the suite, ``-p tests.guards`` for a run
of its own. When the run starts it puts a handler on the root logger and lowers the
application's loggers (``ruralcredit.*``) to DEBUG, so every record any logger lets through
is read, formatted as a handler would write it, traceback included; and it wraps
``socket.socket.connect`` so that a connection to an address off loopback is refused
before it is made. When the run ends it fails (exit status 1) if a record held a resident
identity number (GB 11643, valid check digit), a social credit code (GB 32100, valid check
character) or a bearer token (a JWT), or if a connection off loopback was tried. The report
names the logger, the kind of data and the test, never the value.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import re
import socket
from dataclasses import dataclass
from typing import Any

import pytest

from server.identity_codes import validate_resident_id, validate_social_credit_code

APP_LOGGER = "ruralcredit"

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Za-z])")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def personal_data_in(text: str) -> list[str]:
    """The kinds of data that must never be logged found in ``text`` (each kind once)."""
    found = []
    if any(validate_resident_id(m.group()) is None for m in _RESIDENT_ID.finditer(text)):
        found.append("resident identity number")
    if any(validate_social_credit_code(m.group()) is None for m in _CREDIT_CODE.finditer(text)):
        found.append("social credit code")
    if _JWT.search(text):
        found.append("bearer token")
    return found


def is_loopback(host: str) -> bool:
    """Whether a socket address's host is on loopback (a name other than localhost is not)."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@dataclass(frozen=True)
class Violation:
    what: str
    where: str  # the logger, or the address a connection was tried to
    test: str


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "(between tests)").rsplit(" ", 1)[0]


class LogWatch(logging.Handler):
    """Reads every record as a handler would write it; keeps only what it found, and where."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.violations: list[Violation] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted is read as it came
            text = f"{record.msg} {record.args} {record.exc_info}"
        for kind in personal_data_in(text):
            self.violations.append(Violation(f"{kind} logged", record.name, _current_test()))


class NetworkWatch:
    """Refuses and records a connection to anywhere but loopback."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._connect: Any = None

    def install(self) -> None:
        self._connect = real = socket.socket.connect
        watch = self

        def connect(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(
                str(address[0])
            ):
                watch.violations.append(
                    Violation("traffic off loopback", str(address[0]), _current_test())
                )
                raise PermissionError(errno.EACCES, "tests send traffic to loopback only")
            real(sock, address)

        socket.socket.connect = connect  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._connect is not None:
            socket.socket.connect = self._connect  # type: ignore[method-assign]


_logs = LogWatch()
_network = NetworkWatch()
_app_level: list[int] = []


def violations() -> list[Violation]:
    return [*_logs.violations, *_network.violations]


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_logs)
    app = logging.getLogger(APP_LOGGER)
    _app_level.append(app.level)
    app.setLevel(logging.DEBUG)
    _network.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    _network.uninstall()
    logging.getLogger().removeHandler(_logs)
    if _app_level:
        logging.getLogger(APP_LOGGER).setLevel(_app_level.pop())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if violations() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    found = violations()
    if not found:
        return
    terminalreporter.section("guards: what no test may make the code do", red=True)
    counted: dict[Violation, int] = {}
    for violation in found:
        counted[violation] = counted.get(violation, 0) + 1
    for v, times in counted.items():
        terminalreporter.line(f"{v.what}: {v.where} ({times}x) in {v.test}", red=True)
