"""Programmatic Alembic: ``ruralcredit migrate`` and the test fixtures use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from server.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(
    settings: Settings | None = None, connection: Connection | None = None
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if settings is not None:
        config.attributes["settings"] = settings
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def upgrade_on(connection: Connection, revision: str = "head") -> None:
    """Migrate over an open synchronous connection (inside ``run_sync``)."""
    command.upgrade(alembic_config(connection=connection), revision)
