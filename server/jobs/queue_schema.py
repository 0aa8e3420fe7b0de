"""The job queue's own tables (procrastinate's), in a PostgreSQL schema of their own.

``QUEUE_SCHEMA`` keeps the queue's tables, types and functions apart from the
application's: the models and their migrations describe ``public`` alone, and every
connection of the queue sets its ``search_path`` to this schema
(``server.jobs.procrastinate_backend``). The schema is installed by the migration
``0013`` (so by ``ruralcredit migrate`` and by the test fixtures that migrate a fresh
database), from the SQL of the installed procrastinate; a later procrastinate that
changes it ships migration files, which a later revision applies the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.util import await_only

QUEUE_SCHEMA = "procrastinate"


def install(connection: Connection) -> None:
    """Create the queue's schema and objects over the migration's connection (inside the
    migration's transaction: both come or neither does). PostgreSQL only."""
    from procrastinate.schema import SchemaManager

    driver: Any = connection.connection.driver_connection
    sql = SchemaManager.get_schema()
    # The schema file holds many statements (functions with bodies): sent as one simple
    # query on the driver's connection, with the search path of the queue's schema.
    script = (
        f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA};\n"
        f"SET LOCAL search_path TO {QUEUE_SCHEMA};\n"
        f"{sql}\n"
        "RESET search_path;\n"
    )
    await_only(driver.execute(script))


def uninstall(connection: Connection) -> None:
    driver: Any = connection.connection.driver_connection
    await_only(driver.execute(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE"))
