"""Short-lived limits (ideas per hour, password resets, failed API tokens), counted in the cache.

A `Limit` counts hits per window aligned to the clock (12:00-12:59, 13:00-13:59 for an hour),
under a key that is a keyed hash of what is counted: the cache holds no address, account or
idea author in the clear. Every counter expires at a fixed time, the end of the window after
its own, never at a time derived from a hit (nothing in the cache dates a single request).

The cache is an aid, not a dependency: when it cannot be reached (Redis away, a full disk) a
limit is not applied and a warning is logged ("fails open"). Refusing ideas, password resets
or API calls because a counter is unreachable would take the feature down with the cache.
After a failure this process leaves the cache alone for CACHE_PAUSE_SECONDS, so a Redis that
hangs costs one CACHE_TIMEOUT_SECONDS now and then, not one per counter on every request.
The login pause is not counted here: django-axes keeps it in the database (motmap.lockout).
"""

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
CACHE_PAUSE_SECONDS = 5.0
_cache_away_until = 0.0  # time.monotonic() until which the cache is not asked


def cache_seems_away() -> bool:
    return time.monotonic() < _cache_away_until


def reset() -> None:
    """Ask the cache again at once (tests)."""
    global _cache_away_until
    _cache_away_until = 0.0


def cache_failed(
    what: str, exc: Exception, meanwhile: str = "the limit is not applied meanwhile"
) -> None:
    """Note a cache failure: log it, and leave the cache alone for a few seconds."""
    global _cache_away_until
    _cache_away_until = time.monotonic() + CACHE_PAUSE_SECONDS
    logger.warning("The cache could not %s (%s: %s); %s.", what, type(exc).__name__, exc, meanwhile)


@dataclass(frozen=True)
class Limit:
    scope: str  # names the counter: "ideas", "password-reset-address" ...
    window_seconds: int

    def _bucket(self, now: float) -> int:
        return int(now // self.window_seconds)

    def key(self, ident: str, now: float) -> str:
        message = f"{self.scope}:{ident}:{self._bucket(now)}".encode("utf-8", "surrogatepass")
        digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
        return f"rate:{self.scope}:{digest[:32]}"

    def seconds_left(self, now: float) -> int:
        """Seconds until this window ends (a Retry-After)."""
        return max(1, math.ceil((self._bucket(now) + 1) * self.window_seconds - now))

    def _expires_in(self, now: float) -> int:
        return max(1, math.ceil((self._bucket(now) + 2) * self.window_seconds - now))


def count(limit: Limit, ident: str) -> int | None:
    """Hits counted in the current window; None when the cache cannot be read."""
    if cache_seems_away():
        return None
    now = time.time()
    try:
        return int(cache.get(limit.key(ident, now)) or 0)
    except Exception as exc:  # any cache failure: the limit fails open
        cache_failed(f"read the {limit.scope} limit", exc)
        return None


def hit(limit: Limit, ident: str) -> int | None:
    """Count one hit in the current window. Returns the new count (None: cache away).

    `add` then `incr` is atomic on Redis and in memory; the `touch` puts back the fixed expiry
    on backends whose incr rewrites the entry (the file cache).
    """
    if cache_seems_away():
        return None
    now = time.time()
    key, expires_in = limit.key(ident, now), limit._expires_in(now)
    try:
        cache.add(key, 0, expires_in)
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, expires_in)
            value = 1
        cache.touch(key, expires_in)
        return int(value)
    except Exception as exc:  # any cache failure: the limit fails open
        cache_failed(f"count the {limit.scope} limit", exc)
        return None


def seconds_left(limit: Limit) -> int:
    """Seconds until the current window of `limit` ends (for Retry-After)."""
    return limit.seconds_left(time.time())


def wait_seconds(limit: Limit, ident: str, allowed: int) -> int:
    """0 while fewer than `allowed` hits are counted in this window, else the seconds until it
    ends (for Retry-After). 0 too when the cache cannot be read."""
    used = count(limit, ident)
    if used is None or used < allowed:
        return 0
    return limit.seconds_left(time.time())
