"""What a load balancer, docker-compose or a Kubernetes probe asks: is this process able to serve?

`/healthz` (readiness) checks that the database answers, that every migration of the code is
applied, and that the broker takes a connection; `/healthz/live` (liveness) only says that the
process answers, touching neither the database nor the broker, so that an outage of either never
gets a healthy process restarted.

The answer names each check and says "ok" or "failing", nothing more: no version, no host name,
no error text (the reason is logged). Each check is bounded in time: the database by its connect
timeout, the broker by BROKER_TIMEOUT_SECONDS.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import Error as DatabaseError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from kombu.exceptions import OperationalError as BrokerError

from .celery import app as celery_app

logger = logging.getLogger(__name__)
OK, FAILING = "ok", "failing"
# Once every migration is found applied, this process does not look again: migrations are only
# ever added by a deployment, which starts new processes.
_migrations_applied = False


def _database(database: Any) -> None:
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _migrations(database: Any) -> None:
    global _migrations_applied
    if _migrations_applied and database is connection:
        return
    executor = MigrationExecutor(database)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrations_applied = database is connection


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0)


def _state(name: str, check: Callable[..., None], *args: Any) -> str:
    try:
        check(*args)
    except (DatabaseError, BrokerError, OSError, RuntimeError) as exc:
        logger.warning("Health check %s failing: %s: %s", name, type(exc).__name__, exc)
        return FAILING
    return OK


def readiness(database: Any = connection) -> dict[str, str]:
    """Each check's name and "ok" or "failing", for this process's default database (or the
    connection given); the migrations are not looked at without a database."""
    reached = _state("database", _database, database)
    return {
        "database": reached,
        "migrations": _state("migrations", _migrations, database) if reached == OK else FAILING,
        "broker": _state("broker", _broker),
    }
