"""The login pause: too many wrong passwords for one account from one address stop logins there.

django-axes counts failed logins in the database (`AccessAttempt`), per account and client
address (`AXES_LOCKOUT_PARAMETERS`). After `AXES_FAILURE_LIMIT` failures that account is paused
from that address for `AXES_COOLOFF_TIME`: every attempt, the right password included, gets
the same 429 page, so the answer tells nothing about the password. Other accounts from that
address, and the same account from elsewhere, log in as usual. An attempt made while paused
counts as a failure and moves the end of the pause on (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_
LOCKOUT), so guessing on does not wait the pause out.

This module gives axes the three things it cannot know by itself:
- `login_username`: the account an attempt is for, whichever form posted it (the login and
  admin forms post `username`), lower-cased, so that ALICE@... and alice@... share one counter;
- `client_ip`: the client's address (REMOTE_ADDR; the last X-Forwarded-For entry, the one the
  proxy itself added, only when BEHIND_TLS_PROXY says a proxy is in front);
- `lockout_response`: the pause page, with Retry-After.
It also tells the account holder by email when a pause begins (`on_locked_out`), and lets
owners see and lift the pause of their members (`paused_logins`, and the service
`membership_login_unpause` in motmap.services).
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import outbox
from .models import OutboxEmail

logger = logging.getLogger(__name__)
USERNAME_KEYS = ("username", "email")


def _trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXY_NETWORKS)


def client_ip(request: HttpRequest) -> str:
    """The client's address. X-Forwarded-For is believed only behind our own TLS proxy
    (BEHIND_TLS_PROXY), only from a proxy address (TRUSTED_PROXIES: someone who reaches the app
    server directly cannot pose as a proxy), and then only its last entry: the one that proxy
    appended (the client can write the others)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if settings.BEHIND_TLS_PROXY and _trusted_proxy(remote):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return remote


def normalise_username(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value or None


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account an attempt is for: an email address, lower-cased (one counter per account)."""
    for source in (credentials or {}, getattr(request, "POST", {}) or {}):
        for key in USERNAME_KEYS:
            name = normalise_username(source.get(key))
            if name:
                return name
    return None


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(hours=1)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The same page for every attempt while paused, whatever password was typed."""
    seconds = int(cool_off().total_seconds())
    context = {"cool_off_minutes": max(1, seconds // 60)}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _failure_limit() -> int:
    return get_failure_limit(None, None)


@dataclass(frozen=True)
class PausedLogin:
    addresses: int  # from how many client addresses the account is paused
    until: datetime  # when the last of those pauses ends, if nobody tries again


def _pauses(**filters):
    """Rows (username, ip_address, failures, last) of the account + address pairs paused now."""
    return (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off(), **filters)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=_failure_limit())
    )


def paused_logins(emails) -> dict[str, PausedLogin]:
    """email (lower-case) -> its pause, for the accounts among `emails` that are paused now."""
    wanted = {normalise_username(e) for e in emails} - {None}
    if not wanted:
        return {}
    found: dict[str, PausedLogin] = {}
    for row in _pauses(username__in=wanted):
        until = row["last"] + cool_off()
        known = found.get(row["username"])
        found[row["username"]] = PausedLogin(
            addresses=(known.addresses if known else 0) + 1,
            until=max(until, known.until) if known else until,
        )
    return found


def lift_pause(email: str) -> int:
    """Forget every failed attempt for this account (from every address). Returns the count."""
    username = normalise_username(email)
    if username is None:
        return 0  # axes' reset without a username would forget everybody's
    return axes_reset(username=username)


NOTICE_HEADER = "X-Motmap-Notice"  # on the email, and how the outbox tells one was sent


def password_reset_url(user) -> str:
    """A link that lets `user` choose a new password (the reset email's, for other notices)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Axes' user_locked_out signal (sent on every attempt while paused): email the account
    holder once per cool-off, however many addresses guess at it and however fast.

    The holder's row is locked while the outbox is checked for a notice sent in the cool-off, so
    two attempts at the same moment queue one email, and an attempt that axes counted past the
    limit (parallel guesses) still sends it.
    """
    if request is None or not username:
        return
    if (getattr(request, "axes_failures_since_start", None) or 0) < _failure_limit():
        return
    users = get_user_model().objects.filter(email__iexact=username, is_active=True)
    with transaction.atomic():
        user = users.select_for_update().first()
        if user is None:
            return
        already = OutboxEmail.objects.filter(
            to=user.email,
            created_at__gte=timezone.now() - cool_off(),
            **{f"headers__{NOTICE_HEADER}": "login-paused"},
        )
        if already.exists():
            return
        outbox.queue_email(
            to=user.email,
            template="login_paused",
            headers={NOTICE_HEADER: "login-paused"},
            context={
                "user": user,
                "ip_address": ip_address or "",
                "failures": _failure_limit(),
                "cool_off_minutes": int(cool_off().total_seconds() // 60),
                "reset_url": password_reset_url(user),
            },
        )
    logger.info("Logins paused for an account after %d failures.", _failure_limit())


def on_password_reset(user) -> None:
    """A new password chosen through the reset link ends the pause of that account: the pause
    page and the email send people there."""
    lift_pause(user.email)


def tell_pause_lifted(*, membership, actor) -> None:
    """The account holder learns that an owner lifted the pause (so that lifting cannot be used
    quietly to guess on)."""
    outbox.queue_email(
        to=membership.user.email,
        template="login_unpaused",
        organisation=membership.organisation,
        context={
            "user": membership.user,
            "owner": actor,
            "reset_url": password_reset_url(membership.user),
        },
    )
