"""Settings (``server.settings``): the webhook allow-list is read from the environment as
networks, empty by default, and a value that is not a network stops the start."""

from __future__ import annotations

import ast
import ipaddress
import re
from pathlib import Path

import pytest

from server.settings import PROJECT_DIR, Settings, data_dir_from, parse_networks


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"RURALCREDIT_DATA_DIR": str(tmp_path), "RURALCREDIT_JWT_SECRET": "s" * 40, **values}


def test_webhooks_go_to_public_addresses_only_by_default(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path)).webhook_allowed_networks == ()


def test_the_allow_list_is_read_as_networks(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(tmp_path, RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS=" 10.20.0.0/16, fd00::/8,,127.0.0.1 ")
    )
    assert settings.webhook_allowed_networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd00::/8"),
        ipaddress.ip_network("127.0.0.1/32"),
    )


@pytest.mark.parametrize("value", ["10.20.0.1/16", "intranet", "10.0.0.0/33", "::1/129"])
def test_a_value_that_is_not_a_network_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="RURALCREDIT_WEBHOOK_ALLOWED_NETWORKS"):
        parse_networks(f"192.168.0.0/16,{value}")


def test_jobs_run_on_the_queue_on_postgresql_and_inline_on_sqlite(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path)).jobs_inline
    postgres = env(tmp_path, DATABASE_URL="postgresql://u@127.0.0.1/db")
    assert not Settings.from_env(postgres).jobs_inline
    assert Settings.from_env({**postgres, "RURALCREDIT_JOBS": "inline"}).jobs_inline
    settings = Settings.from_env(
        env(
            tmp_path,
            RURALCREDIT_RUN_LEASE_SECONDS="2.5",
            RURALCREDIT_RUN_CHUNK_SIZE="7",
            RURALCREDIT_RUN_CHUNK_PAUSE_MS="30",
            RURALCREDIT_RUN_MAX_ATTEMPTS="3",
            RURALCREDIT_WORKER_CONCURRENCY="4",
        )
    )
    assert (
        settings.run_lease_seconds,
        settings.run_chunk_size,
        settings.run_chunk_pause_ms,
        settings.run_max_attempts,
        settings.worker_concurrency,
    ) == (2.5, 7, 30, 3, 4)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"RURALCREDIT_JOBS": "celery"}, "RURALCREDIT_JOBS"),
        ({"RURALCREDIT_JOBS": "queue"}, "RURALCREDIT_JOBS=queue needs PostgreSQL"),
        ({"RURALCREDIT_RUN_CHUNK_SIZE": "0"}, "RURALCREDIT_RUN_CHUNK_SIZE"),
    ],
)
def test_job_settings_out_of_range_stop_the_start(
    tmp_path: Path, values: dict[str, str], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        Settings.from_env(env(tmp_path, **values))


def test_logs_are_json_and_metrics_loopback_only_by_default(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    assert settings.log_format == "json"
    assert settings.metrics_token is None
    chosen = Settings.from_env(
        env(tmp_path, RURALCREDIT_LOG_FORMAT="TEXT", RURALCREDIT_METRICS_TOKEN="t" * 32)
    )
    assert (chosen.log_format, chosen.metrics_token) == ("text", "t" * 32)


def test_an_unknown_log_format_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RURALCREDIT_LOG_FORMAT"):
        Settings.from_env(env(tmp_path, RURALCREDIT_LOG_FORMAT="xml"))


def test_the_data_folder_is_the_setting_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert data_dir_from({"RURALCREDIT_DATA_DIR": "data"}) == tmp_path / "data"
    assert data_dir_from({"RURALCREDIT_DATA_DIR": str(tmp_path / "x")}) == tmp_path / "x"


def test_without_the_setting_a_source_checkout_keeps_its_data_in_its_own_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "server").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    (checkout / "server" / "settings.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert data_dir_from({}, checkout) == checkout / "var"
    assert data_dir_from({}) == PROJECT_DIR / "var"


def test_an_installed_package_keeps_its_data_in_the_users_data_folder(tmp_path: Path) -> None:
    installed = tmp_path / "site-packages"
    installed.mkdir()
    home = tmp_path / "share"
    assert data_dir_from({"XDG_DATA_HOME": str(home)}, installed) == home / "ruralcredit"
    assert data_dir_from({}, installed) == Path.home() / ".local" / "share" / "ruralcredit"


def variables_read_by_settings() -> set[str]:
    """Every environment variable ``server/settings.py`` reads: the first argument of each
    ``env.get(...)`` and each ``env[...]``, a module constant resolved to its text."""
    tree = ast.parse((PROJECT_DIR / "server" / "settings.py").read_text())
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }

    def text(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        assert isinstance(node, ast.Name), ast.dump(node)
        return constants[node.id]

    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
        ):
            names.add(text(node.args[0]))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "env"
        ):
            names.add(text(node.slice))
    return names


def _settings_table() -> tuple[set[str], str]:
    """The variables named in the first column of the README's settings table, and the
    table's whole text."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    return named, "\n".join(rows)


PLATFORM_VARIABLES = {"XDG_DATA_HOME", "LOCALAPPDATA"}
"""Read by settings.py to find the user's data folder: told in the data folder's row."""


def test_the_settings_read_are_the_settings_documented() -> None:
    read = variables_read_by_settings()
    assert {"DATABASE_URL", "RURALCREDIT_MAX_SUBSCRIPTIONS_PER_CONNECTION"} <= read
    assert "RURALCREDIT_OTEL_ENABLED" in read
    named, table = _settings_table()
    assert read - PLATFORM_VARIABLES == named
    for variable in PLATFORM_VARIABLES & read:
        assert f"${variable}" in table or f"%{variable}%" in table, variable


def test_the_parser_of_the_settings_sees_every_way_of_reading_one(tmp_path: Path) -> None:
    """Each setting the parser finds changes what ``Settings.from_env`` gives, so none is
    read in a way the parser would miss (a setting it missed would change nothing here)."""
    base = Settings.from_env(env(tmp_path))
    changed = {
        "RURALCREDIT_MAX_SUBSCRIPTIONS_PER_CONNECTION": ("max_subscriptions_per_connection", "3"),
        "RURALCREDIT_OTEL_ENABLED": ("otel_enabled", "true"),
        "RURALCREDIT_JOBS_SWEEP_SECONDS": ("jobs_sweep_seconds", "7"),
    }
    for variable, (attribute, value) in changed.items():
        assert variable in variables_read_by_settings()
        chosen = Settings.from_env(env(tmp_path, **{variable: value}))
        assert getattr(chosen, attribute) != getattr(base, attribute), variable
