"""A database that is briefly away (a restart, a failover) answers 503 "try again", not a 500.

An OperationalError or InterfaceError means the connection was lost or refused. A write that was
under way is rolled back with its transaction (one that had committed stays), so the honest
answer is "try again in a moment", with Retry-After. Pages answer with a page of their own that
touches neither the database nor the session, and, after a POST, holds what was typed in a
form that sends it again (a form with a submission token, such as an idea, is then stored once
however often it is sent). The API answers its JSON error. The connection is closed at the end
of the request (Django drops a connection that had errors and is no longer usable), and
CONN_HEALTH_CHECKS checks a kept connection before reuse, so the next request connects afresh.

`DatabaseUnavailableMiddleware` catches the error from a view; `motmap.views.server_error`
(handler500) from anywhere else (another middleware, the session saved at the end).
"""

import logging
import re

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
DATABASE_GONE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
# Fields never written back into the page: the CSRF token (a fresh one is used) and passwords.
NOT_RESENT = re.compile(r"^csrfmiddlewaretoken$|password", re.IGNORECASE)
# Values not worth showing as "what you typed" (kept in the form all the same).
NOT_SHOWN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
HIDDEN_NAMES = {"submission_token", "next", "back"}


def _posted(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """The fields of a POST to send again, and whether it carried files (which cannot be)."""
    if request.method != "POST":
        return [], False
    try:
        fields = [
            (name, value)
            for name, values in request.POST.lists()
            for value in values
            if not NOT_RESENT.search(name)
        ]
        has_files = bool(request.FILES)
    except Exception:  # a body that cannot be read again: offer a plain retry
        return [], False
    return fields, has_files


def _shown(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name.replace("_", " ").capitalize(), value)
        for name, value in fields
        if value.strip() and name not in HIDDEN_NAMES and not NOT_SHOWN.match(value.strip())
    ]


def unavailable_response(request: HttpRequest, error: Exception) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, else a page that keeps a POST's text."""
    detail = _("The database is briefly unavailable. Please try again in a moment.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"errors": {}, "detail": detail}, status=503)
    else:
        fields, has_files = _posted(request)
        context = {
            "detail": detail,
            # Never "//host/...": that would send the form, or the browser, to another site.
            "again_url": escape_leading_slashes(request.get_full_path()),
            "fields": [] if has_files else fields,
            "shown": _shown(fields),
            "has_files": has_files,
            # A form with a one-time token (an idea) is stored once however often it is sent.
            "once": any(name == "submission_token" for name, _value in fields),
            "csrf_token": get_token(request) if fields and not has_files else "",
            "retry_after": RETRY_AFTER_SECONDS,
        }
        # No request: no context processor runs (they read the session and the database).
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    response._has_been_logged = True  # logged below instead
    lost = _lost_connection(error)
    # A lost connection is one line: a restart makes many. An error on a connection that still
    # works (a statement timeout, a missing table) is worth its traceback.
    logger.log(
        logging.WARNING if lost else logging.ERROR,
        "Database unavailable for %s %s: %s",
        request.method,
        request.path,
        _first_line(error),
        exc_info=None if lost else error,
    )
    return response


# PostgreSQL's SQLSTATEs of a server going away: connection exceptions (class 08), and the
# shutdown and start-up codes (a restart). A lost socket carries no SQLSTATE at all.
LOST_CODES = ("08", "57P01", "57P02", "57P03")


def _lost_connection(error: Exception) -> bool:
    """True when the error says the connection went (as in a restart), rather than a statement
    failing on a working one (a timeout, a missing table, a lock)."""
    if isinstance(error, InterfaceError):
        return True
    if connection.vendor != "postgresql":
        return False
    code = getattr(error.__cause__, "pgcode", None)
    return code is None or code.startswith(LOST_CODES)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection in a view into the 503 of `unavailable_response`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_GONE):
            return unavailable_response(request, exception)
        return None
