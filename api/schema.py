"""The OpenAPI schema's shared parts: the one error body, documented on every operation.

Every error the API answers has the same body (api/exceptions.py); this postprocessing hook
adds it to each operation with the statuses that operation can answer, so that clients (and
the schemathesis run in the tests) know every status they may meet.
"""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: field errors (empty when the error is not about a field) and a "
    "sentence for people.",
    "properties": {
        "errors": {
            "type": "object",
            "description": "Field name (or non_field_errors, or rows for the bulk feed) -> "
            "messages.",
            "additionalProperties": True,
        },
        "detail": {"type": "string"},
    },
    "required": ["errors", "detail"],
}

ERRORS_EVERYWHERE = {
    "400": "Bad input: a query parameter or the body has errors (see `errors`).",
    "401": "No credentials, or a revoked or unknown token.",
    "403": "Your role, or a read-only token, does not allow this.",
    "404": "No such object in this organisation (or no such organisation for you).",
    "429": "Too many requests for this token, or too many invalid tokens from this address; "
    "`Retry-After` says when to try again.",
    "503": "The database is briefly unreachable (a restart): try again after `Retry-After` "
    "seconds.",
}
ERRORS_WITH_BODY = {
    "413": "The body is larger than the limit.",
    "415": "Send `Content-Type: application/json`.",
}
ERRORS_WITH_IF_MATCH = {
    "412": "Someone changed it since you read it (If-Match does not match the ETag).",
    "428": "Send If-Match with the ETag you read.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def _error_response(description):
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }


def add_error_responses(result, generator, request, public):
    """Document the error statuses of every /api/v1 operation with the one error body."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            errors = dict(ERRORS_EVERYWHERE)
            if method in ("post", "put", "patch"):
                errors.update(ERRORS_WITH_BODY)
            if any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                errors.update(ERRORS_WITH_IF_MATCH)
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, _error_response(description))
            responses["429"].setdefault("headers", RETRY_AFTER)
            responses["503"].setdefault("headers", RETRY_AFTER)
    return result
