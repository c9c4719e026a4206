"""Log lines: one JSON object per line in production, each with the id of the request (or of the
request that queued the task) it belongs to.

- `RequestIdMiddleware` gives every request an id: the proxy's `X-Request-ID` when it is a
  plain token (letters, digits, `.`, `_`, `-`; at most 64), otherwise a new one. It is answered
  in the `X-Request-ID` header, so a user's report, the proxy's log and ours can be matched.
- `RequestIdFilter` puts it on every record (`request_id`; in a worker also `task_id` and
  `task`), `-` outside a request or task.
- `connect_celery()` (called by motmap/celery.py) passes the id in the header of every task
  published during a request, and sets it in the worker while the task runs.
- `config()` is settings.LOGGING: `LOG_FORMAT=json` (the default) or `text` (`make run`).

No personal data goes in: our own messages name rows by id, django-axes masks the account and
address (AXES_SENSITIVE_PARAMETERS), and gunicorn's access line (motmap/gunicorn.conf.py) has
no client address, query string, referrer or user agent.
"""

import re
import uuid
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="-")
running_task: ContextVar[tuple[str, str]] = ContextVar("running_task", default=("-", "-"))
HEADER = "X-Request-ID"
TASK_HEADER = "motmap_request_id"
VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every later line of the request carries the id."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: "HttpRequest") -> "HttpResponse":
        given = request.headers.get(HEADER, "")
        current = given if VALID.fullmatch(given) else new_id()
        request_id.set(current)  # kept after the answer: gunicorn's access line is later
        response: HttpResponse = self.get_response(request)
        response[HEADER] = current
        return response


class RequestIdFilter:
    """Adds request_id, task_id and task to every record (a filter of the console handler)."""

    def filter(self, record: Any) -> bool:
        record.request_id = request_id.get()
        record.task_id, record.task = running_task.get()
        return True


def _published(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and request_id.get() != "-":
        headers.setdefault(TASK_HEADER, request_id.get())


_tokens: dict[str, tuple[Token[str], Token[tuple[str, str]]]] = {}


def _started(task_id: str = "-", task: Any = None, **kwargs: Any) -> None:
    """A task queued during a request runs with its id (in the worker, from the message's
    header; run in the calling process, the request's own)."""
    given = getattr(getattr(task, "request", None), TASK_HEADER, None)
    current = given if isinstance(given, str) and VALID.fullmatch(given) else request_id.get()
    _tokens[task_id] = (
        request_id.set(current),
        running_task.set((task_id or "-", getattr(task, "name", "-"))),
    )


def _finished(task_id: str = "-", **kwargs: Any) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens is None:
        return
    try:
        request_id.reset(tokens[0])
        running_task.reset(tokens[1])
    except ValueError:  # set in another context
        request_id.set("-")
        running_task.set(("-", "-"))


def connect_celery() -> None:
    from celery import signals

    signals.before_task_publish.connect(_published, weak=False)
    signals.task_prerun.connect(_started, weak=False)
    signals.task_postrun.connect(_finished, weak=False)


# The record's attributes that are not written as fields: Python's own, Django's request
# object (not serialisable; its method and path are in the message) and runserver's time.
LEFT_OUT = ("request", "server_time", "args", "msg", "color_message")


def config(*, level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """settings.LOGGING (dictConfig): console lines, JSON or text, each with the request id."""
    from pythonjsonlogger.core import RESERVED_ATTRS

    handler_filters = ["request_id", "client_errors_on_one_line"]
    formatters: dict[str, Any] = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}{request_id}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_ATTRS, *LEFT_OUT],
            "timestamp": "time",  # ISO 8601, UTC
        },
        "text": {
            "format": "{asctime} {levelname} {name} [{request_id}] {message}",
            "style": "{",
        },
    }
    chosen = "text" if fmt == "text" else "json"
    console = {"class": "logging.StreamHandler", "formatter": chosen, "filters": handler_filters}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "motmap.logs.RequestIdFilter"},
            "client_errors_on_one_line": {"()": "motmap.logfilters.ClientErrorsOnOneLine"},
        },
        "formatters": formatters,
        "handlers": {"console": console},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (with DEBUG on) would print a 403's traceback before
            # the filter above sees it: Django's records reach only the root's filtered console
            # (one line for a 4xx, the traceback for a 5xx). ADMINS is not used.
            "django": {"handlers": [], "level": "INFO"},
            # runserver's access lines, on the same console as everything else.
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "axes": {"level": "WARNING"},
            # WeasyPrint logs every page it lays out at INFO (the review pack), and fontTools
            # every table of every font it subsets for the PDF: keep warnings only.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """What Sentry gets of a request: its method, address without the query string (which may
    hold an email or a token) and headers (the SDK scrubs cookies and authorisation). Bodies
    are never sent (max_request_body_size="never")."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        request.pop("cookies", None)
        request.pop("data", None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    return event
