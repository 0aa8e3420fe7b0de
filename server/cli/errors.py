"""How the ``ruralcredit`` command reports a failure: one line on stderr and a non-zero exit
code, never a traceback on the terminal.

A mistake the user can correct (a bad option, an unknown tenant, a database that cannot be
reached) is said in one line that names what to change. Anything else is an internal error:
one line with an id, and the traceback written (identity numbers masked) to
``<data folder>/cli-errors.log`` under that id; ``--debug`` shows it on the terminal instead.
"""

from __future__ import annotations

import logging
import socket
import sys
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from server.errors import DomainError, InvalidInput
from server.log_redaction import Redact

USAGE = 2
"""Exit code of a user mistake (as argparse uses for a bad option)."""
UNAVAILABLE = 3
"""Exit code when the database cannot be reached."""
INTERNAL = 1
"""Exit code of an unexpected failure."""
INTERRUPTED = 130
ERROR_LOG = "cli-errors.log"

SCHEMES = ("postgresql+asyncpg", "sqlite+aiosqlite")


class CliError(Exception):
    """A mistake the user can correct, said in one line."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def where(url: str) -> str:
    """The database a URL names, without user or password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the database in DATABASE_URL"
    if parsed.drivername.startswith("sqlite"):
        return f"the SQLite file {parsed.database}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def check_database_url(url: str) -> None:
    """Refuse a DATABASE_URL this server cannot use before anything connects."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CliError(
            "DATABASE_URL is not a database URL; use postgresql://user@host:port/name "
            "or sqlite:///path/to/file.db"
        ) from None
    if parsed.drivername not in SCHEMES:
        scheme = parsed.drivername.split("+", 1)[0]
        raise CliError(
            f"DATABASE_URL: the scheme {scheme!r} is not supported; "
            "use postgresql://user@host:port/name or sqlite:///path/to/file.db"
        )


def _unreachable(url: str, error: BaseException) -> CliError:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    detail = reason[0] if reason else type(error).__name__
    return CliError(
        f"cannot reach {where(url)} ({detail}); check DATABASE_URL and that the database "
        "is running",
        UNAVAILABLE,
    )


def _chain(error: BaseException) -> list[BaseException]:
    """The error and those it was raised from or during."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _refused_login(error: BaseException) -> str | None:
    """PostgreSQL's reason for refusing a login (unknown user, wrong password, no such
    database), or None."""
    from asyncpg.exceptions import (
        InvalidAuthorizationSpecificationError,
        InvalidCatalogNameError,
    )

    for link in _chain(error):
        if isinstance(link, (InvalidAuthorizationSpecificationError, InvalidCatalogNameError)):
            return str(link).splitlines()[0]
    return None


def _is_connection_error(error: BaseException) -> bool:
    """A refused or failed connection, whether raised bare, by asyncpg or wrapped by
    SQLAlchemy."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        if isinstance(current, socket.gaierror) or (
            isinstance(current, OSError) and "connect call failed" in str(current).lower()
        ):
            return True
        if type(current).__module__.startswith("asyncpg") and "Connect" in type(current).__name__:
            return True
        if (
            isinstance(current, (OperationalError, InterfaceError))
            and "connect" in str(current).lower()
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _option(field: str) -> str:
    """The command-line option for a use case's input field (``as_of`` is ``--as-of``)."""
    return "--" + field.replace("_", "-")


def _no_schema(error: DBAPIError) -> bool:
    """A table the code needs is missing: the database was never migrated, or not lately."""
    text = str(error.orig or error).lower()
    name = type(error.orig).__name__ if error.orig is not None else ""
    return (
        "no such table" in text
        or "UndefinedTable" in name
        or ("relation" in text and "does not exist" in text)
    )


def explain(error: BaseException, url: str | None) -> CliError | None:
    """The one line for an error the user can act on, or None for an internal error."""
    if isinstance(error, CliError):
        return error
    if isinstance(error, InvalidInput):
        problem = error.problems[0]
        return CliError(f"{_option(problem.field)}: {problem.message}")
    if isinstance(error, DomainError):
        prefix = f"{_option(error.field)}: " if error.field else ""
        return CliError(prefix + error.message)
    if isinstance(error, DBAPIError) and _no_schema(error):
        return CliError(
            f"{where(url) if url else 'the database'} has no schema or an older one; "
            "run `ruralcredit migrate` first"
        )
    refused = _refused_login(error)
    if refused is not None:
        return CliError(
            f"{where(url) if url else 'the database'} refused the login ({refused}); "
            "check the user, password and database name in DATABASE_URL"
        )
    if url is not None and _is_connection_error(error):
        return _unreachable(url, error)
    if isinstance(error, DBAPIError) and url is not None and error.connection_invalidated:
        return _unreachable(url, error)
    if isinstance(error, OSError) and error.filename is not None:
        return CliError(f"{error.filename}: {error.strerror or error}")
    return None


def log_internal(error: BaseException, data_dir: Path | None) -> str:
    """Write the traceback under a fresh id (masked) and return the line to show."""
    incident = uuid.uuid4().hex[:12]
    logger = logging.getLogger("ruralcredit.cli.errors")
    logger.propagate = False
    folder = data_dir if data_dir is not None else Path.cwd()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / ERROR_LOG, encoding="utf-8")
        where_ = str(folder / ERROR_LOG)
    except OSError:
        handler = logging.NullHandler()
        where_ = "(no log could be written)"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(Redact())
    logger.addHandler(handler)
    try:
        logger.error("internal error %s", incident, exc_info=error)
    finally:
        logger.removeHandler(handler)
        handler.close()
    return (
        f"internal error {incident} ({type(error).__name__}); the details are in {where_}; "
        "run again with --debug to see them here"
    )


def say(line: str) -> None:
    print(f"ruralcredit: {line}", file=sys.stderr)
