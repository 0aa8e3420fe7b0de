"""Environment settings.

Every setting comes from an environment variable (prefix ``RURALCREDIT_`` except
``DATABASE_URL``) and has a default that works on a developer's machine with no
configuration: the embedded SQLite database in the data folder and a locally
generated HS256 secret kept there too.

The data folder is found the same way from any working directory (:func:`data_dir_from`):
``RURALCREDIT_DATA_DIR`` when set (a relative value is taken from the working directory
and made absolute), else ``var/`` in the project folder when running from a source
checkout, else the user's data folder (``$XDG_DATA_HOME/ruralcredit``, by default
``~/.local/share/ruralcredit``; ``%LOCALAPPDATA%\\ruralcredit`` on Windows).
"""

from __future__ import annotations

import hmac
import importlib.util
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The folder above the ``server`` package: the project folder in a source checkout."""


def _is_source_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "server" / "settings.py").is_file()


def _user_data_dir(env: dict[str, str]) -> Path:
    if os.name == "nt" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "ruralcredit"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ruralcredit"


def data_dir_from(env: dict[str, str], project: Path = PROJECT_DIR) -> Path:
    """The data folder (database file, local JWT secret), the same from any working
    directory: ``RURALCREDIT_DATA_DIR``, else the source checkout's ``var/``, else the
    user's data folder."""
    given = env.get("RURALCREDIT_DATA_DIR")
    if given:
        return Path(given).expanduser().resolve()
    if _is_source_checkout(project):
        return project / "var"
    return _user_data_dir(env)


WEBHOOK_ALLOWED_NETWORKS = "RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS"
LOG_FORMATS = ("json", "text")


def _default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'ruralcredit.db').as_posix()}"


def _local_secret(data_dir: Path, name: str = "jwt-secret") -> str:
    """A per-installation secret kept in the data folder (never committed)."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_algorithm: str = "HS256"
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    lookup_key: str | None = None
    """Keys the identity-number hashes (customer lookup); default: derived from the JWT
    secret. Changing the key (or, without it, the secret) needs ``ruralcredit
    rehash-identities``."""
    jwt_audience: str = "ruralcredit"
    jwt_issuer: str = "ruralcredit"
    jwt_max_bytes: int = 8192
    """The longest bearer token accepted; a longer one is refused before it is parsed."""
    jwt_max_lifetime_hours: int = 24
    """The longest a token may live (``exp`` − ``iat``); a longer-lived one is refused."""
    max_page_size: int = 100
    loan_import_max_rows: int = 5000
    """The most loan states one ``importLoanStates`` call takes."""
    loan_file_max_bytes: int = 128 * 1024 * 1024
    """The largest loan-state file ``ruralcredit import-loan-states`` reads."""
    loan_file_max_rows: int = 1_000_000
    """The most loan rows one loan-state file holds."""
    upload_max_bytes: int = 5 * 1024 * 1024
    """The largest workbook one GraphQL multipart upload carries (``uploadTaskFigures``)."""
    max_query_depth: int = 15
    """The deepest selection a document may nest (introspection fields not counted)."""
    max_query_aliases: int = 30
    """The most aliases a document may use."""
    max_query_tokens: int = 5000
    """The most tokens a document may hold; parsing stops past it. Nor may it select more
    fields, its fragments expanded where they are spread."""
    max_query_nodes: int = 1_000
    """The most list items a document may ask for in the worst case (the product of the
    page sizes along nested lists, summed over the document). The largest document allowed
    must leave the server answering others within 100 ms (``bench/bench_abuse.py``: on two
    cores, 930 items keep ``/healthz`` p99 under it, 2,550 do not); 100 managers with 5 loans
    each (600) fit, a page of 100 with a page of 100 in each (10,100) does not."""
    request_timeout_seconds: float = 10.0
    """How long one GraphQL request over HTTP may run; past it, it is stopped and rolled back."""
    statement_timeout_ms: int = 9000
    """PostgreSQL ``statement_timeout`` of the server's connections: just under the request
    time limit, so that a single slow statement is cancelled by the database itself."""
    introspection: bool = True
    """Whether the schema answers introspection (``__schema``, ``__type``)."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the API from another origin (none by default)."""
    webhook_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """Networks webhooks may be sent to although they are not public (none by default)."""
    default_page_size: int = 20
    sqlite_busy_timeout_ms: int = 5000
    max_subscriptions_per_connection: int = 20
    keep_alive_seconds: float = 15.0
    db_pool_size: int = 10
    business_timezone: str = "Asia/Shanghai"
    """The IANA time zone of business dates (``server.clock``)."""
    jobs: str = "auto"
    """Where background jobs run: ``queue`` (the PostgreSQL job queue, executed by
    ``ruralcredit worker`` processes), ``inline`` (in the server process) or ``auto``
    (the queue on PostgreSQL, inline on SQLite, which has no queue)."""
    run_lease_seconds: float = 30.0
    """How long a worker holds an appraisal run without renewing it; a run whose lease ran
    out is taken as interrupted and resumed."""
    run_chunk_size: int = 500
    """Managers appraised and written per transaction of an appraisal run."""
    run_chunk_pause_ms: int = 0
    """A pause after each chunk of a run, to leave the database to other work."""
    run_max_attempts: int = 5
    """Takes of an interrupted run before it is closed as FAILED."""
    worker_concurrency: int = 2
    """Jobs one ``ruralcredit worker`` process executes at the same time."""
    jobs_sweep_seconds: float = 60.0
    """How often the in-process runner looks for interrupted runs and due daily jobs (the
    queue's workers do it every minute, by a periodic job)."""
    metrics_token: str | None = None
    """A bearer token that lets its holder scrape ``/metrics`` from anywhere; without one,
    only clients on loopback may."""
    log_format: str = "json"
    """How ``ruralcredit`` commands write log records: ``json`` (one object a line) or
    ``text``."""
    otel_enabled: bool = False
    """Whether the server records OpenTelemetry traces (``server.observability.tracing``);
    needs the extra ``ruralcredit[otel]``. Where spans go the SDK reads itself from the
    standard ``OTEL_EXPORTER_OTLP_*`` variables."""
    data_dir: Path = field(default_factory=lambda: data_dir_from(dict(os.environ)))

    def __post_init__(self) -> None:
        if self.jwt_algorithm not in ("HS256", "RS256"):
            raise ValueError("RURALCREDIT_JWT_ALGORITHM must be HS256 or RS256")
        if self.jwt_algorithm == "HS256" and not self.jwt_secret:
            raise ValueError("HS256 needs RURALCREDIT_JWT_SECRET")
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("RS256 needs RURALCREDIT_JWT_PUBLIC_KEY (PEM or a path to one)")
        if self.max_query_nodes < 1:
            raise ValueError("RURALCREDIT_MAX_QUERY_NODES must be at least 1")
        if self.loan_import_max_rows < 1:
            raise ValueError("RURALCREDIT_LOAN_IMPORT_MAX_ROWS must be at least 1")
        if self.loan_file_max_bytes < 1:
            raise ValueError("RURALCREDIT_LOAN_FILE_MAX_BYTES must be at least 1")
        if self.loan_file_max_rows < 1:
            raise ValueError("RURALCREDIT_LOAN_FILE_MAX_ROWS must be at least 1")
        if self.upload_max_bytes < 1:
            raise ValueError("RURALCREDIT_UPLOAD_MAX_BYTES must be at least 1")
        if self.request_timeout_seconds <= 0:
            raise ValueError("RURALCREDIT_REQUEST_TIMEOUT_SECONDS must be more than 0")
        try:
            ZoneInfo(self.business_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "RURALCREDIT_BUSINESS_TIMEZONE must name an IANA time zone, e.g. Asia/Shanghai"
            ) from None
        if self.statement_timeout_ms < 1:
            raise ValueError("RURALCREDIT_STATEMENT_TIMEOUT_MS must be at least 1")
        if self.log_format not in LOG_FORMATS:
            raise ValueError("RURALCREDIT_LOG_FORMAT must be json or text")
        if self.jobs not in ("auto", "queue", "inline"):
            raise ValueError("RURALCREDIT_JOBS must be auto, queue or inline")
        if self.jobs == "queue" and self.is_sqlite:
            raise ValueError("RURALCREDIT_JOBS=queue needs PostgreSQL; SQLite runs jobs inline")
        if self.otel_enabled and not otel_installed():
            raise ValueError(
                "RURALCREDIT_OTEL_ENABLED is on but OpenTelemetry is not installed: "
                "install ruralcredit[otel] (pip install 'ruralcredit[otel]', or build the "
                "image with --build-arg EXTRAS=otel), or switch the setting off"
            )
        if self.run_lease_seconds <= 0 or self.run_chunk_size < 1 or self.run_max_attempts < 1:
            raise ValueError(
                "RURALCREDIT_RUN_LEASE_SECONDS must be more than 0, RURALCREDIT_RUN_CHUNK_SIZE "
                "and RURALCREDIT_RUN_MAX_ATTEMPTS at least 1"
            )

    @property
    def verification_key(self) -> str:
        key = self.jwt_secret if self.jwt_algorithm == "HS256" else self.jwt_public_key
        assert key is not None
        return key

    @property
    def identity_lookup_key(self) -> bytes:
        """The HMAC key of identity-number hashes, kept apart from the token key."""
        source = self.lookup_key or self.jwt_secret
        if not source:
            raise ValueError("RS256 needs RURALCREDIT_LOOKUP_KEY (or a local lookup-key file)")
        return hmac.new(source.encode(), b"ruralcredit customer-id-number", "sha256").digest()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jobs_inline(self) -> bool:
        """Whether background jobs run in the server process rather than on the queue."""
        return self.jobs == "inline" or (self.jobs == "auto" and self.is_sqlite)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = data_dir_from(env)
        algorithm = env.get("RURALCREDIT_JWT_ALGORITHM", "HS256")
        public_key = env.get("RURALCREDIT_JWT_PUBLIC_KEY")
        if public_key and not public_key.lstrip().startswith("-----"):
            public_key = Path(public_key).read_text()
        secret = env.get("RURALCREDIT_JWT_SECRET")
        if algorithm == "HS256" and not secret:
            secret = _local_secret(data_dir)
        lookup_key = env.get("RURALCREDIT_LOOKUP_KEY") or None
        if lookup_key is None and not secret:
            lookup_key = _local_secret(data_dir, "lookup-key")
        database_url = env.get("DATABASE_URL") or _default_database_url(data_dir)
        if database_url.startswith("sqlite"):
            db_file = database_url.split("///", 1)[-1]
            if db_file and db_file != ":memory:":
                Path(db_file).parent.mkdir(parents=True, exist_ok=True)
        return cls(
            database_url=_async_driver(database_url),
            jwt_algorithm=algorithm,
            jwt_secret=secret,
            jwt_public_key=public_key,
            lookup_key=lookup_key,
            jwt_audience=env.get("RURALCREDIT_JWT_AUDIENCE", "ruralcredit"),
            jwt_issuer=env.get("RURALCREDIT_JWT_ISSUER", "ruralcredit"),
            jwt_max_bytes=int(env.get("RURALCREDIT_JWT_MAX_BYTES", "8192")),
            jwt_max_lifetime_hours=int(env.get("RURALCREDIT_JWT_MAX_LIFETIME_HOURS", "24")),
            max_page_size=int(env.get("RURALCREDIT_MAX_PAGE_SIZE", "100")),
            loan_import_max_rows=int(env.get("RURALCREDIT_LOAN_IMPORT_MAX_ROWS", "5000")),
            loan_file_max_bytes=int(env.get("RURALCREDIT_LOAN_FILE_MAX_BYTES", "134217728")),
            loan_file_max_rows=int(env.get("RURALCREDIT_LOAN_FILE_MAX_ROWS", "1000000")),
            upload_max_bytes=int(env.get("RURALCREDIT_UPLOAD_MAX_BYTES", "5242880")),
            max_query_depth=int(env.get("RURALCREDIT_MAX_QUERY_DEPTH", "15")),
            max_query_aliases=int(env.get("RURALCREDIT_MAX_QUERY_ALIASES", "30")),
            max_query_tokens=int(env.get("RURALCREDIT_MAX_QUERY_TOKENS", "5000")),
            max_query_nodes=int(env.get("RURALCREDIT_MAX_QUERY_NODES", "1000")),
            request_timeout_seconds=float(env.get("RURALCREDIT_REQUEST_TIMEOUT_SECONDS", "10")),
            statement_timeout_ms=int(env.get("RURALCREDIT_STATEMENT_TIMEOUT_MS", "9000")),
            introspection=_flag(env.get("RURALCREDIT_INTROSPECTION", "true")),
            cors_origins=tuple(
                o.strip() for o in env.get("RURALCREDIT_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            webhook_allowed_networks=parse_networks(env.get(WEBHOOK_ALLOWED_NETWORKS, "")),
            max_subscriptions_per_connection=int(
                env.get("RURALCREDIT_MAX_SUBSCRIPTIONS_PER_CONNECTION", "20")
            ),
            business_timezone=env.get("RURALCREDIT_BUSINESS_TIMEZONE", "Asia/Shanghai"),
            jobs=env.get("RURALCREDIT_JOBS", "auto"),
            run_lease_seconds=float(env.get("RURALCREDIT_RUN_LEASE_SECONDS", "30")),
            run_chunk_size=int(env.get("RURALCREDIT_RUN_CHUNK_SIZE", "500")),
            run_chunk_pause_ms=int(env.get("RURALCREDIT_RUN_CHUNK_PAUSE_MS", "0")),
            run_max_attempts=int(env.get("RURALCREDIT_RUN_MAX_ATTEMPTS", "5")),
            worker_concurrency=int(env.get("RURALCREDIT_WORKER_CONCURRENCY", "2")),
            jobs_sweep_seconds=float(env.get("RURALCREDIT_JOBS_SWEEP_SECONDS", "60")),
            metrics_token=env.get("RURALCREDIT_METRICS_TOKEN") or None,
            log_format=log_format(env),
            otel_enabled=_flag(env.get("RURALCREDIT_OTEL_ENABLED", "false")),
            data_dir=data_dir,
        )


OTEL_MODULES = (
    "opentelemetry.sdk.trace",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.instrumentation.sqlalchemy",
)
"""What tracing imports, from the packages of the extra ``ruralcredit[otel]``."""


def otel_installed() -> bool:
    """Whether the packages of ``ruralcredit[otel]`` are installed (nothing is imported)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in OTEL_MODULES)
    except ModuleNotFoundError:
        return False


def log_format(env: dict[str, str] | None = None) -> str:
    """``RURALCREDIT_LOG_FORMAT`` (``json`` unless set), read before the other settings
    so that the commands' logging is set up first."""
    env = dict(os.environ if env is None else env)
    return env.get("RURALCREDIT_LOG_FORMAT", "json").strip().lower() or "json"


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated networks in CIDR notation (``10.20.0.0/16, fd00::/8``); an address
    alone is a network of one. Host bits set (``10.20.0.1/16``) are refused as a typo."""
    networks = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip()))
        except ValueError as error:
            raise ValueError(f"{WEBHOOK_ALLOWED_NETWORKS}: {error}") from None
    return tuple(networks)


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"expected true or false, not {text!r}")


def _async_driver(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite://`` URLs and pick the async driver."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url
