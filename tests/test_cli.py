"""The ``ruralcredit`` command, including README command 1 end to end."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.auth import decode_token
from server.cli import main, schema_sdl
from server.identity_lookup import identity_hash
from server.settings import PROJECT_DIR, Settings


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RURALCREDIT_DATA_DIR"] = str(tmp_path / "var")
    env["RURALCREDIT_JWT_SECRET"] = "cli-test-secret-" + "y" * 32
    return env


def test_token_command_mints_a_token_the_server_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(tmp_path)
    for key in ("RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert (
        main(["token", "--tenant", "cc-demo", "--role", "HR", "--role", "RISK", "--user", "li"])
        == 0
    )
    token = capsys.readouterr().out.strip()
    principal = decode_token(token, Settings.from_env())
    assert principal.tenant_id == "cc-demo"
    assert {r.value for r in principal.roles} == {"HR", "RISK"}


@pytest.mark.parametrize(
    ("role", "claim", "value", "attribute"),
    [
        ("MANAGER", "--manager", "CC000007", "manager"),
        ("BRANCH_HEAD", "--office", "10001", "office"),
        ("FEDERATION_ADMIN", "--province", "河北", "province"),
    ],
)
def test_token_command_carries_the_scope_claims_and_refuses_a_token_without_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    role: str,
    claim: str,
    value: str,
    attribute: str,
) -> None:
    env = _env(tmp_path)
    for key in ("RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    base = ["token", "--tenant", "cc-demo", "--role", role, "--user", "li"]
    assert main(base) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"needs {claim}" in err
    assert main([*base, claim, value]) == 0
    principal = decode_token(capsys.readouterr().out.strip(), Settings.from_env())
    assert getattr(principal, attribute) == value


@pytest.mark.parametrize("hours", ["0", "25", "-1"])
def test_token_command_refuses_a_lifetime_the_server_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], hours: str
) -> None:
    env = _env(tmp_path)
    for key in ("RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    status = main(
        ["token", "--tenant", "cc-demo", "--role", "HR", "--user", "li", f"--hours={hours}"]
    )
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "--hours must be more than 0 and at most 24" in err


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_sdl()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_answers_managers_on_the_embedded_database(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--demo",
                "--port",
                str(port),
                "--managers",
                "6",
                "--customers",
                "30",
                "--loans",
                "60",
            ],
            env=_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        token = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = log.read_text()
            if token is None and "Bearer " in text:
                token = text.split("Bearer ", 1)[1].split('"', 1)[0]
            if token is not None and "Uvicorn running" in text:
                break
            assert process.poll() is None, text
            time.sleep(0.2)
        assert token is not None, log.read_text()
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={
                "query": "{ managers(first: 3) { totalCount edges { node { name tier { code } } } } }"
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        managers = response.json()["data"]["managers"]
        assert managers["totalCount"] == 6
        assert len(managers["edges"]) == 3
        assert (tmp_path / "var" / "ruralcredit.db").exists()
        ide = httpx.get(f"http://127.0.0.1:{port}/graphql", timeout=10)
        assert "graphiql" in ide.text.lower()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_several_workers_need_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(tmp_path)
    for key in ("RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_a_job_worker_needs_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the embedded database the jobs run in the server: no worker to start."""
    env = _env(tmp_path)
    for key in ("RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["worker"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


MINT_HR = ["token", "--tenant", "sd-demo", "--role", "HR", "--user", "li"]


def test_a_token_minted_in_another_folder_uses_the_same_secret(tmp_path: Path) -> None:
    """Without RURALCREDIT_DATA_DIR the data folder (and its secret) does not depend on the
    working directory: tokens minted from two folders are accepted by one server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "RURALCREDIT_DATA_DIR", "RURALCREDIT_JWT_SECRET")
    }
    tokens = []
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        result = subprocess.run(
            [sys.executable, "-m", "server.cli", *MINT_HR],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        tokens.append(result.stdout.strip())
        assert not (folder / "var").exists()
    settings = Settings.from_env(env)
    assert settings.data_dir == PROJECT_DIR / "var"
    for token in tokens:
        assert decode_token(token, settings).tenant_id == "sd-demo"


def test_rehash_identities_follows_a_new_lookup_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    database = tmp_path / "rehash.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    sizes = ["--managers", "2", "--customers", "6", "--loans", "6"]
    assert main(["demo-data", "--migrate", *sizes]) == 0

    def stored() -> list[tuple[str, str]]:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT id_number, id_number_hash FROM customers").fetchall()

    def hashed_under_settings() -> bool:
        key = Settings.from_env().identity_lookup_key
        return all(digest == identity_hash(key, number) for number, digest in stored())

    assert len(stored()) == 24 and hashed_under_settings()
    monkeypatch.setenv("RURALCREDIT_LOOKUP_KEY", "a-new-lookup-key-" + "k" * 30)
    assert not hashed_under_settings()
    assert main(["rehash-identities"]) == 0
    assert hashed_under_settings()
