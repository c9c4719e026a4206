"""Asking for the password again before a change that hands out access (creating an API token
or a webhook; later the organisation's deletion and its sign-on settings), as GitHub's "sudo
mode" does.

A password typed in the last REAUTH_MINUTES (at login, or on the confirm page) counts: the
session keeps the time (`REAUTH_SESSION_KEY`). Otherwise a view wrapped in
`recent_password_required` answers a POST with the confirm page instead (showing its form
asks nothing). Nothing typed is lost: the confirm page keeps the POST's fields (hidden, no
password among them), and once the password is right the POST goes on to the view as sent.
Wrong passwords count towards the login pause like wrong logins (django-axes, through
`authenticate`; while paused, AxesMiddleware answers with the pause page). Changing one's email
or password asks for the current password in the form itself (motmap.forms).
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import ConfirmPasswordForm

REAUTH_SESSION_KEY = "reauth_at"
PASSWORD_FIELD = ConfirmPasswordForm.FIELD
NOT_KEPT = {"csrfmiddlewaretoken", PASSWORD_FIELD}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # showing the form asks nothing; sending it does


def is_recent(request: HttpRequest) -> bool:
    typed_at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(typed_at, int | float):
        return False
    return 0 <= time.time() - typed_at <= settings.REAUTH_MINUTES * 60


def mark(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = time.time()


def on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A login is a password typed now (connected to user_logged_in in MotmapConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        mark(request)


def _kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    if request.method != "POST":
        return []
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_KEPT and "password" not in name
        for value in values
    ]


def recent_password_required(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view runs only when the password was typed recently; `action` says on the confirm
    page what it is for ("create an API token")."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in SAFE_METHODS or is_recent(request):
                return view(request, *args, **kwargs)
            confirming = request.method == "POST" and PASSWORD_FIELD in request.POST
            form = ConfirmPasswordForm(request.POST if confirming else None)
            if confirming and form.is_valid():
                user = authenticate(
                    request,
                    username=request.user.get_username(),
                    password=form.cleaned_data[PASSWORD_FIELD],
                )
                if user is not None and user.pk == request.user.pk:
                    mark(request)
                    kept = _kept_fields(request)
                    if not kept:  # only the password was sent: show the page asked for
                        return redirect(request.get_full_path())
                    sent = QueryDict(mutable=True)
                    for name, value in kept:
                        sent.appendlist(name, value)
                    sent._mutable = False
                    request.POST = sent  # type: ignore[assignment]
                    return view(request, *args, **kwargs)
                form.add_error(PASSWORD_FIELD, _("That is not your password."))
            return render(
                request,
                "registration/confirm_password.html",
                {"form": form, "action": action, "kept": _kept_fields(request)},
            )

        return wrapped

    return decorator
