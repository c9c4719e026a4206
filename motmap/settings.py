"""motmap settings: one module, every value read from the environment.

Every setting is listed with its default in `.env.example` and in README.md. Any of them may
instead be given as NAME_FILE, the path of a file that holds the value (Docker and Kubernetes
secrets): see `motmap.envfiles`.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from motmap import logs
from motmap.envfiles import FileAwareEnv

BASE_DIR = Path(__file__).resolve().parent.parent
env = FileAwareEnv()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of a development checkout (SQLite aside): the development key, the file broker
# and cache, uploads. Production keeps none of it there (it sets SECRET_KEY and real services).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

# The key that signs sessions, password-reset, invitation and unsubscribe links. There is no
# built-in default: anyone who knew it could forge all of those. `make` writes a random one for
# this checkout into var/secret_key (development only; var/ is never copied into the image).
DEVELOPMENT_KEY_FILE = VAR_DIR / "secret_key"
# Keys that were published (an earlier default): never accepted with DEBUG off.
PUBLISHED_KEYS = {"insecure-dev-key-change-me-in-production-0123456789"}
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEVELOPMENT_KEY_FILE.is_file():
    SECRET_KEY = DEVELOPMENT_KEY_FILE.read_text(encoding="utf-8").strip()
HOW_TO_MAKE_A_KEY = (
    "Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' and set it "
    "as SECRET_KEY (or put it in a file and set SECRET_KEY_FILE to its path). For development, "
    "`make run` writes one into var/secret_key."
)
if not SECRET_KEY:
    raise ImproperlyConfigured(f"SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}")
if not DEBUG and (SECRET_KEY in PUBLISHED_KEYS or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        f"SECRET_KEY is a published development value and DEBUG is off. {HOW_TO_MAKE_A_KEY}"
    )
# Older keys still accepted for signatures while a new SECRET_KEY is rolled out (nobody is
# logged out, links already sent keep working); remove them once they are no longer needed.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
if not DEBUG and any(
    key in PUBLISHED_KEYS or key.startswith("django-insecure-") for key in SECRET_KEY_FALLBACKS
):
    raise ImproperlyConfigured(
        "SECRET_KEY_FALLBACKS holds a published development value and DEBUG is off: remove it "
        "(signatures made with it can be forged by anyone)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is empty and DEBUG is off: set it to the host names this site answers "
        "to, e.g. ALLOWED_HOSTS=motmap.example.com"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The port the application server listens on: `make run` serves on it; the image's gunicorn
# listens on 8000, the default. A webhook to this server on this port or SITE_URL's is refused.
PORT = env.int("PORT", default=8000)
# The address `make run` serves on (it passes its HOST and PORT). Without SITE_URL, links in
# emails, the calendar address and QR codes point at that server: `PORT=8101 make run` links to
# http://127.0.0.1:8101. Production sets SITE_URL to its public https:// address.
HOST = env.str("HOST", default="127.0.0.1").strip() or "127.0.0.1"


def _default_site_url(host, port):
    if host in ("0.0.0.0", "::", "[::]", "*"):  # noqa: S104 (served on all: link to loopback)
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


SITE_URL = env.str("SITE_URL", default=_default_site_url(HOST, PORT)).rstrip("/")

INSTALLED_APPS = [
    "motmap",
    "journeys",
    "touchpoints",
    "ideas",
    "feedback",
    "reviews",
    "notifications",
    "packs",
    "exports",
    "api",
    "webhooks",
    "pages",
    "demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "motmap.logs.RequestIdMiddleware",
    "motmap.audit.AuditContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's lost database connection first.
    "motmap.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "pages.urls"
WSGI_APPLICATION = "motmap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motmap.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept for a while and checked before reuse: one dropped by a database restart
# is replaced at the start of the next request instead of failing it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers wait their turn instead of failing with "database is locked" (two quick submits).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "motmap.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# Login safety (django-axes, see motmap.lockout): after AXES_FAILURE_LIMIT wrong passwords for
# one account from one address, logins to that account from there pause for the cool-off; every
# attempt meanwhile, the right password included, gets the same 429 page and moves the end on.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "motmap.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "motmap.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "motmap.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
# Password-reset requests per client address and per email address in a clock hour; failed API
# token authentications per client address in a clock hour. Over either: 429 with Retry-After.
PASSWORD_RESETS_PER_HOUR = env.int("PASSWORD_RESETS_PER_HOUR", default=5)
API_TOKEN_FAILURES_PER_HOUR = env.int("API_TOKEN_FAILURES_PER_HOUR", default=30)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates written one way everywhere ("1 Dec 2026", "1 Dec 2026 21:46"): see motmap/formats.
FORMAT_MODULE_PATH = "motmap.formats"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# Security headers. CSP: nothing from outside, no inline script or style.
# Behind HTTPS: HSTS tells browsers to use HTTPS only for this many seconds (start small, e.g.
# 3600, then a year: 31536000); SECURE_SSL_REDIRECT sends http:// requests to https:// (the
# health check stays reachable over http for load balancers and container checks).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# A login lasts this many days (counted from the session's last change), then the person logs
# in again.
SESSION_COOKIE_AGE = env.int("SESSION_DAYS", default=14) * 24 * 3600
# Minutes a typed password counts before creating an API token or a webhook asks for it
# again (motmap.reauth).
REAUTH_MINUTES = env.int("REAUTH_MINUTES", default=15)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy: no page of motmap uses the device's sensors, camera, microphone, location,
# payments or ports, so none may (nor anything a page might one day embed). Only features that
# browsers know: an unknown one is an error in the browser's console.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
# Behind a TLS-terminating proxy: believe its X-Forwarded-Proto, and the last X-Forwarded-For
# entry (the address the proxy saw) as the client's address (motmap.lockout.client_ip).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# The addresses such a proxy connects from: X-Forwarded-For from anyone else is ignored (someone
# who reaches the app server directly cannot pose as the proxy). Private and loopback networks
# by default: a proxy on the same host, network or Docker network.
TRUSTED_PROXIES = env.list(
    "TRUSTED_PROXIES",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
try:
    TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network(net, strict=False) for net in TRUSTED_PROXIES]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Email: every message goes through the outbox (motmap.outbox) and a Celery task.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # The development default: the same emails, printed readably (subject decoded, text part).
    EMAIL_CONFIG["EMAIL_BACKEND"] = "motmap.mail.ConsoleEmailBackend"
vars().update(EMAIL_CONFIG)
if EMAIL_URL.startswith("filemail://"):
    # filemail:///var/mail/motmap means the absolute path /var/mail/motmap.
    EMAIL_FILE_PATH = EMAIL_URL.removeprefix("filemail://")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="motmap <noreply@motmap.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every exchange with the mail server (connect, each command, the message) gives up after this
# many seconds, so a hung server never holds a worker; the outbox's claim on an email outlasts
# a send that takes this long at every step (motmap.outbox.claim_seconds).
EMAIL_TIMEOUT = 20
# Send attempts (the task's retries and the beat's sweep together) before an email is failed.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)

# Celery: Redis when CELERY_BROKER_URL is set, else kombu's filesystem broker under var/ (its
# folders are made when the Celery app is configured: motmap.celery).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", default=0.5)
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # A broker that is away must not hold a page: one connection attempt (no retry loop: the
    # rows wait for their sweeps, see motmap.enqueue), connect and each command bounded.
    "max_retries": 0,
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
# Pages hand work to the broker once (motmap.enqueue): when it is away the row
# waits for its beat sweep, so a publish is not retried in the request.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# The queue tasks go to when nothing routes them elsewhere (the integration tests use their own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = "UTC"
# Reviews: reminders go out at this hour of the organisation's morning, in its time zone. The
# beat runs the sweep every REMINDER_SWEEP_SECONDS; each batch is one transaction.
REMINDER_HOUR = env.int("REMINDER_HOUR", default=8)
REMINDER_SWEEP_SECONDS = env.float("REMINDER_SWEEP_SECONDS", default=300.0)
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=500)

# Webhooks: an attempt's timeout; retries after 1, 2, 4 ... minutes (capped) for a number of
# hours, then the endpoint is turned off. The beat sweeps due deliveries every few seconds.
# Private, loopback and link-local targets are refused unless allowed (development only).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)
WEBHOOK_RETRY_MAX_MINUTES = env.int("WEBHOOK_RETRY_MAX_MINUTES", default=60)
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=60.0)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# Customers' feedback: below this many answers in a period pages say "too few answers"; a
# second answer from the same respondent for a touchpoint within the repeat window is stored
# as excluded.
FEEDBACK_MIN_ANSWERS = env.int("FEEDBACK_MIN_ANSWERS", default=30)
FEEDBACK_REPEAT_MINUTES = env.int("FEEDBACK_REPEAT_MINUTES", default=10)
# Posts from one address per minute on the public feedback page before it answers 429.
FEEDBACK_POSTS_PER_MINUTE = env.int("FEEDBACK_POSTS_PER_MINUTE", default=30)
# Customers' comments are kept this many days, then their text is deleted by a beat task (the
# counts and roll-ups stay).
FEEDBACK_COMMENT_DAYS = env.int("FEEDBACK_COMMENT_DAYS", default=365)

# Days sent emails and finished webhook deliveries are kept (then a daily beat task deletes
# them); emails that failed stay until an owner sends them again.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=90)
# Days the audit log keeps an entry (then the same daily task deletes it).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
CELERY_BEAT_SCHEDULE = {
    # Safety net: anything the on-commit task did not send (broker down, worker died) goes now.
    "flush-outbox": {"task": "motmap.tasks.flush_outbox", "schedule": 60.0},
    # Sent emails, finished webhook deliveries (older than RETENTION_DAYS), audit entries older
    # than AUDIT_RETENTION_DAYS, expired sessions.
    "prune-old-rows": {"task": "motmap.tasks.prune_old_rows", "schedule": 24 * 3600.0},
    "prune-old-deliveries": {
        "task": "webhooks.tasks.prune_old_deliveries",
        "schedule": 24 * 3600.0,
    },
    # Review and action reminders, then digests: each due item fired once, see reviews.reminders.
    "send-due-reminders": {
        "task": "reviews.tasks.send_due_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
    },
    # Fired reminders the on-commit task did not tell (broker down, worker died).
    "deliver-reminders": {"task": "reviews.tasks.deliver_reminders", "schedule": 60.0},
    "send-due-digests": {
        "task": "notifications.tasks.send_due_digests",
        "schedule": REMINDER_SWEEP_SECONDS,
    },
    # Review packs queued while the broker was away, or left by a worker that died.
    "build-waiting-packs": {"task": "packs.tasks.build_waiting_packs", "schedule": 60.0},
    # Organisation exports: those queued while the broker was away (or left by a dead worker)
    # are built; expired ones are deleted with their files.
    "build-waiting-exports": {"task": "exports.tasks.build_waiting_exports", "schedule": 60.0},
    "prune-expired-exports": {
        "task": "exports.tasks.prune_expired_exports",
        "schedule": 24 * 3600.0,
    },
    # Customers' feedback: the salts and respondent hashes of past days are deleted.
    "forget-feedback-respondents": {
        "task": "feedback.tasks.forget_feedback_respondents",
        "schedule": 15 * 60.0,
    },
    # Customers' comments older than FEEDBACK_COMMENT_DAYS lose their text.
    "forget-feedback-comments": {
        "task": "feedback.tasks.forget_feedback_comments",
        "schedule": 60 * 60.0,
    },
    # Webhook deliveries due (first attempts the broker missed, and retries).
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": WEBHOOK_SWEEP_SECONDS,
    },
}

# Log lines (motmap.logs): JSON objects, one per line, each with its request id (and in the
# worker its task's); LOG_FORMAT=text for lines a person reads (`make run`).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logs.config(level=env.str("LOG_LEVEL", default="INFO"), fmt=LOG_FORMAT)
# The worker keeps these settings instead of Celery's own format for the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The worker logs what is printed (the console email backend's emails) at this level; Celery's
# default, WARNING, showed every development email as a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"

# Ideas: how many ideas one member may send in an hour (anonymous ones included).
IDEAS_PER_HOUR = env.int("IDEAS_PER_HOUR", default=20)

# Cache: short-lived counters (idea rate limit). Redis when CACHE_URL says so; by default files
# under var/, shared by the web server and the worker on one machine.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
# A cache that is away must cost a request a fraction of a second, not a hang: the limits
# counted there then fail open (motmap.ratelimit).
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
if "redis" in CACHES["default"]["BACKEND"].lower():
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
            "socket_timeout": CACHE_TIMEOUT_SECONDS,
        }
    )

# Importing an organisation's export (exports.services.organisation_import): the largest ZIP
# file taken (the web server in front may limit request bodies further).
EXPORT_IMPORT_MAX_BYTES = env.int("EXPORT_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)

# REST API (/api/v1/): personal tokens or the session; errors as {"errors": {...}, "detail": ...}.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=5_000_000)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.ReadOnlyToken",
    ],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "motmap API",
    "DESCRIPTION": "Journeys, stages, touchpoints, ideas, reviews and actions of an "
    "organisation. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RatingEnum": "touchpoints.models.Rating",
        "IdeaStatusEnum": "ideas.models.IdeaStatus",
        "ReviewStatusEnum": "reviews.models.ReviewStatus",
        "ActionStatusEnum": "reviews.models.ActionStatus",
        "ActionCloseStatusEnum": ["done", "dropped"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

# Errors go to Sentry when SENTRY_DSN is set; nothing is sent otherwise. With their traceback
# and the request's method and path; never its query string, body, cookies, user, address or
# the frames' variables (send_default_pii off, motmap.logs.sentry_before_send).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,  # a frame's variables may hold anything typed
        before_send=logs.sentry_before_send,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
