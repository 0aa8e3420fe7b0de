"""The ``ruralcredit`` command: serve, worker, migrate, demo-data, token, export-schema,
export-roles, snapshot, appraise, import-loan-states, rehash-identities.

A mistake is one line on stderr and a non-zero exit code (:mod:`server.cli.errors`)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import typing
from collections.abc import Sequence
from pathlib import Path

from server import clock
from server.cli.demo import load_demo, migrate, migrate_and_load_demo
from server.cli.errors import (
    INTERNAL,
    INTERRUPTED,
    CliError,
    check_database_url,
    explain,
    log_internal,
    say,
)
from server.domain import Role
from server.log_redaction import Redact
from server.observability import logs as observability_logs
from server.settings import Settings, log_format

SCHEMA_PATH = Path("schema/schema.graphql")
ROLES_PATH = Path("docs/roles.md")
DEMO_TENANT = "sd-demo"
GRACEFUL_SHUTDOWN_SECONDS = 10
"""On shutdown, open connections (subscriptions included) get this long to finish."""


def _token(
    settings: Settings,
    tenant: str,
    roles: list[Role],
    user: str,
    hours: float,
    private_key: str | None = None,
    claims: dict[str, str | None] | None = None,
) -> str:
    from server.auth import mint_token

    scoped = claims or {}
    return mint_token(
        settings,
        tenant=tenant,
        user=user,
        roles=roles,
        ttl=dt.timedelta(hours=hours),
        private_key=private_key,
        manager=scoped.get("manager"),
        office=scoped.get("office"),
        province=scoped.get("province"),
    )


def schema_sdl() -> str:
    from server.graphql.schema import build_schema

    return build_schema().as_str() + "\n"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from server.app import create_app
    from server.http_limits import BoundedHeadProtocol

    if args.demo:
        migrate_and_load_demo(
            settings,
            managers=args.managers,
            customers=args.customers,
            loans=args.loans,
            only_if_empty=True,
        )
        token = _token(settings, DEMO_TENANT, [Role.HR, Role.RISK, Role.AUDITOR], "demo-user", 24)
        print(
            f"\nGraphiQL: http://{args.host}:{args.port}/graphql\n"
            f"Tenant {DEMO_TENANT}; put this header in GraphiQL's Headers tab:\n"
            f'{{"Authorization": "Bearer {token}"}}\n',
            flush=True,
        )
    if args.workers > 1:
        if settings.is_sqlite:
            raise CliError(
                "several worker processes need PostgreSQL; the embedded database takes one"
            )
        # Each process builds its app from the environment; events reach them all by NOTIFY.
        uvicorn.run(
            "server.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            workers=args.workers,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            http=BoundedHeadProtocol,
        )
        return 0
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        http=BoundedHeadProtocol,
    )
    return 0


async def _work(settings: Settings) -> None:
    from server.db.engine import create_engine, create_sessionmaker
    from server.jobs.queue import QueueJobs
    from server.policy.registry import PolicyRegistry

    engine = create_engine(settings)
    jobs = QueueJobs(create_sessionmaker(engine), PolicyRegistry(), settings)
    await jobs.start()
    try:
        await jobs.work()
    finally:
        await jobs.close()
        await engine.dispose()


def cmd_worker(_: argparse.Namespace, settings: Settings) -> int:
    if settings.jobs_inline:
        raise CliError(
            "the jobs run in the server process (SQLite, or RURALCREDIT_JOBS=inline); "
            "a worker needs PostgreSQL and the queue"
        )
    asyncio.run(_work(settings))
    return 0


def cmd_migrate(_: argparse.Namespace, settings: Settings) -> int:
    migrate(settings)
    print("database is at the latest schema")
    return 0


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    sizes = {"managers": args.managers, "customers": args.customers, "loans": args.loans}
    if args.migrate:
        loaded = migrate_and_load_demo(settings, **sizes, only_if_empty=args.if_empty)
    else:
        loaded = asyncio.run(load_demo(settings, **sizes, only_if_empty=args.if_empty))
    if not loaded:
        print("the database already holds data; nothing loaded")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 < args.hours <= settings.jwt_max_lifetime_hours:
        raise CliError(
            f"--hours must be more than 0 and at most {settings.jwt_max_lifetime_hours} "
            "(RURALCREDIT_JWT_MAX_LIFETIME_HOURS); the server refuses a longer-lived token"
        )
    roles = [Role(r) for r in args.role]
    from server.auth import SCOPE_CLAIMS

    claims = {"manager": args.manager, "office": args.office, "province": args.province}
    for role, claim in SCOPE_CLAIMS.items():
        if role in roles and not claims[claim]:
            raise CliError(f"the role {role.value} needs --{claim}")
    key = Path(args.private_key).read_text() if args.private_key else None
    print(_token(settings, args.tenant, roles, args.user, args.hours, key, claims))
    return 0


def cmd_export_roles(args: argparse.Namespace, _: Settings) -> int:
    from server.permissions import render_markdown

    _write(args.output, render_markdown())
    return 0


def _write(output: str, text: str) -> None:
    """Write to the file named, or to standard output for ``-``."""
    if output == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def cmd_export_schema(args: argparse.Namespace, _: Settings) -> int:
    _write(args.output, schema_sdl())
    return 0


def cmd_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    from server.cli.batch import snapshot

    print(asyncio.run(snapshot(settings, args.tenant, args.as_of)))
    return 0


async def _rehash(settings: Settings) -> int:
    from server.db.engine import create_engine
    from server.identity_lookup import rehash_identities

    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            key = settings.identity_lookup_key
            return await conn.run_sync(lambda sync: rehash_identities(sync, key))
    finally:
        await engine.dispose()


def cmd_rehash_identities(args: argparse.Namespace, settings: Settings) -> int:
    print(f"identity-number hashes computed again for {asyncio.run(_rehash(settings))} customers")
    return 0


def cmd_appraise(args: argparse.Namespace, settings: Settings) -> int:
    from server.cli.batch import appraise

    print(asyncio.run(appraise(settings, args.tenant, args.period, args.user)))
    return 0


def cmd_import_loan_states(args: argparse.Namespace, settings: Settings) -> int:
    from server.cli.loan_import import import_loan_states, load, queue_loan_states, read_for_queue

    path = Path(args.file)
    if args.queue:
        if args.dry_run:
            raise CliError("--queue and --dry-run: a queued import is applied, not tried")
        data = read_for_queue(path, settings)
        queued = queue_loan_states(
            settings, args.tenant, args.as_of, path.name, data, encoding=args.encoding
        )
        print(asyncio.run(queued))
        return 0
    loan_file = load(path, args.encoding, settings)
    report, code = asyncio.run(
        import_loan_states(
            settings, args.tenant, args.as_of, loan_file, name=path.name, dry_run=args.dry_run
        )
    )
    print(report)
    return code


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake said in one line (and where to find the usage)."""

    def error(self, message: str) -> typing.NoReturn:
        command = self.prog.removeprefix("ruralcredit").strip()
        say(f"{command + ': ' if command else ''}{message} (see {self.prog} --help)")
        raise SystemExit(2)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    debug = _Parser(add_help=False)
    debug.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of any failure on the terminal (else only in the log)",
    )
    parser = _Parser(
        parents=[debug],
        prog="ruralcredit",
        description="GraphQL API for credit customer managers, customers, loans and appraisals.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, **kwargs: typing.Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[debug], **kwargs)

    def sizes(p: argparse.ArgumentParser) -> None:
        p.add_argument("--managers", type=int, default=200, help="managers per tenant")
        p.add_argument("--customers", type=int, default=5000, help="customers per tenant")
        p.add_argument("--loans", type=int, default=20000, help="loans per tenant")

    serve = add("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="migrate, load demo data when the database is empty, print a ready token",
    )
    sizes(serve)
    serve.set_defaults(handler=cmd_serve)

    add(
        "worker",
        help="execute background jobs from the PostgreSQL queue (run as many as needed)",
    ).set_defaults(handler=cmd_worker)

    add("migrate", help="bring the database to the latest schema").set_defaults(handler=cmd_migrate)

    demo = add("demo-data", help="load the deterministic demo data set")
    sizes(demo)
    demo.add_argument("--migrate", action="store_true", help="migrate first")
    demo.add_argument("--if-empty", action="store_true", help="load only into an empty database")
    demo.set_defaults(handler=cmd_demo_data)

    token = add("token", help="mint a bearer token for local use")
    token.add_argument("--tenant", required=True)
    token.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    token.add_argument("--user", required=True)
    token.add_argument("--manager", help="own employee number (needed by MANAGER)")
    token.add_argument("--office", help="code of the office headed (needed by BRANCH_HEAD)")
    token.add_argument("--province", help="the tenant's province (needed by FEDERATION_ADMIN)")
    token.add_argument("--hours", type=float, default=8.0)
    token.add_argument("--private-key", help="PEM file, for RS256")
    token.set_defaults(handler=cmd_token)

    snapshot = add("snapshot", help="record the loan book as at a date")
    snapshot.add_argument("--tenant", required=True)
    snapshot.add_argument(
        "--as-of", required=True, type=_iso_date, help="YYYY-MM-DD (a month or year end)"
    )
    snapshot.set_defaults(handler=cmd_snapshot)

    appraise = add("appraise", help="appraise a whole tenant for a period (drafts)")
    appraise.add_argument("--tenant", required=True)
    appraise.add_argument("--period", required=True, help="2025 or 2025-Q3")
    appraise.add_argument("--user", default="batch", help="recorded as the one who ran it")
    appraise.set_defaults(handler=cmd_appraise)

    loans = add("import-loan-states", help="apply a loan-state file (CSV or XLSX) of the core")
    loans.add_argument("--tenant", required=True)
    loans.add_argument("--as-of", required=True, type=_iso_date, help="YYYY-MM-DD")
    loans.add_argument("--encoding", help="of a CSV (default: UTF-8, else GB18030)")
    loans.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    loans.add_argument(
        "--queue",
        action="store_true",
        help="keep the file as an import that a job applies (progress: loanStateImport)",
    )
    loans.add_argument("file", help="the .csv or .xlsx file")
    loans.set_defaults(handler=cmd_import_loan_states)

    export = add("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default=str(SCHEMA_PATH), help="a file, or - for stdout")
    export.set_defaults(handler=cmd_export_schema)

    roles = add("export-roles", help="write the permission table (docs/roles.md)")
    roles.add_argument("--output", default=str(ROLES_PATH), help="a file, or - for stdout")
    roles.set_defaults(handler=cmd_export_roles)

    add(
        "rehash-identities",
        help="recompute the identity-number lookup hashes after a change of the lookup key",
    ).set_defaults(handler=cmd_rehash_identities)
    return parser


def _configure_logging(log_format: str = "json") -> None:
    """Log to stderr, with identity numbers and tokens masked in every library's records,
    as JSON lines or text (``RURALCREDIT_LOG_FORMAT``); unless the program that runs this
    has set up logging already."""
    root = logging.getLogger()
    if root.handlers:
        return
    logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        handler.addFilter(Redact())
        handler.setFormatter(observability_logs.formatter(log_format))
    # Alembic announces each of its plugins at INFO on every start: noise for an operator.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a mistake is one line on stderr and a non-zero exit code."""
    _configure_logging(log_format())
    args = build_parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    settings: Settings | None = None
    try:
        try:
            settings = Settings.from_env()
        except ValueError as error:
            raise CliError(f"configuration: {error}") from None
        check_database_url(settings.database_url)
        clock.configure(settings.business_timezone)
        return int(args.handler(args, settings))
    except KeyboardInterrupt:
        say("interrupted")
        return INTERRUPTED
    except Exception as error:
        if debug:
            raise
        known = explain(error, settings.database_url if settings else None)
        if known is not None:
            say(known.message)
            return known.code
        say(log_internal(error, settings.data_dir if settings else None))
        return INTERNAL
