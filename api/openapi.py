"""The error answers of an operation, for the schema: one body shape (ErrorSerializer)."""

from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorSerializer

WHY = {
    400: "Bad JSON, wrong types, unknown fields, bad filters or a rule of the service "
    "(field errors); nothing changed.",
    401: "No token, or a revoked or unknown token.",
    403: "Your role, a read-only token or a token of another organisation does not allow it.",
    404: "Not a member of this organisation, an object of another organisation, or a bad cursor.",
    413: "The request body is over API_MAX_BODY_BYTES.",
    429: "Over API_THROTTLE_RATE for this token: wait Retry-After seconds.",
}
READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 413, 429)


def errors(codes=WRITE_ERRORS):
    return {code: OpenApiResponse(ErrorSerializer, description=WHY[code]) for code in codes}


def answers(ok, codes=WRITE_ERRORS):
    """`ok`: {status: serializer or None} for the successes, plus the errors."""
    return {**ok, **errors(codes)}
