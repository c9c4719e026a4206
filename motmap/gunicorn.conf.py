"""gunicorn's settings for motmap: `gunicorn -c motmap/gunicorn.conf.py motmap.wsgi:application`
(the image, docker-compose.yml and the Helm chart all start it so).

Sized from the machine: 2 x the CPUs this process may use + 1 sync workers, the usual rule for
a server whose requests wait on the database. In a container whose CPU is capped by a limit
rather than by the CPUs it sees, set WEB_CONCURRENCY (the Helm chart does, from its values).
Each worker is a whole Django process (about 100 MB): memory is the other bound.

Environment: WEB_CONCURRENCY (workers), GUNICORN_THREADS (threads per worker, default 1),
GUNICORN_TIMEOUT (seconds a request may take before its worker is replaced, default 60: a whole
organisation's pack is made by the worker, not here), PORT (default 8000).
"""

import os

from gunicorn import glogging

from motmap import logs


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(given: str) -> int:
    """WEB_CONCURRENCY when set, otherwise 2 x CPUs + 1."""
    if given.strip():
        return max(1, int(given))
    return 2 * cpus() + 1


class Logger(glogging.Logger):
    """The access line carries the request's id (the answer's X-Request-ID header)."""

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        answered = {name.lower(): value for name, value in resp.headers}
        token = logs.request_id.set(answered.get(logs.HEADER.lower(), "-"))
        try:
            super().access(resp, req, environ, request_time)
        finally:
            logs.request_id.reset(token)


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = workers_for(os.environ.get("WEB_CONCURRENCY", ""))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30  # a deploy or scale-down lets requests in flight finish
keepalive = 5  # behind a proxy or load balancer that keeps connections open
# Replace a worker after this many requests (staggered), so that slow growth never piles up.
max_requests = 1000
max_requests_jitter = 100
# The workers' heartbeat files in memory, not on a container's (possibly slow) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Logs: on stdout and stderr, through motmap.logs (JSON with the request id). The access line
# has no client address, query string, referrer or user agent: no personal data.
accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(B)s bytes %(M)s ms"
logger_class = Logger
logconfig_dict = logs.config(
    level=os.environ.get("LOG_LEVEL", "INFO"), fmt=os.environ.get("LOG_FORMAT", "json")
)
# No control socket (gunicornc): nothing uses it, and a container's home may be read-only.
control_socket_disable = True
