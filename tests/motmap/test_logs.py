"""Log lines: JSON, one per line, each with its request's id; no personal data (motmap.logs)."""

import io
import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from motmap import logs
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lines():
    """What the root logger writes, through the JSON formatter and filters of settings.LOGGING."""
    config = logs.config(fmt="json")
    spec = dict(config["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_settings_write_json_lines_with_the_request_id():
    assert settings.MIDDLEWARE[0] == "motmap.logs.RequestIdMiddleware"
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == settings.LOG_FORMAT == "json"
    assert "request_id" in console["filters"]
    assert logs.config(fmt="text")["handlers"]["console"]["formatter"] == "text"


def test_every_answer_names_its_request_and_every_line_of_it_carries_the_id(client, lines):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert logs.VALID.fullmatch(request_id)
    (line,) = [line for line in lines() if line["logger"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["status_code"] == 404
    assert line["time"].endswith("+00:00")
    assert client.get("/no-such-page/")["X-Request-ID"] != request_id, "a new id every time"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc-123.x_y", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("two words", False),
        ('"},{"level":"ERROR', False),
        ("", False),
    ],
)
def test_a_proxys_request_id_is_kept_only_when_it_is_a_plain_token(client, given, kept):
    answered = client.get(reverse("healthz_live"), headers={"X-Request-ID": given})
    assert (answered["X-Request-ID"] == given) is kept
    assert logs.VALID.fullmatch(answered["X-Request-ID"])


@pytest.mark.django_db
def test_no_email_or_address_in_the_lines_of_a_failed_login(client, lines, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="alice@nordic-air.example")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            reverse("login"),
            {"username": "alice@nordic-air.example", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
        )
    written = json.dumps(lines())
    assert lines(), "the failures and the pause are logged"
    assert "alice" not in written
    assert "203.0.113.7" not in written


def test_a_task_published_during_a_request_carries_its_id_and_runs_with_it(rf):
    """The header set on publishing is read when the task starts (the real worker's side is
    tests/motmap/test_celery_worker.py), and the id is put back when it ends."""
    headers = {}
    token = logs.request_id.set("the-request")
    try:
        logs._published(headers=headers)
        assert headers == {logs.TASK_HEADER: "the-request"}

        class Task:
            name = "motmap.tasks.send_outbox_email"
            request = type("Request", (), {logs.TASK_HEADER: "the-request"})()

        logs.request_id.set("-")
        logs._started(task_id="t-1", task=Task())
        record = logging.makeLogRecord({})
        logs.RequestIdFilter().filter(record)
        assert (record.request_id, record.task_id, record.task) == (
            "the-request",
            "t-1",
            "motmap.tasks.send_outbox_email",
        )
        logs._finished(task_id="t-1")
        assert logs.request_id.get() == "-"
        assert logs.running_task.get() == ("-", "-")
    finally:
        logs.request_id.reset(token)


def test_gunicorn_workers_follow_the_cpus_unless_told(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(ROOT / "motmap/gunicorn.conf.py"))
    assert config["workers"] == 2 * config["cpus"]() + 1
    assert config["workers_for"]("4") == 4
    assert config["workers_for"]("0") == 1
    assert config["logconfig_dict"]["handlers"]["console"]["formatter"] == "json"
    assert "%(h)" not in config["access_log_format"], "no client address"
    assert "%(q)" not in config["access_log_format"] and "%(r)" not in config["access_log_format"]


def test_gunicorn_writes_json_access_lines_with_the_request_id_and_no_address(tmp_path):
    """A real gunicorn with motmap/gunicorn.conf.py: the access line is JSON, names the
    request's id and holds no client address."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": "json",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "memory://",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "motmap/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*command, "motmap.wsgi:application"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{port}/healthz/live",
                        headers={"X-Request-ID": "from-the-proxy-1"},
                    )
                    with urllib.request.urlopen(request, timeout=5) as answer:
                        assert answer.headers["X-Request-ID"] == "from-the-proxy-1"
                    break
                except OSError:
                    assert process.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
            deadline = time.monotonic() + 10
            while "from-the-proxy-1" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(timeout=30)
    written = [
        json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")
    ]
    (access,) = [line for line in written if line["logger"] == "gunicorn.access"]
    assert access["request_id"] == "from-the-proxy-1"
    assert access["message"].startswith("GET /healthz/live 200 ")
    assert "127.0.0.1" not in json.dumps(access)
    assert any(line["logger"] == "gunicorn.error" for line in written), "gunicorn's own lines too"
