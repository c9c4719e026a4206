from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiToken


class ReadOnlyToken(BasePermission):
    """A read-only token may only read."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        return not (
            isinstance(token, ApiToken) and token.read_only and request.method not in SAFE_METHODS
        )
