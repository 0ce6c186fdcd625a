"""Django settings for OneTrip, driven by environment variables.

DATABASE_URL   default: SQLite (WAL) in ./var/onetrip.sqlite3
ONETRIP_VAR    folder for the SQLite file, uploads and collected static files (default ./var)
SECRET_KEY     required when DEBUG is off outside tests
DEBUG          "1" to turn on debug pages
ALLOWED_HOSTS  comma separated
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ONETRIP_VAR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("DEBUG", "") == "1"
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "onetrip-demo-secret-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
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
    "django_tasks_db",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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

VAR_DIR.mkdir(parents=True, exist_ok=True)
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
    DATABASES["default"]["CONN_MAX_AGE"] = 0
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
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

# Shared by every web process (rate limits on public token pages must hold across workers).
# `onetrip serve` and the test runner create the table; a large deployment can point this at Redis.
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
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
#: the demo phone inbox page; None: on exactly when SMS go to the console/outbox (a demo)
ONETRIP_DEMO_INBOX: bool | None = None
#: shared-data sources to load at start-up (see docs/sharing-http-contract.md); None: none
ONETRIP_SHARING_SOURCES = None
