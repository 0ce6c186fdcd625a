"""Django settings for OneTrip, driven by environment variables.

DATABASE_URL   default: SQLite (WAL) in ./var/onetrip.sqlite3
ONETRIP_VAR    folder for the SQLite file, uploads and collected static files (default ./var)
SECRET_KEY     required in production (DEBUG off, ONETRIP_DEMO off): without it nothing that
               signs or hashes can start (`serve`, gunicorn, `check --deploy` refuse)
DEBUG          "1" to turn on debug pages
ONETRIP_DEMO   "1" for the demo (set by `make demo` / `onetrip demo`): demo-only pages such as
               the SMS inbox exist only then; DEBUG and the demo use a per-install key in ./var
ALLOWED_HOSTS  comma separated (default 127.0.0.1,localhost)
ONETRIP_TLS    "1" when served over HTTPS (behind a proxy setting X-Forwarded-Proto): Secure
               cookies, HSTS and a redirect to https; see docs/deploy.md
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ONETRIP_VAR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("DEBUG", "") == "1"
#: The demo: sample data, demo-only pages (/demo/sms/). Never on in production.
ONETRIP_DEMO = os.environ.get("ONETRIP_DEMO", "") == "1"
_TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A per-install key for the demo and development, kept in ./var (never a built-in one)."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


# Production without SECRET_KEY gets an empty one: Django then refuses every use of it
# ("The SECRET_KEY setting must not be empty"), and wsgi.py / `serve` refuse to start.
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (
    "onetrip-tests-only-not-a-secret-0123456789-abcdefghijklmnop"
    if _TESTING
    else _local_secret_key()
    if DEBUG or ONETRIP_DEMO
    else ""
)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "onetrip.taskqueue.TasksDbConfig",  # django_tasks_db, its admin labels translated
    "onetrip.web",
    "onetrip.audit",
    "onetrip.people",
    "onetrip.catalogue",
    "onetrip.workdays",
    "onetrip.notices",
    "onetrip.queueing",
    "onetrip.cases",
    "onetrip.intake",
    "onetrip.sharing",
    "onetrip.tracking",
    "onetrip.agencies",
    "onetrip.homevisits",
    "onetrip.metrics",
    "onetrip.safety",
    "onetrip.simulation",
    "onetrip.community",
    "onetrip.demo",
    "django_prometheus",
    "onetrip.ops",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "onetrip.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "onetrip.web.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onetrip.web.middleware.PermissionsPolicyMiddleware",
    "onetrip.web.middleware.ApiSessionCsrfMiddleware",
    "onetrip.ops.middleware.RequestMetricsMiddleware",  # django-prometheus', fewer series
    "onetrip.web.middleware.CSPMiddleware",  # django-csp's, the header built once
]

# Headers and cookies. Django already sends nosniff, Referrer-Policy and X-Frame-Options: DENY;
# over TLS (ONETRIP_TLS=1, the documented production configuration) cookies are Secure, HSTS
# is on and plain http is redirected (the proxy sets X-Forwarded-Proto).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
#: Browser features the pages never use (camera: the kiosk scans with a reader, not a camera).
ONETRIP_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
#: Content-Security-Policy (django-csp): scripts only from this site (no inline script: page
#: behaviours live in static files), no plugins, no framing, forms post here only. Inline style
#: attributes stay allowed (htmx adds its indicator style). Images may be data: URLs (QR codes,
#: the signature pad's preview).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
ONETRIP_TLS = os.environ.get("ONETRIP_TLS", "") == "1"
if ONETRIP_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "1") == "1"

ROOT_URLCONF = "onetrip.urls"
WSGI_APPLICATION = "onetrip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onetrip.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of dead-locking on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
    # Writers wait in line and a locked BEGIN is retried (onetrip.dbsqlite): no "database is
    # locked" under a small hall's 32 clients. ONETRIP_SQLITE_ENGINE=django.db.backends.sqlite3
    # is Django's plain backend (bench/sqlite_bench.py compares the two).
    DATABASES["default"]["ENGINE"] = os.environ.get("ONETRIP_SQLITE_ENGINE", "onetrip.dbsqlite")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file beside the database, not Django's shared-cache in-memory default: that
    # one answers 'table is locked' at once where the demo's WAL file waits (busy_timeout), so
    # two requests at once (a live server, threads) behave in tests as they do in the demo.
    _name = str(DATABASES["default"].get("NAME") or "")
    if _name and _name != ":memory:":
        DATABASES["default"]["TEST"] = {"NAME": _name.removesuffix(".sqlite3") + "-test.sqlite3"}
else:
    # Bind parameters on the server: psycopg then prepares a statement it has run a few times
    # on that connection, and PostgreSQL stops re-planning the hot statements (planning cost
    # more than executing on a 2-core machine: ~1.8 ms against ~1.2 ms for the wait count).
    # (Django leaves prepare_threshold off for the sake of transaction-mode poolers such as
    # PgBouncer < 1.21; set DATABASE_PREPARE_THRESHOLD to "" behind one of those.)
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "3")
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(threshold) if threshold else None
    # Parallel test runs (several developers, or helpers) must not share a test database.
    test_suffix = os.environ.get("ONETRIP_TEST_DB_SUFFIX", "")
    if test_suffix:
        DATABASES["default"]["TEST"] = {"NAME": f"test_onetrip_{test_suffix}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "phone", "display_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGOUT_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True  # serve straight from app folders when collectstatic has not run
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ONETRIP_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

NINJA_PAGINATION_PER_PAGE = 20
#: Proxies in front of the app whose X-Forwarded-For is trusted (0: use the peer address).
NINJA_NUM_PROXIES = int(os.environ.get("ONETRIP_NUM_PROXIES", "0"))
#: API abuse limits (onetrip.throttles): per anonymous client, and per token user (`_token`).
ONETRIP_THROTTLE_RATES: dict[str, str | None] = {
    "precheck": os.environ.get("ONETRIP_THROTTLE_PRECHECK", "20/m"),
    "precheck_token": os.environ.get("ONETRIP_THROTTLE_PRECHECK_TOKEN", "600/m"),
    # public tracking pages and API by token, window QR look-ups, online applications
    "token": os.environ.get("ONETRIP_THROTTLE_TOKEN", "30/m"),
    "window": os.environ.get("ONETRIP_THROTTLE_WINDOW", "10/m"),
    "apply": os.environ.get("ONETRIP_THROTTLE_APPLY", "30/m"),
    # anonymous safety reports (web form by address, Open311 by device)
    "safety_anon": os.environ.get("ONETRIP_THROTTLE_SAFETY_ANON", "5/10m"),
}

# Shared by every web process. `onetrip serve` and the test runner create the table; a large
# deployment can point this at Redis. (The abuse limits count in their own table: onetrip.throttles.)
CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "ONETRIP_CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"
        ),
        "LOCATION": os.environ.get("ONETRIP_CACHE_LOCATION", "onetrip_cache"),
    }
}

#: The public address, used in links sent by SMS (tracking pages) and printed on QR codes.
ONETRIP_SITE_URL = os.environ.get("ONETRIP_SITE_URL", "http://127.0.0.1:8000")

#: "json" (one object a line with the request id; the default in production) or "plain"
ONETRIP_LOG_FORMAT = os.environ.get(
    "ONETRIP_LOG_FORMAT", "plain" if DEBUG or ONETRIP_DEMO or _TESTING else "json"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "onetrip.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "onetrip.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": ONETRIP_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # "Not Found: <path>" would write tracking tokens to the log; 5xx are still logged
        "django.request": {"level": "ERROR"},
        # one line per request (onetrip.ops.middleware); the proxy logs them too
        "onetrip.request": {"level": os.environ.get("ONETRIP_ACCESS_LOG_LEVEL", "INFO")},
    },
}

# Demo SMS codes and notices are written to the console and a page (see sharing/notify plugins).
ONETRIP_SMS_BACKEND = os.environ.get("ONETRIP_SMS_BACKEND", "console")

# Every ONETRIP_* setting the apps read is declared here (the apps read ``settings.X``, never
# the environment at run time).
#: sender per notice channel, e.g. {"sms": "http"}; a channel not named uses ONETRIP_SMS_BACKEND
#: (sms) or the console
ONETRIP_NOTICE_SENDERS: dict[str, str] = {}
#: notice delivery: attempts before giving up, and the first retry's delay (doubling after)
ONETRIP_NOTICE_MAX_ATTEMPTS = int(os.environ.get("ONETRIP_NOTICE_MAX_ATTEMPTS", "5"))
ONETRIP_NOTICE_BACKOFF_SECONDS = int(os.environ.get("ONETRIP_NOTICE_BACKOFF_SECONDS", "30"))
#: the HTTP SMS gateway (sender "http"): URL, bearer token, timeout in seconds
ONETRIP_SMS_HTTP_URL = os.environ.get("ONETRIP_SMS_HTTP_URL", "")
ONETRIP_SMS_HTTP_TOKEN = os.environ.get("ONETRIP_SMS_HTTP_TOKEN", "")
ONETRIP_SMS_HTTP_TIMEOUT = float(os.environ.get("ONETRIP_SMS_HTTP_TIMEOUT", "10"))
#: shared-data sources to load at start-up (see docs/sharing-http-contract.md); None: none
ONETRIP_SHARING_SOURCES = None

# Running for real (docs/deploy.md): a streaming replica for the dashboard and the exports
# (onetrip.dbrouter; off unless ONETRIP_REPLICA_URL is set), PgBouncer, health and metrics.
ONETRIP_REPLICA_URL = os.environ.get("ONETRIP_REPLICA_URL", "")
# Only where there is a replica (and in the tests, which stand one in): without one the router
# would only answer "default" to every query, at ~40 Python calls a case request.
DATABASE_ROUTERS = ["onetrip.dbrouter.ReplicaRouter"] if ONETRIP_REPLICA_URL or _TESTING else []
ONETRIP_REPLICA_ALIAS: str | None = None
if ONETRIP_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            ONETRIP_REPLICA_URL, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0)
        ),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    ONETRIP_REPLICA_ALIAS = "replica"
elif _TESTING:
    # The router's tests stand a second connection to the test database in for the replica
    # (they turn the router on with ONETRIP_REPLICA_ALIAS; it stays off for every other test).
    DATABASES["replica"] = {
        **DATABASES["default"],
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
#: "1" behind PgBouncer in transaction mode (< 1.21): no server-side cursors or prepared
#: statements, which live in a server session the pooler hands to others between transactions.
ONETRIP_PGBOUNCER = os.environ.get("ONETRIP_PGBOUNCER", "") == "1"
if ONETRIP_PGBOUNCER:
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        if "prepare_threshold" in _db.get("OPTIONS", {}):
            _db["OPTIONS"]["prepare_threshold"] = None
#: /health/ready says "degraded" when the oldest ready task waited longer (seconds), or the
#: replica lags more than this
ONETRIP_READY_TASK_LAG_MAX = float(os.environ.get("ONETRIP_READY_TASK_LAG_MAX", "300"))
ONETRIP_READY_REPLICA_LAG_MAX = float(os.environ.get("ONETRIP_READY_REPLICA_LAG_MAX", "30"))
#: bearer token Prometheus sends to /prometheus/metrics (empty: direct loopback clients only)
ONETRIP_METRICS_TOKEN = os.environ.get("ONETRIP_METRICS_TOKEN", "")
# The proxy checks health over plain http on the loopback: never redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^prometheus/"]

# --- Sign-in (onetrip.signin): lockout, second factor, provincial sign-on ----------------------
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp", "onetrip.signin"]
# after AuthenticationMiddleware: who is verified (django-otp), then staff who must verify
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "onetrip.signin.middleware.SecondFactorMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into our page
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username outright
    "django.contrib.auth.backends.ModelBackend",
    "onetrip.signin.oidc.ProvincialOIDCBackend",  # inert unless ONETRIP_OIDC_* is configured
]
#: Login lockout (django-axes): after this many wrong passwords for one username, on every login
#: form (site and admin), that username is locked for ONETRIP_LOGIN_LOCKOUT_MINUTES or until an
#: administrator unlocks it (admin action, or `onetrip axes_reset_username NAME`).
AXES_FAILURE_LIMIT = int(os.environ.get("ONETRIP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ONETRIP_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not also by client address: a service hall's kiosks and a department's staff share one address
# behind NAT, and five typos must not lock the whole hall out. Guessing across many usernames
# from one address is limited per client by onetrip.throttles (scope "login") instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# the address attempts are logged under: the throttles' rule (X-Forwarded-For behind proxies)
AXES_CLIENT_IP_CALLABLE = "onetrip.signin.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "onetrip.signin.lockout.lockout_response"
AXES_VERBOSE = False
#: Staff roles that must pass a TOTP second factor after the password (superusers always do;
#: any staff member who enrolled a device does too).
ONETRIP_OTP_REQUIRED_ROLES: tuple[str, ...] = tuple(
    r for r in os.environ.get("ONETRIP_OTP_REQUIRED_ROLES", "manager,admin").split(",") if r
)
OTP_TOTP_ISSUER = os.environ.get("ONETRIP_OTP_ISSUER", "OneTrip 一窗通办")
#: Provincial identity service (OpenID Connect, mozilla-django-oidc): off unless the issuer and
#: client are set. Endpoints come from the issuer's discovery document unless given one by one.
ONETRIP_OIDC_ISSUER = os.environ.get("ONETRIP_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("ONETRIP_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("ONETRIP_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("ONETRIP_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("ONETRIP_OIDC_SCOPES", "openid profile phone id_number")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("ONETRIP_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("ONETRIP_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("ONETRIP_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("ONETRIP_OIDC_JWKS_ENDPOINT", "")
OIDC_TIMEOUT = 10
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "signin:oidc_callback"
#: the claims that carry the resident ID number, whether the service verified it, the name, phone
ONETRIP_OIDC_ID_NUMBER_CLAIM = os.environ.get("ONETRIP_OIDC_ID_NUMBER_CLAIM", "id_number")
ONETRIP_OIDC_VERIFIED_CLAIM = os.environ.get("ONETRIP_OIDC_VERIFIED_CLAIM", "id_number_verified")
ONETRIP_OIDC_PROVIDER_NAME = os.environ.get("ONETRIP_OIDC_PROVIDER_NAME", "浙江政务服务网")


# --- Abuse limits of the public entry points (onetrip.throttles; issue 15, Build 4) -----------
def _rate(name: str, default: str) -> str | None:
    """A rate from ONETRIP_THROTTLE_<NAME> ("30/m", "5/h", "10/d"; empty: not limited)."""
    return os.environ.get(f"ONETRIP_THROTTLE_{name.upper()}", default) or None


#: per client address (scope), per API-token user (``_token``) and per phone number (``_phone``)
ONETRIP_THROTTLE_RATES.update(
    {
        # tickets: kiosk page and API (a hall kiosk prints one every few seconds at most;
        # kiosks and guides with an API token have their own, wider, count)
        "ticket": _rate("ticket", "30/m"),
        "ticket_token": _rate("ticket_token", "600/m"),
        "ticket_phone": _rate("ticket_phone", "6/h"),
        "appointment": _rate("appointment", "10/m"),
        "appointment_phone": _rate("appointment_phone", "5/h"),
        # SMS codes: per number the service's own rule holds too (one a minute, ten a day)
        "sms_code": _rate("sms_code", "5/h"),
        "sms_code_phone": _rate("sms_code_phone", "5/h"),
        "upload": _rate("upload", "30/10m"),
        "upload_token": _rate("upload_token", "600/m"),
        # guessing passwords across many usernames from one address (lockout is per username)
        "login": _rate("login", "30/10m"),
    }
)
#: where the limits count (one statement per hit on PostgreSQL; onetrip.throttles.store)
INSTALLED_APPS += ["onetrip.throttles"]
for _scope in ("precheck", "precheck_token"):  # "" turns the existing ones off too
    ONETRIP_THROTTLE_RATES[_scope] = ONETRIP_THROTTLE_RATES[_scope] or None
#: A request body declared larger than this (Content-Length) is refused (413) before it is read.
ONETRIP_MAX_REQUEST_BYTES = int(os.environ.get("ONETRIP_MAX_REQUEST_BYTES", str(32 * 1024 * 1024)))
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "onetrip.web.middleware.RequestSizeLimitMiddleware",
)
#: the HTTP server `onetrip serve` starts: "gunicorn" or "granian" (docs/performance.md)
ONETRIP_SERVER = os.environ.get("ONETRIP_SERVER", "granian")
