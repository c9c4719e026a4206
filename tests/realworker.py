"""Helpers for the tests that run a real Celery worker (and beat) against the real broker.

They run only against Redis (CELERY_BROKER_URL=redis://...) and PostgreSQL, as in CI: the worker
is a separate process, so it must reach the test database and the broker the test uses.
Elsewhere the unit tests run tasks eagerly and these tests are skipped.
"""

import email
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from motmap.celery import app as celery_app

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")  # .venv/bin/celery next to .venv/bin/python
TIMEOUT = 60

REQUIRES_REAL_BROKER = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not BROKER_URL.startswith("redis://"),
        reason="needs a real broker: set CELERY_BROKER_URL=redis://... (CI does)",
    ),
]


def test_database_url():
    """DATABASE_URL of the *test* database this process uses, for the worker."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"


def _reset_router():
    amqp = celery_app.amqp
    amqp.flush_routes()
    amqp.__dict__.pop("router", None)  # a cached_property: built again from the routes


@contextmanager
def real_broker(queue, tasks=("motmap.tasks.send_outbox_email",)):
    """Send tasks to the broker (not eagerly), on a queue of this test's own.

    The own queue keeps the message from any other worker listening on the same Redis.
    `tasks`: the names of the tasks the test sends (routed to that queue).
    """
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_routes
    conf.task_always_eager = False
    conf.task_routes = {name: {"queue": queue} for name in tasks}
    _reset_router()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2)
        yield
    finally:
        conf.task_always_eager, conf.task_routes = saved
        _reset_router()
        _forget_queue(queue)


def _forget_queue(queue):
    """Leave no trace of the test's own queue in Redis."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def _environment(queue, env):
    """The environment of a worker or beat of this test: its database, its broker, its queue."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motmap.settings",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env or {}),
    }
    environment.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return environment


@contextmanager
def _celery(arguments, env, log_path):
    """`celery -A motmap <arguments>` with its output in `log_path`, stopped on leaving."""
    command = [str(CELERY), "-A", "motmap", *arguments]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def worker(queue, mail_dir, log_path, *, beat_schedule=None, env=None):
    """A worker on the test's own queue; with `beat_schedule` (a file) it runs the beat too,
    and everything it queues goes to that queue (CELERY_TASK_DEFAULT_QUEUE)."""
    arguments = ["worker", "--pool=solo", "--loglevel=INFO", "-Q", queue, "-n", f"{queue}@%h"]
    arguments += ["--without-gossip", "--without-mingle"]
    if beat_schedule:
        arguments += ["--beat", "--schedule", str(beat_schedule)]
    environment = _environment(queue, {"EMAIL_URL": f"filemail://{mail_dir}", **(env or {})})
    with _celery(arguments, environment, log_path) as process:
        yield process


@contextmanager
def beat(queue, schedule, log_path, *, env=None):
    """A beat of its own (`schedule`: its schedule file), queueing on the test's queue."""
    arguments = ["beat", "--loglevel=INFO", "--schedule", str(schedule)]
    with _celery(arguments, _environment(queue, env), log_path) as process:
        yield process


def text_part(path):
    message = email.message_from_bytes(path.read_bytes())
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return message, part.get_payload(decode=True).decode(part.get_content_charset())
    raise AssertionError(f"no text part in {path}")


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgres://...): the worker, another process, "
            "must use the same test database"
        )
    assert CELERY.exists(), f"{CELERY} not found: install the project into .venv"


def tasks_done(log_path, task):
    """How many times the worker's log says that the task succeeded."""
    log = log_path.read_text(errors="replace")
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def wait_for(condition, process, log_path, what):
    """Poll until condition() is true, the worker dies, or TIMEOUT passes."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            break
        time.sleep(0.25)
    log = log_path.read_text(errors="replace")
    assert process.poll() is None, f"the worker stopped:\n{log}"
    raise AssertionError(f"{what}: not within {TIMEOUT} s:\n{log}")
