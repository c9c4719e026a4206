"""Sending a webhook delivery: claim, sign, POST, record, retry with backoff or give up.

One design for retries: rows, not Celery countdowns. A delivery's `next_attempt_at` says when
it is due (partial index); `emit` asks the worker to send it once the change commits, and the
beat's sweep (`due_ids`, every WEBHOOK_SWEEP_SECONDS) hands the worker every due row, so a
broker that was down or a worker that died only delays a delivery.

`claim` moves `next_attempt_at` past the time an attempt can take with one conditional UPDATE
(`... WHERE next_attempt_at <= now`): of two workers handed the same delivery one wins, the
other sends nothing. The result is written only if the claim is still ours.

The request: POST of the JSON payload, `X-Motmap-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>" with the endpoint's secret>`, `X-Motmap-Timestamp` (unix seconds) so a
receiver can refuse old replays. The URL is checked again at send time and the connection goes
to the addresses that check approved (no DNS rebinding). Redirects are not followed; at most
RESPONSE_MAX_BYTES of the answer are read. 2xx is a success; anything else is retried after
1, 2, 4 ... minutes (capped at WEBHOOK_RETRY_MAX_MINUTES) until WEBHOOK_RETRY_HOURS after the
delivery was created, then it gives up and the endpoint is turned off, its owners emailed.
"""

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap.fields import max_length
from motmap.models import Membership, Role
from motmap.outbox import queue_emails, render_email

from .models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from .urlcheck import check_url

logger = logging.getLogger(__name__)
USER_AGENT = "motmap-webhooks"
RESPONSE_MAX_BYTES = 4096
ERROR_MAX = max_length(WebhookDelivery, "last_error")
REASON_MAX = max_length(WebhookEndpoint, "disabled_reason")
SWEEP_BATCH = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body_of(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


MAX_ADDRESSES = 3  # tried in turn when a host has several; more would only add waiting


def attempt_seconds() -> int:
    """The most one attempt may take, from connecting to the answer's last byte."""
    return int(settings.WEBHOOK_TIMEOUT_SECONDS) * 3


def claim_seconds() -> int:
    """A claim outlasts the longest attempt, so no second worker sends it meanwhile."""
    return attempt_seconds() + 60


def backoff(attempts: int) -> int:
    """Minutes to wait after the `attempts`-th failed attempt: 1, 2, 4 ... capped."""
    return min(2 ** max(0, attempts - 1), settings.WEBHOOK_RETRY_MAX_MINUTES)


# --- the HTTP request --------------------------------------------------------------------------


@dataclass
class Result:
    code: int | None = None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


def _connect(
    addresses: Sequence[str], port: int, timeout: float | None, deadline: float
) -> socket.socket:
    last: OSError | None = None
    for address in addresses[:MAX_ADDRESSES]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        try:
            wait = left if timeout is None else min(timeout, left)
            return socket.create_connection((address, port), wait)
        except OSError as exc:
            last = exc
    raise last or OSError("no address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses the URL check approved, not to a fresh DNS answer."""

    def __init__(
        self, host: str, port: int, *, addresses: Sequence[str], deadline: float, **kwargs: Any
    ) -> None:
        super().__init__(host, port, **kwargs)
        self._addresses = addresses
        self._deadline = deadline

    def connect(self) -> None:
        if not self._addresses:
            return super().connect()
        self.sock = _connect(self._addresses, self.port, self.timeout, self._deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, *, addresses: Sequence[str], deadline: float, **kwargs: Any
    ) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, context=self._tls, **kwargs)
        self._addresses = addresses
        self._deadline = deadline

    def connect(self) -> None:
        if not self._addresses:
            return super().connect()
        # Kept on the connection during the handshake too, so the watchdog can cut it.
        self.sock = _connect(self._addresses, self.port, self.timeout, self._deadline)
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self.host)


class _Watchdog:
    """Cuts the connection when the attempt's time is up. Timeouts on each read are not
    enough: a server that sends a byte of its headers now and then would hold the worker (and,
    past the claim, let a second worker send the event again)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.fired = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()


def _clean_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _read_some(response: http.client.HTTPResponse, started: float) -> bytes:
    """At most RESPONSE_MAX_BYTES of the answer, read while the attempt has time left."""
    deadline = started + attempt_seconds()
    data = b""
    while len(data) < RESPONSE_MAX_BYTES and time.monotonic() < deadline:
        chunk = response.read1(RESPONSE_MAX_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data


def post(url: str, body: bytes, headers: Mapping[str, str]) -> Result:
    """POST `body` to `url` once. Never raises: the outcome is in the Result."""
    started = time.monotonic()
    result = Result()
    try:
        parts, addresses = check_url(url)
        https = parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        left = started + attempt_seconds() - time.monotonic()
        connection = cls(
            parts.hostname,
            port,
            addresses=addresses,
            deadline=started + attempt_seconds(),
            timeout=min(settings.WEBHOOK_TIMEOUT_SECONDS, max(left, 0.1)),
        )
        watchdog = _Watchdog(connection, max(left, 0.1))
        try:
            with watchdog:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                result.code = response.status
                result.excerpt = _clean_text(_read_some(response, started))
        except (OSError, http.client.HTTPException):
            if watchdog.fired and result.code is None:
                raise TimeoutError from None
            if result.code is None:
                raise
        finally:
            connection.close()
        if not result.ok:
            result.error = _("The endpoint answered %(code)s %(reason)s.") % {
                "code": response.status,
                "reason": response.reason,
            }
    except ValidationError as exc:
        result.error = _("Refused: %(reason)s") % {"reason": " ".join(exc.messages)}
    except TimeoutError:
        result.error = _(
            "No answer in time (%(n)s seconds at most for each step, %(total)s in all)."
        ) % {"n": settings.WEBHOOK_TIMEOUT_SECONDS, "total": attempt_seconds()}
    except (OSError, http.client.HTTPException, ValueError) as exc:
        result.error = _("Could not deliver: %(error)s") % {"error": exc or type(exc).__name__}
    result.error = _clean_text(result.error.encode())[:ERROR_MAX]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


# --- claim, send, record -----------------------------------------------------------------------


def claim(delivery_id: uuid.UUID | str) -> datetime | None:
    """Claim a due delivery. Returns the claim time (the new next_attempt_at) or None."""
    now = timezone.now()
    until = now + timedelta(seconds=claim_seconds())
    won = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .due(now)
        .update(next_attempt_at=until, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    return until if won else None


def headers_for(
    delivery: WebhookDelivery, secret: str, body: bytes, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Motmap-Event": delivery.event,
        "X-Motmap-Delivery": str(delivery.event_id),
        "X-Motmap-Timestamp": str(timestamp),
        "X-Motmap-Signature": sign(secret, timestamp, body),
    }


def send_one(delivery_id: uuid.UUID | str) -> bool:
    """Make one attempt of a due delivery if nobody else is. True when this call sent it."""
    until = claim(delivery_id)
    if until is None:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint__organisation").get(pk=delivery_id)
    endpoint = delivery.endpoint
    mine = WebhookDelivery.objects.filter(pk=delivery_id, next_attempt_at=until)
    if not endpoint.active and delivery.event != Event.PING:
        mine.update(
            status=DeliveryStatus.GAVE_UP,
            next_attempt_at=None,
            last_error=_("The endpoint was turned off."),
        )
        return False
    body = body_of(delivery.payload)
    timestamp = int(timezone.now().timestamp())
    headers = headers_for(delivery, endpoint.secret, body, timestamp)
    result = post(endpoint.url, body, headers)
    record(delivery, endpoint, result, headers, until)
    return True


def _shown_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return dict(headers)  # the signature is an HMAC, not the secret: safe to show


@transaction.atomic
def record(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    result: Result,
    headers: Mapping[str, str],
    until: datetime,
) -> None:
    now = timezone.now()
    fields = {
        "request_headers": _shown_headers(headers),
        "last_response_code": result.code,
        "last_error": result.error,
        "response_excerpt": result.excerpt,
        "duration_ms": result.duration_ms,
    }
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at=until)
    if result.ok:
        if mine.update(
            status=DeliveryStatus.SUCCEEDED, next_attempt_at=None, delivered_at=now, **fields
        ):
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, failing_since=None, last_success_at=now
            )
        return
    attempts = delivery.attempts  # read after the claim: counts this attempt
    next_at = now + timedelta(minutes=backoff(attempts))
    deadline = delivery.created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    give_up = delivery.event == Event.PING or next_at > deadline
    if give_up:
        changed = mine.update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None, **fields)
    else:
        changed = mine.update(status=DeliveryStatus.FAILED, next_attempt_at=next_at, **fields)
    if not changed or delivery.event == Event.PING:
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    if give_up:
        disable_failing(endpoint, delivery, result)


def disable_failing(endpoint: WebhookEndpoint, delivery: WebhookDelivery, result: Result) -> None:
    """Turn off an endpoint whose delivery gave up and email the organisation's owners."""
    reason = _("A delivery (%(event)s) failed for %(hours)s hours; last error: %(error)s") % {
        "event": delivery.event,
        "hours": settings.WEBHOOK_RETRY_HOURS,
        "error": result.error or result.code,
    }
    now = timezone.now()
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason[:REASON_MAX]
    ):
        return  # already off: the owners were told then
    WebhookDelivery.objects.filter(endpoint=endpoint, next_attempt_at__isnull=False).exclude(
        pk=delivery.pk
    ).update(
        status=DeliveryStatus.GAVE_UP,
        next_attempt_at=None,
        last_error=_("The endpoint was turned off."),
    )
    endpoint.refresh_from_db()
    org = endpoint.organisation
    path = reverse("webhook_detail", args=[org.slug, endpoint.pk])
    owners = Membership.objects.filter(
        organisation=org, role=Role.OWNER, user__is_active=True
    ).select_related("user")
    queue_emails(
        [
            render_email(
                to=m.user.email,
                template="webhook_disabled",
                context={
                    "endpoint": endpoint,
                    "reason": reason,
                    "endpoint_path": path,
                    "owner": m.user,
                },
                organisation=org,
            )
            for m in owners
        ]
    )


def due_ids(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[uuid.UUID]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def prune_finished(*, older_than: timedelta) -> int:
    """Delete deliveries that are over (succeeded or given up) and older than `older_than`
    (RETENTION_DAYS): the delivery log shows recent ones. Pending and retrying ones stay."""
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.GAVE_UP],
        created_at__lt=timezone.now() - older_than,
    ).delete()
    return deleted
