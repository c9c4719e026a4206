from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from motmap import lockout, ratelimit

from .models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Requests per token (per person for session use, per address for the anonymous).

    Counted in the cache; when the cache cannot be reached the request is let through and a
    warning logged (motmap.ratelimit says why a limit fails open)."""

    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_ident(self, request):
        # DRF's own trusts X-Forwarded-For from anyone; ours only behind our own proxy.
        return lockout.client_ip(request)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if ratelimit.cache_seems_away():
            return True
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache is away: do not refuse the API with it
            ratelimit.cache_failed("count API requests", exc)
            self.history = []
            return True
