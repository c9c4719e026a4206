"""Errors go to Sentry when SENTRY_DSN is set (sentry-sdk), and nothing is sent when it is not.

The Sentry here is a real HTTP server on 127.0.0.1 that keeps what the SDK posts; the app runs
in a process of its own, as the SDK is set up once per process by settings.
"""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sentry_sdk

ROOT = Path(__file__).resolve().parents[2]

APP = """
import django, sys, types
django.setup()
import sentry_sdk
from django.core.wsgi import get_wsgi_application
from django.test import RequestFactory, override_settings
from django.urls import path

def broken(request):
    raise ZeroDivisionError("the view broke")

urls = types.ModuleType("sentry_test_urls")
urls.urlpatterns = [path("broken/", broken)]
sys.modules["sentry_test_urls"] = urls
with override_settings(ROOT_URLCONF="sentry_test_urls"):
    environ = RequestFactory().get(
        "/broken/?email=carol@example.com",
        REMOTE_ADDR="203.0.113.9",
        HTTP_COOKIE="sessionid=a-session-cookie-value",
    ).environ
    answered = []
    get_wsgi_application()(environ, lambda status, headers: answered.append(status))
    status = answered[0].split()[0]
sentry_sdk.flush(timeout=10)
print(status, sentry_sdk.get_client().is_active())
"""


class Sentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # the SDK's choice when brotli is installed (WeasyPrint's fonts)
            import brotli

            body = brotli.decompress(body)
        Sentry.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def run_app(dsn):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "motmap.settings", "DEBUG": "false"}
    env.pop("SENTRY_DSN", None)
    if dsn:
        env["SENTRY_DSN"] = dsn
    env["ALLOWED_HOSTS"] = "testserver"
    env["CELERY_BROKER_URL"] = "memory://"
    done = subprocess.run(
        [sys.executable, "-c", APP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-2:]


def test_an_error_is_reported_to_sentry_without_cookies_user_or_address():
    Sentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        status, active = run_app(f"http://publickey@127.0.0.1:{port}/1")
    finally:
        server.shutdown()
        server.server_close()
    assert (status, active) == ("500", "True")
    events = [
        json.loads(line)
        for body in Sentry.received
        for line in body.splitlines()
        if line.startswith(b"{") and b'"exception"' in line
    ]
    assert len(events) == 1, Sentry.received
    (exception,) = events[0]["exception"]["values"]
    assert exception["type"] == "ZeroDivisionError"
    assert events[0]["transaction"] == "/broken/"
    assert events[0]["request"]["url"] == "http://testserver/broken/"
    assert events[0]["request"]["method"] == "GET"
    sent = b"".join(Sentry.received).decode()
    assert "a-session-cookie-value" not in sent
    assert "203.0.113.9" not in sent
    assert "carol@example.com" not in sent, "no query string, no variables of the frames"
    assert '"vars"' not in sent


def test_nothing_goes_to_sentry_without_a_dsn():
    assert not sentry_sdk.get_client().is_active()
    assert run_app(None) == ["500", "False"]
