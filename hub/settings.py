"""Clusterhub settings, read from the environment.

Nothing set gives the embedded laptop setup: SQLite, the in-memory channel
layer, a local-memory cache and e-mail printed to the console. DATABASE_URL,
REDIS_URL and EMAIL_URL switch to PostgreSQL, Redis and real mail.
docs/configuration.md lists every variable read here.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
import pycountry
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hub.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

_secret = env_str("SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off "
            "(for a laptop run, `make run` sets DEBUG=true)."
        )
    _secret = "django-insecure-local-development-only-key-not-for-production"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # hub.core before allauth, so hub/core/templates/allauth/ overrides
    # allauth's layouts. hub.core's label is "hub" (the floor); the roof's app
    # (templates, export_all/import_all) is labelled "clusterhub".
    "hub.core",
    "hub.apps.ClusterhubConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "taggit",
    "rules.apps.AutodiscoverRulesConfig",
    "catalog",
    "ideas",
    "ventures",
    "programs",
    "challenges",
    "reports",
    "api",
    "realtime",
    "demo",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (CSP)
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
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it is first to see a view's exception: a refusal
    # (hub.core.permissions) becomes the 404, 403 or 400 page.
    "hub.core.middleware.RefusalMiddleware",
]

ROOT_URLCONF = "hub.urls"
ASGI_APPLICATION = "hub.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL: {exc}"
        ) from exc
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {})
        # No JIT: it compiles the big expressions of report queries (the
        # open-data return report) for seconds on every run, and a web app's
        # short queries never gain from it.
        _db["OPTIONS"].setdefault("options", "-c jit=off")
        # Under ASGI, Django's docs advise a pool over persistent connections:
        # without one every database_sync_to_async call (each batch of plan
        # edits) opens a new PostgreSQL connection.
        if env_bool("DATABASE_POOL", default=True):
            _db["OPTIONS"]["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2, minimum=0),
                "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10, minimum=1),
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 30, minimum=1),
            }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # IMMEDIATE transactions avoid "database is locked" upgrades when
            # several Daphne threads write at once; WAL lets readers proceed.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache -------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Redis pub/sub ignores the database number: hubs sharing one Redis on
    # different databases would hear each other's documents. The prefix
    # carries the number, so each database is its own space.
    _redis_db = (urlsplit(REDIS_URL).path.strip("/") or "0").split("/")[0]
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: one PUBLISH per group send, pushed to the other
            # processes; the list-based core layer needs several round trips
            # each way (bench/realtime_fanout.py: p99 ratio 1.0-1.5 against
            # 2.9-13 at N=10). Both deliver at most once; rooms heal.
            "BACKEND": env_str(
                "CHANNEL_LAYER", "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("CHANNEL_LAYER_PREFIX", f"clusterhub.{_redis_db}"),
                # Group sends drop silently past a channel's capacity (default
                # 100): give bursts of edits room. Groups outlive Daphne's
                # daily websocket timeout.
                "capacity": env_int("CHANNEL_CAPACITY", 2000, minimum=100),
                "group_expiry": 86400 + 3600,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clusterhub",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Staff figures (dashboards, scorecards, the open-data return report) are cached
# under the data version the database moves on every write (reports/figures.py):
# never stale. How long an entry may live; 0 turns the cache off.
FIGURES_CACHE = "default"
FIGURES_CACHE_SECONDS = env_int("FIGURES_CACHE_SECONDS", 3600, minimum=0)
#: Part of every figures key: a new value drops every cached figure at once.
FIGURES_CACHE_PREFIX = env_str("FIGURES_CACHE_PREFIX", "1")

# --- E-mail ---------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    try:
        _email = dj_email_url.parse(EMAIL_URL)
    except Exception as exc:  # the parser raises several types on bad input
        raise ImproperlyConfigured(f"EMAIL_URL could not be parsed: {exc}") from exc
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clusterhub <noreply@localhost>")
# The public address of the site, for links in e-mail sent outside a request
# (reminders from cron). No trailing slash needed.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with http(s)://")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "hub.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "ideas-mine"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SIGNUP_FORM_CLASS = "hub.core.forms.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Clusterhub] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Marks an address verified at sign-up when it came through a valid program
# invitation link bound to it (programs.adapter).
ACCOUNT_ADAPTER = "programs.adapter.AccountAdapter"
# allauth's defaults, stated so they are visibly on (they need a shared cache:
# with several processes, set REDIS_URL).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Clusterhub"
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Security -------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # __Host- cookies must be Secure, host-only and path "/": no subdomain
    # can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A strict Content-Security-Policy: no inline script, no inline style, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # NONCE is sent only on pages that read request.csp_nonce: the plan
        # editor (CodeMirror injects its styles in a <style nonce=…> element).
        "style-src": [SELF, NONCE],
        # allauth shows the TOTP QR code as a data: SVG image.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Logging --------------------------------------------------------------------
# Every handler carries hub.core.logredact's filter, which replaces the secrets
# of URLs (invitation tokens, allauth's reset and confirmation keys, ?token=...)
# with [redacted]. "django" and "django.server" are named so that the handlers
# of Django's DEFAULT_LOGGING (which would write unfiltered) are replaced by
# these; Daphne's access log goes through hub.core.serve (docs/operations.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "hub.core.logredact.RedactSecrets"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
        },
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Clusterhub -----------------------------------------------------------------
TAGGIT_CASE_INSENSITIVE = True
COMMENT_EDIT_WINDOW = timedelta(minutes=env_int("COMMENT_EDIT_MINUTES", 15, minimum=0))
IDEAS_PER_PAGE = env_int("IDEAS_PER_PAGE", 20, minimum=1)
BOARD_CARDS_PER_COLUMN = env_int("BOARD_CARDS_PER_COLUMN", 25, minimum=1)
# Programs (programs.services): how long an invitation link works, and how many
# invitations one person may send per hour (resends count).
INVITATION_EXPIRY_DAYS = env_int("INVITATION_EXPIRY_DAYS", 14, minimum=1)
INVITATION_RATE_LIMIT = env_int("INVITATION_RATE_LIMIT", 50, minimum=1)

# --- Live documents (realtime.rooms, realtime.consumers) ------------------------
# A larger frame closes that socket with 4413; raise Daphne's own cap to match
# (--websocket-max-message-size / --websocket-max-frame-size, default 1 MiB).
YJS_MAX_MESSAGE_BYTES = env_int("YJS_MAX_MESSAGE_BYTES", 8 * 1024 * 1024, minimum=1024)
# An update that would take the text past this (UTF-8 bytes) is refused (4413).
YJS_MAX_DOC_CHARS = env_int("YJS_MAX_DOC_CHARS", 2 * 1024 * 1024, minimum=1)
YJS_FLUSH_DELAY_MS = env_int("YJS_FLUSH_DELAY_MS", 10, minimum=0)
YJS_COMPACT_AFTER_UPDATES = env_int("YJS_COMPACT_AFTER_UPDATES", 500, minimum=1)
YJS_TEXT_SAVE_DELAY_MS = env_int("YJS_TEXT_SAVE_DELAY_MS", 1000, minimum=0)
YJS_HEAL_INTERVAL_MS = env_int("YJS_HEAL_INTERVAL_MS", 10_000, minimum=0)  # 0: off
YJS_ROOM_UNLOAD_DELAY_MS = env_int("YJS_ROOM_UNLOAD_DELAY_MS", 30_000, minimum=0)
# On SIGTERM, how long a process keeps retrying to write what it has not written.
YJS_SHUTDOWN_FLUSH_TIMEOUT_MS = env_int(
    "YJS_SHUTDOWN_FLUSH_TIMEOUT_MS", 20_000, minimum=0
)

# --- REST API (api/) ---------------------------------------------------------------
REST_FRAMEWORK = {
    # Tokens for scripts; the session for the browsable API (CSRF then applies).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly"
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Clusterhub API",
    "DESCRIPTION": (
        "Public read of the hub's published data; token-authenticated writes "
        "for the roles allowed. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Open-data catalog import (catalog.fetch) --------------------------
CATALOG_FETCH_MAX_BYTES = env_int(
    "CATALOG_FETCH_MAX_BYTES", 200 * 1024 * 1024, minimum=1024
)
# Seconds for the whole fetch: DNS, connect, headers, body and every redirect.
CATALOG_FETCH_TIMEOUT = env_int("CATALOG_FETCH_TIMEOUT", 60, minimum=1)


def _catalog_fetch_network(entry: str) -> tuple[str, tuple[int, ...]]:
    """``10.0.0.0/8``, ``10.0.0.5:8080``, ``fd00::/8`` or ``[fd00::5]:8080``: the
    network and the ports URL import may reach in it (80 and 443 unless the entry
    names its port, so allowing a host does not open its Redis or its admin)."""
    network, port = entry, None
    if entry.startswith("["):  # IPv6 with a port, as in a URL
        inner, bracket, rest = entry[1:].partition("]")
        network, port = inner, rest[1:] if rest.startswith(":") else None
        if not bracket or (rest and port is None):
            network = entry  # makes ip_network() below refuse it
    elif entry.count(":") == 1:  # an IPv4 network and a port
        network, _, port = entry.partition(":")
    try:
        net = ipaddress.ip_network(network, strict=False)
    except ValueError:
        net = None
    digits = port is not None and port.isascii() and port.isdigit()
    if net is None or (port is not None and not (digits and 0 < int(port) < 65536)):
        raise ImproperlyConfigured(
            f"CATALOG_FETCH_ALLOWED_NETWORKS: {entry!r} is not a network with an "
            "optional port (10.0.0.0/8, 10.0.0.5:8080, fd00::/8, [fd00::5]:8080)."
        )
    return str(net), (int(port),) if port is not None else (80, 443)


# Networks that URL import may reach although not public (e.g. an intranet
# CKAN), each with its ports; catalog.fetch reads the pairs. A bad entry stops
# the process at start-up.
CATALOG_FETCH_ALLOWED_NETWORKS = [
    _catalog_fetch_network(entry)
    for entry in env_list("CATALOG_FETCH_ALLOWED_NETWORKS", [])
]
# Staff uploads on the catalog import page (catalog.views).
CATALOG_UPLOAD_MAX_BYTES = env_int(
    "CATALOG_UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024
)
# Off: the import runs inside the request (the test suite; a debugging aid).
CATALOG_IMPORT_IN_BACKGROUND = env_bool("CATALOG_IMPORT_IN_BACKGROUND", default=True)

# --- Investment outcomes (ventures) ----------------------------------------------
# Base currency for converted totals (with staff-entered exchange rates).
BASE_CURRENCY = env_str("BASE_CURRENCY", "USD").upper()
if pycountry.currencies.get(alpha_3=BASE_CURRENCY) is None:
    raise ImproperlyConfigured(
        f"BASE_CURRENCY={BASE_CURRENCY!r} is not an ISO 4217 currency code"
    )
