"""The deployment files (``Dockerfile``, ``compose.yaml``, ``.env.example``,
``.dockerignore``) read as docker and compose read them, with nothing installed: the image runs a real
command of ``ruralcredit`` as a non-root user reachable from outside the container, its
healthcheck tells a healthy server from a failing one, and compose runs PostgreSQL with a
healthcheck, a one-shot migration, two server processes and a worker, configured only by
settings the server reads."""

from __future__ import annotations

import http.server
import json
import re
import shlex
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from server.cli import build_parser
from server.settings import PROJECT_DIR
from tests.test_settings import variables_read_by_settings

DOCKERFILE = PROJECT_DIR / "Dockerfile"
COMPOSE = PROJECT_DIR / "compose.yaml"
ENV_EXAMPLE = PROJECT_DIR / ".env.example"
DOCKERIGNORE = PROJECT_DIR / ".dockerignore"
_DEFAULTED = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?]([^}]*))?\}")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def _last(keyword: str) -> str:
    values = [rest for key, rest in instructions() if key == keyword]
    assert values, f"the Dockerfile has no {keyword}"
    return values[-1]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _default(value: str) -> str:
    """A compose value with each ``${NAME:-default}`` replaced by its default."""
    return _DEFAULTED.sub(lambda m: m.group(2) or "", value)


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return _exec_form(_last("CMD"))
    return shlex.split(command) if isinstance(command, str) else list(command)


def ruralcredit_services() -> dict[str, dict[str, Any]]:
    """The services that run the image built from the Dockerfile."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("ruralcredit")
    }


def test_the_image_is_multi_stage_on_python_311_slim() -> None:
    found = instructions()
    stages = [rest for key, rest in found if key == "FROM"]
    assert len(stages) >= 2
    arguments = dict(rest.partition("=")[::2] for key, rest in found if key == "ARG")
    assert arguments["PYTHON_IMAGE"] == "python:3.11-slim"
    assert all(stage.split()[0] == "${PYTHON_IMAGE}" for stage in stages)
    assert any(key == "COPY" and rest.startswith("--from=build") for key, rest in found)


def test_the_image_runs_as_a_user_who_is_not_root() -> None:
    user = _last("USER").split(":")[0]
    assert user not in ("root", "0", "")
    assert any(key == "RUN" and "useradd" in rest and user in rest for key, rest in instructions())
    # Nothing after the USER line goes back to root.
    keywords = [key for key, _ in instructions()]
    assert keywords.count("USER") == 1


def test_the_entrypoint_is_the_ruralcredit_command_and_serves_on_all_addresses() -> None:
    scripts = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["scripts"]
    assert _exec_form(_last("ENTRYPOINT")) == ["ruralcredit"]
    assert "ruralcredit" in scripts
    command = _exec_form(_last("CMD"))
    args = build_parser().parse_args(command)
    assert (args.command, args.host) == ("serve", "0.0.0.0")  # noqa: S104 - in the container
    assert _last("EXPOSE") == str(args.port)


def test_the_settings_the_image_sets_are_settings_the_server_reads() -> None:
    read = variables_read_by_settings()
    names = [
        name
        for key, rest in instructions()
        if key == "ENV"
        for name in re.findall(r"(?:^|\s)([A-Z_][A-Z0-9_]*)=", rest)
    ]
    ours = [n for n in names if n.startswith("RURALCREDIT_") or n == "DATABASE_URL"]
    assert ours and set(ours) <= read, set(ours) - read


@pytest.fixture
def server() -> Iterator[tuple[int, list[int]]]:
    """A loopback HTTP server answering ``/healthz`` with the status at the list's end."""
    statuses = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses[-1] if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], statuses
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_healthcheck_passes_on_200_and_fails_otherwise(
    server: tuple[int, list[int]],
) -> None:
    healthcheck = _last("HEALTHCHECK")
    assert re.search(r"--interval=\d+s", healthcheck) and "--timeout=" in healthcheck
    exec_form = _exec_form(healthcheck.split(" CMD ", 1)[1])
    assert exec_form[:2] == ["python", "-c"]
    code = exec_form[2]
    assert f"http://127.0.0.1:{_last('EXPOSE')}/healthz" in code
    port, statuses = server

    def check() -> int:
        here = code.replace(f"127.0.0.1:{_last('EXPOSE')}", f"127.0.0.1:{port}")
        done = subprocess.run(
            [sys.executable, "-c", here], capture_output=True, timeout=30, check=False
        )
        return done.returncode

    assert check() == 0
    statuses.append(503)
    assert check() != 0


def test_postgresql_has_a_healthcheck_and_a_volume() -> None:
    postgres = compose()["services"]["postgres"]
    image = _default(postgres["image"])
    assert re.fullmatch(r"postgres:1[56](\..*)?(-.*)?", image), image
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])


def test_two_server_processes_start_after_the_migration_and_publish_two_ports() -> None:
    services = ruralcredit_services()
    servers = {n: s for n, s in services.items() if _command(s)[0] == "serve"}
    assert sorted(servers) == ["api-1", "api-2"]
    published = set()
    for service in servers.values():
        args = build_parser().parse_args(_command(service))
        assert args.host == "0.0.0.0"  # noqa: S104 - in the container
        [port] = service["ports"]
        host_port, container_port = str(port).rsplit(":", 2)[-2:]
        assert container_port == str(args.port)
        published.add(host_port)
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert published == {"8001", "8002"}


def test_the_migration_runs_once_when_postgresql_is_healthy_and_the_worker_on_the_queue() -> None:
    services = ruralcredit_services()
    migrate, worker = services["migrate"], services["worker"]
    assert _command(migrate) == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert _command(worker) == ["worker"]
    assert worker["environment"]["RURALCREDIT_JOBS"] == "queue"
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Neither serves HTTP: the image's /healthz check would call them unhealthy.
    assert migrate["healthcheck"] == worker["healthcheck"] == {"disable": True}


def test_every_command_compose_runs_is_a_command_of_ruralcredit() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, service in ruralcredit_services().items():
        assert _command(service)[0] in commands, name
        build_parser().parse_args(_command(service))


def test_every_variable_compose_sets_is_a_setting_the_server_reads() -> None:
    read = variables_read_by_settings()
    for name, service in ruralcredit_services().items():
        environment = service["environment"]
        assert isinstance(environment, dict), name
        assert set(environment) <= read, (name, set(environment) - read)
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "RURALCREDIT_JWT_SECRET" in environment, name


def test_every_variable_compose_interpolates_is_in_the_example_env_file() -> None:
    example = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if re.match(r"^#? ?[A-Z_][A-Z0-9_]*=", line)
    }
    interpolated = set(_DEFAULTED.findall(COMPOSE.read_text()))
    names = {name for name, _ in interpolated}
    assert {"POSTGRES_PASSWORD", "RURALCREDIT_JWT_SECRET"} <= names
    assert names <= example, names - example
    # The secrets have no default: compose refuses to start without them.
    required = {name for name in names if f"${{{name}:?" in COMPOSE.read_text()}
    assert required == {"POSTGRES_PASSWORD", "RURALCREDIT_JWT_SECRET"}


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = set(DOCKERIGNORE.read_text().split())
    assert {".git", ".venv", "var", ".env", "tests", ".pytest_cache", ".mypy_cache"} <= ignored
