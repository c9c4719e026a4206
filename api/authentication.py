from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from motmap import audit, lockout, ratelimit

from .services import api_token_authenticate

# Failed token authentications per client address in a clock hour (API_TOKEN_FAILURES_PER_HOUR):
# past it every token from there is refused with 429 until the hour ends, so tokens cannot be
# guessed at speed. Counted in the cache (motmap.ratelimit): with the cache away it is not applied.
TOKEN_FAILURES = ratelimit.Limit("api-token-failures", 60 * 60)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer mm_...` (or `Token mm_...`): a personal API token."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give one token after Bearer."))
        address = lockout.client_ip(request)
        wait = ratelimit.wait_seconds(TOKEN_FAILURES, address, settings.API_TOKEN_FAILURES_PER_HOUR)
        if wait:
            raise exceptions.Throttled(
                wait, _("Too many invalid tokens from your address. Try again later.")
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeError:
            raw = None
        token = api_token_authenticate(raw) if raw else None
        if token is None:
            ratelimit.hit(TOKEN_FAILURES, address)
            if raw is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        audit.acting_through(str(token), token.pk)  # the changes it makes are logged as its
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /o/<org>/api-tokens/ (mm_...).",
        }
