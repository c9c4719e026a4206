"""A real HTTP server on 127.0.0.1 that receives the test's webhook deliveries."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import Event, WebhookEndpoint


class Receiver:
    def __init__(self):
        self.requests = []
        self.status = 200
        self.body = b'{"ok": true}'
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/motmap?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status, answer = receiver.status, receiver.body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def json(self, index=-1):
        return json.loads(self.requests[index]["body"])


def verify(request, secret, *, max_age=300, now=None):
    """What a receiver does: check the timestamp and the signature. Returns the payload."""
    import time

    headers = request["headers"]
    timestamp = headers["X-Motmap-Timestamp"]
    assert abs((now or time.time()) - int(timestamp)) <= max_age, "timestamp too old"
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["X-Motmap-Signature"], f"sha256={expected}")
    return json.loads(request["body"])


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture
def local_hooks(settings):
    """Let webhooks reach the test's server on 127.0.0.1 (only the refusal tests do not)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def endpoint(nordic, alice, receiver, local_hooks):
    return WebhookEndpoint.objects.create(
        organisation=nordic,
        url=receiver.url,
        events=[e.value for e in Event if e != Event.PING],
        description="Test receiver",
        created_by=alice,
    )
