"""Settings for the MLOps Maturity Portal: one module, driven by environment variables.

Defaults serve a laptop with no services (SQLite in var/, eager Celery, emails as files in
var/mail/). Production sets DJANGO_ENV=production plus the variables listed in the README.
"""

import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"

# --- Core -------------------------------------------------------------------------------------

DEV_SECRET_KEY = "dev-only-not-secret-b7f1c2e4a9d84f3c8e6a1b0d2c5f7e9a3b6d8c1e4f7a0b3c"
SECRET_KEY = env.str("SECRET_KEY", default="" if IS_PRODUCTION else DEV_SECRET_KEY)
if IS_PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == DEV_SECRET_KEY):
    sys.exit(
        "Refusing to start: DJANGO_ENV=production needs SECRET_KEY set to 50+ random characters."
    )

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "ninja",  # the REST API (api/); its Swagger UI files are served from static, no CDN
    # The portal's apps, from the bottom of the dependency rule up (docs/architecture.md).
    "core",
    "teams",
    "evidence",
    "assessments",
    "improvement",
    "reviews",
    "insights",
    "notifications",
    "reports",
    "scheduler",
    "accounts",
    "portal",
    "administration",
    "api",
]
# The demo organisation (seed_demo) is never installed in production.
if not IS_PRODUCTION:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxSessionExpiredMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mlops_portal.urls"
WSGI_APPLICATION = "mlops_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.navigation.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: it compiles any plan over all 10,000 projects, ~1 s a page that wins nothing back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite, written by `make run`'s web server and worker at once. WAL: readers never wait for
    # the writer. IMMEDIATE: a transaction takes the write lock when it begins, so a second writer
    # waits (up to `timeout` s) rather than fail with "database is locked" on upgrading its lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests use a file too (a new one each run), not Django's in-memory database: its shared
    # cache refuses a second writer at once ("database table is locked") instead of letting
    # it wait, so tests that race threads would not see the locking `make run` has.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"mlops-portal-test-{uuid.uuid4().hex}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

# Dashboards cache aggregates under a generation that writes bump (core.cache), so every web and
# worker process must share it: files by default, Redis in production (CACHE_URL=redis://h:6379/2).
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

# --- Authentication ---------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # With PASSWORD_LOGIN off, stops every password log-in but the break-glass account's.
    "accounts.sso.backends.PasswordLoginGate",
    "django.contrib.auth.backends.ModelBackend",
    # OpenID Connect, only when OIDC_ISSUER is set (see "Single sign-on" below).
    "accounts.sso.backends.SsoBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Password reset e-mails (core/accounts.py), counted in the shared cache per clock hour: a
# few per address, so nobody's inbox can be flooded, and more per client (IP address, as
# axes sees it). Over the address limit nothing is sent and the page looks as always; a
# client over its own limit gets a 429 saying so.
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=3)
PASSWORD_RESETS_PER_CLIENT = env.int("PASSWORD_RESETS_PER_CLIENT", default=20)
PASSWORD_RESET_WINDOW = 3600  # seconds

# --- Single sign-on ---------------------------------------------------------------------------

# OpenID Connect log-in (accounts/sso/), off unless OIDC_ISSUER is set: the provider's
# endpoints and keys come from its discovery document, {OIDC_ISSUER}/.well-known/
# openid-configuration, whose "issuer" must equal OIDC_ISSUER exactly. Register
# SITE_URL/oidc/callback/ as the redirect URI at the provider, and SITE_URL/oidc/logged-out/
# as the post-logout one. Read at request time, so tests can override them.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile groups")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# At a first log-in with no account of that e-mail: "create" one (in no team, until an org
# admin or a group mapping adds them) or "refuse".
OIDC_FIRST_LOGIN = env.str("OIDC_FIRST_LOGIN", default="create")
OIDC_LOGIN_LABEL = env.str("OIDC_LOGIN_LABEL", default="Log in with single sign-on")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)  # seconds, for each call to the provider
# Password log-in off: only BREAK_GLASS_USERNAME may still log in (and reset) with a password.
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)
BREAK_GLASS_USERNAME = env.str("BREAK_GLASS_USERNAME", default="")
_SSO_PROBLEMS = {
    'OIDC_FIRST_LOGIN is "create" or "refuse"': OIDC_FIRST_LOGIN not in {"create", "refuse"},
    "OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET": bool(OIDC_ISSUER)
    and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET),
    'OIDC_SCOPES must include "openid"': "openid" not in OIDC_SCOPES.split(),
    "PASSWORD_LOGIN=false needs OIDC_ISSUER and BREAK_GLASS_USERNAME": not PASSWORD_LOGIN
    and not (OIDC_ISSUER and BREAK_GLASS_USERNAME),
}
if any(_SSO_PROBLEMS.values()):
    sys.exit(f"Refusing to start: {'; '.join(k for k, bad in _SSO_PROBLEMS.items() if bad)}.")

# --- Evidence from tools (evidence/) ---------------------------------------------------------

# A Fernet key for the tokens of MLflow connections (evidence/secrets.py); outside
# production one is derived from SECRET_KEY when it is unset.
EVIDENCE_ENCRYPTION_KEY = env.str("EVIDENCE_ENCRYPTION_KEY", default="")
# Facts older than this many days are deleted by the daily collection.
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", default=400)
# Seconds to wait for each answer of a tool's server.
EVIDENCE_HTTP_TIMEOUT = env.float("EVIDENCE_HTTP_TIMEOUT", default=10.0)
# Events: largest body read, in bytes. Outcomes: fewer projects behind a level show no median.
EVENTS_MAX_BODY_BYTES = env.int("EVENTS_MAX_BODY_BYTES", default=16384)
OUTCOMES_MIN_PROJECTS = env.int("OUTCOMES_MIN_PROJECTS", default=3)

# --- REST API (api/) ----------------------------------------------------------------------------

# Requests per token per clock minute; over it, 429 with Retry-After (core.ratelimit).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed files in production; tests and `make run` serve straight from static/.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_MAX_AGE = 31536000 if STATIC_MANIFEST else 0
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"

# --- Email ------------------------------------------------------------------------------------

# Production without EMAIL_URL sends through a local SMTP relay; development writes files.
EMAIL_URL = env.str("EMAIL_URL", default="smtp://localhost:25" if IS_PRODUCTION else "")
if EMAIL_URL:
    _smtp = env.email_url_config(EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp.get("EMAIL_HOST", "localhost"),
                "port": _smtp.get("EMAIL_PORT") or 25,
                "username": _smtp.get("EMAIL_HOST_USER", ""),
                "password": _smtp.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MLOps Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker tasks run in-process (the test suite's default; tests never depend on
# it). `make run` sets filesystem:// and starts a worker and beat (scripts/run_demo.py).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Late acknowledgement is switched on per task, only for tasks that are safe to run twice.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Publishing gives up after about a second when Redis is down: the database keeps what is
# due and the next tick queues it again (see mlops_portal.celery.PortalTask).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = TIME_ZONE
# Give running tasks a chance to finish on a deploy before the worker stops.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0

# Emails: transient SMTP failures are retried with exponential back-off (with jitter).
EMAIL_RETRY_BACKOFF = env.int("EMAIL_RETRY_BACKOFF", default=30)  # seconds, doubled per retry
EMAIL_RETRY_BACKOFF_MAX = 600
EMAIL_MAX_RETRIES = 5
# After this many failed sends in all (task retries plus later ticks) an email is given up.
EMAIL_MAX_ATTEMPTS = 12
REPORT_TASK_SOFT_TIME_LIMIT = env.int("REPORT_TASK_SOFT_TIME_LIMIT", default=240)
REPORT_TASK_TIME_LIMIT = env.int("REPORT_TASK_TIME_LIMIT", default=300)
# Reports one person may ask for in an hour (an identical one in progress is reused).
REPORTS_PER_USER_PER_HOUR = env.int("REPORTS_PER_USER_PER_HOUR", default=10)
# Invitations: how long a link works, and accept attempts per client per hour.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
INVITATION_ACCEPTS_PER_CLIENT = env.int("INVITATION_ACCEPTS_PER_CLIENT", default=20)

# Redis redelivers a message that is not acknowledged within the visibility timeout, even
# while the first copy still runs. Late-acknowledged tasks stay unacknowledged for their run
# (at most the report's 300 s hard limit), and a retry's countdown message is held unacked
# until it is due (at most EMAIL_RETRY_BACKOFF_MAX, 600 s): one hour is above both together.
CELERY_VISIBILITY_TIMEOUT = 3600
assert CELERY_VISIBILITY_TIMEOUT > REPORT_TASK_TIME_LIMIT + EMAIL_RETRY_BACKOFF_MAX
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}

# A broker that needs no server (`make run`): with CELERY_BROKER_URL=filesystem:// every
# message is a file in one folder that the web server, the worker and beat share. The
# worker claims a message by moving it to processed/, on the same disk, so only one
# consumer gets it; control/ holds the fanout bindings of Celery's remote control.
BROKER_FOLDER = Path(env.str("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem:"):
    for _folder in ("queue", "processed", "control"):
        (BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "store_processed": True,
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "control_folder": str(BROKER_FOLDER / "control"),
    }
# Where beat keeps when each entry last ran.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# Beat only ticks; the tick reads from the database what is due (periods to create, open and
# close, emails not yet sent, reports stuck or waiting). Run exactly one beat process.
CELERY_BEAT_SCHEDULE = {
    "tick": {
        "task": "scheduler.tasks.tick",
        "schedule": crontab(minute=5),  # hourly, at :05 (https://crontab.guru/#5_*_*_*_*)
    },
}

# --- Assessment periods -----------------------------------------------------------------------

PERIOD_DUE_DAY = env.int("PERIOD_DUE_DAY", default=21)
PERIOD_CLOSE_DAY = env.int("PERIOD_CLOSE_DAY", default=35)
ESCALATION_GRACE_DAYS = env.int("ESCALATION_GRACE_DAYS", default=7)
# The next quarter's period is created this many days before it opens.
PERIOD_CREATE_AHEAD_DAYS = env.int("PERIOD_CREATE_AHEAD_DAYS", default=14)
# Chromium for the report's chart images (Kaleido); without one, reports say charts are
# unavailable and keep every table.
REPORT_CHART_BROWSER_PATH = env.str("BROWSER_PATH", default=shutil.which("chromium") or "")
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

# --- Security ---------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The report renderers log every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
    },
}
