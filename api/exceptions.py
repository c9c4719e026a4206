"""One error body for the whole API: {"errors": {field: [messages]}, "detail": "..."}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from touchpoints.services import EditConflict, FeedRejected


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Someone changed this since you read it."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the ETag you read."
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _messages(value):
    if isinstance(value, dict):
        return {key: _messages(inner) for key, inner in value.items()}
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        return [_messages(v) for v in value]
    return [str(value)]


def django_errors(exc):
    """A Django ValidationError as {field: [messages]} ("non_field_errors" for the rest)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": list(exc.messages)}


def exception_handler(exc, context):
    if isinstance(exc, FeedRejected):
        # The bulk feed's row errors: {"errors": {"rows": [{"index", "external_id", "errors"}]}}
        body = {"errors": {"rows": exc.rows}, "detail": exc.messages[0]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_errors(exc))
    elif isinstance(exc, EditConflict):
        exc = PreconditionFailed()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        body = {"errors": _messages(errors), "detail": _("The request has errors.")}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        body = {"errors": {}, "detail": str(detail)}
    kept = {"www-authenticate", "retry-after", "allow", "etag"}
    headers = {k: v for k, v in response.items() if k.lower() in kept}
    return Response(body, status=response.status_code, headers=headers)
