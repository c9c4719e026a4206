"""What `make run` prints: emails readable and not as warnings, a 403 one line, no traceback.

Found by hand in the console of `make run`: every seeded email came out as
`WARNING/MainProcess` lines of raw MIME with subjects like `=?utf-8?q?Idea_=231_=E2=80=9C...`,
and with DEBUG on, a staff member opening an edit page printed the PermissionDenied traceback.
"""

import copy
import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from celery.utils.log import LoggingProxy
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import reverse
from django.utils.log import configure_logging

from demo.seed import seed_demo
from motmap.celery import app as celery_app
from motmap.mail import ConsoleEmailBackend

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "Réunion de revue — idée n°1 “Appeler les correspondances serrées”"


def _email():
    message = EmailMultiAlternatives(
        subject=SUBJECT,
        body="Bonjour Carol,\n\nLa réunion est à 9 h.\n",
        from_email="motmap <noreply@motmap.localhost>",
        to=["carol@nordic-air.example"],
        headers={"List-Unsubscribe": "<http://127.0.0.1:8000/unsubscribe/abc/>"},
    )
    message.attach_alternative("<p>Bonjour Carol,</p><p>La réunion est à 9 h.</p>", "text/html")
    return message


def test_the_console_backend_prints_the_subject_and_text_readably():
    out = io.StringIO()
    assert ConsoleEmailBackend(stream=out).send_messages([_email()]) == 1
    text = out.getvalue()
    assert f"Subject: {SUBJECT}\n" in text
    assert "To: carol@nordic-air.example" in text
    assert "List-Unsubscribe: <http://127.0.0.1:8000/unsubscribe/abc/>" in text
    assert "Bonjour Carol,\n\nLa réunion est à 9 h." in text
    assert "=?utf-8?" not in text
    assert "<p>" not in text and "text/html part, not shown" in text
    assert "Content-Transfer-Encoding" not in text


def test_a_header_smtp_would_refuse_is_refused_in_the_console_too():
    from django.core.mail import BadHeaderError

    message = _email()
    message.subject = "Two\nlines"
    with pytest.raises(BadHeaderError):
        ConsoleEmailBackend(stream=io.StringIO()).send_messages([message])


def test_the_worker_logs_a_printed_email_once_at_info_not_as_a_warning(caplog):
    """The worker sends what is printed to its logger at worker_redirect_stdouts_level."""
    level = celery_app.conf.worker_redirect_stdouts_level
    logger = logging.getLogger("celery.redirected")
    with caplog.at_level(logging.INFO, logger="celery.redirected"):
        ConsoleEmailBackend(stream=LoggingProxy(logger, level)).send_messages([_email()])
    records = [r for r in caplog.records if r.name == "celery.redirected"]
    assert len(records) == 1  # one entry per email, not one per line
    assert records[0].levelno == logging.INFO
    assert SUBJECT in records[0].getMessage()


@pytest.mark.django_db
def test_the_seeded_emails_print_readably(settings, capsys, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "motmap.mail.ConsoleEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(packs=False)
    out = capsys.readouterr().out
    assert out.count("Subject: ") >= 3
    assert "Subject: Idea #" in out and "“" in out  # the decision emails' curly quotes
    assert "=?utf-8?" not in out


def test_the_console_backend_is_the_development_default(tmp_path):
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "memory://",
    }
    code = (
        "import json, runpy; s = runpy.run_path('motmap/settings.py'); "
        "print(json.dumps([s['EMAIL_BACKEND'], s['CELERY_WORKER_REDIRECT_STDOUTS_LEVEL']]))"
    )

    def backend(**values):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env | values,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert backend() == ["motmap.mail.ConsoleEmailBackend", "INFO"]
    assert backend(EMAIL_URL="consolemail://")[0] == "motmap.mail.ConsoleEmailBackend"
    assert backend(EMAIL_URL="smtp://mail.example.com:25")[0] == (
        "django.core.mail.backends.smtp.EmailBackend"
    )


@pytest.fixture
def console():
    """The project's LOGGING as configured at start, its console streams written to a buffer."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    for handler in config["handlers"].values():
        if handler["class"] == "logging.StreamHandler":
            handler["stream"] = buffer
    configure_logging(settings.LOGGING_CONFIG, config)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.parametrize("debug", [False, True])
def test_a_403_is_one_line_without_a_traceback(console, settings, client_for, carol, debug):
    settings.DEBUG = debug
    url = reverse("journey_create", args=[carol.memberships.get().organisation.slug])
    assert client_for(carol).get(url).status_code == 403
    text = console.getvalue()
    assert text.count(f"Forbidden (Permission denied): {url}") == 1, text
    assert "Traceback" not in text and "PermissionDenied" not in text, text


def test_runserver_logs_a_403_as_one_access_line(console):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # only its logging is used
    handler.request = None
    handler.requestline = "GET /o/nordic-air/journeys/new/ HTTP/1.1"
    handler.log_request(403, 1234)
    lines = console.getvalue().splitlines()
    assert len(lines) == 1, lines
    line = json.loads(lines[0])
    assert line["logger"] == "django.server"
    assert line["message"] == '"GET /o/nordic-air/journeys/new/ HTTP/1.1" 403 1234'
    assert line["status_code"] == 403


def test_a_500_keeps_its_traceback(console):
    """The filter only shortens the client's errors: a server error is still explained."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback" in console.getvalue() and "RuntimeError: boom" in console.getvalue()
