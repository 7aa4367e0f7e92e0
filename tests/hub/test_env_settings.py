"""Settings read from the environment, the CSP header and inline-script-free pages.

The settings module runs once per process, so each configuration is checked in
a fresh ``python -c`` subprocess with a controlled environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.env import env_bool, env_int, env_list, env_str

REPO_ROOT = Path(__file__).resolve().parents[2]

# Variables the settings read that this process may carry (settings_test sets
# SECRET_KEY, DEBUG and the SECURE_* switches in os.environ), so a child would
# otherwise inherit the test configuration instead of the one under test.
_SETTINGS_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG", "SECRET_KEY",
    "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "TRUST_X_FORWARDED_PROTO", "TRUSTED_PROXY_COUNT", "SQLITE_PATH",
    "DATABASE_POOL", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_MAX_SIZE",
    "DATABASE_POOL_TIMEOUT", "BASE_CURRENCY", "CHANNEL_LAYER",
}  # fmt: skip

_PRINT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "DATABASES": s.DATABASES,
    "CHANNEL_LAYERS": s.CHANNEL_LAYERS,
    "CACHES": s.CACHES,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(s, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(s, "EMAIL_PORT", None),
    "EMAIL_HOST_USER": getattr(s, "EMAIL_HOST_USER", None),
    "EMAIL_USE_TLS": getattr(s, "EMAIL_USE_TLS", None),
    "EMAIL_USE_SSL": getattr(s, "EMAIL_USE_SSL", None),
    "SESSION_COOKIE_NAME": s.SESSION_COOKIE_NAME,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_NAME": s.CSRF_COOKIE_NAME,
    "BASE_CURRENCY": s.BASE_CURRENCY,
}, default=str))
"""


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "hub.settings"
    env.update(overrides)
    return env


def run_python(args: list[str], **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args],
        env=clean_env(**overrides),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def effective_settings(**overrides: str) -> dict:
    result = run_python(["-c", _PRINT_SETTINGS], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def settings_failure(**overrides: str) -> str:
    result = run_python(["-c", _PRINT_SETTINGS], **overrides)
    assert result.returncode != 0, f"settings loaded: {result.stdout}"
    return result.stderr


# --- hub.env helpers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
        ("0", False), ("false", False), ("No", False), ("off", False),
    ],
)  # fmt: skip
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert env_bool("DEBUG", environ={"DEBUG": raw}) is expected


def test_env_bool_uses_the_default_when_unset():
    assert env_bool("DEBUG", environ={}) is False
    assert env_bool("DEBUG", True, environ={}) is True


def test_env_bool_rejects_a_value_that_is_not_a_boolean():
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", environ={"DEBUG": "maybe"})


def test_env_bool_reads_os_environ_without_an_environ_argument(monkeypatch):
    monkeypatch.setenv("CLUSTERHUB_TEST_FLAG", "yes")
    assert env_bool("CLUSTERHUB_TEST_FLAG") is True


def test_env_int_reads_integers_and_defaults():
    assert env_int("X", 5, environ={"X": " 12 "}) == 12
    assert env_int("X", 5, environ={}) == 5
    assert env_int("X", 5, environ={"X": ""}) == 5


def test_env_int_rejects_a_value_that_is_not_an_integer():
    with pytest.raises(ImproperlyConfigured, match="X"):
        env_int("X", 5, environ={"X": "12a"})


def test_env_int_rejects_a_value_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match="IDEAS_PER_PAGE"):
        env_int("IDEAS_PER_PAGE", 20, minimum=1, environ={"IDEAS_PER_PAGE": "0"})
    assert (
        env_int("IDEAS_PER_PAGE", 20, minimum=1, environ={"IDEAS_PER_PAGE": "1"}) == 1
    )


def test_env_str_strips_and_treats_empty_as_unset():
    assert env_str("S", environ={"S": "  value  "}) == "value"
    assert env_str("S", "fallback", environ={"S": ""}) == "fallback"
    assert env_str("S", environ={}) is None


def test_env_list_splits_on_commas_and_drops_blanks():
    hosts = env_list(
        "ALLOWED_HOSTS", ["x"], environ={"ALLOWED_HOSTS": "a.org, b.org,,"}
    )
    assert hosts == ["a.org", "b.org"]


def test_env_list_returns_a_copy_of_the_default_when_unset():
    default = ["localhost"]
    hosts = env_list("ALLOWED_HOSTS", default, environ={})
    assert hosts == ["localhost"]
    assert hosts is not default  # settings may append without touching the default


# --- Whole settings module in a subprocess -------------------------------------------


def test_nothing_set_but_debug_gives_the_embedded_laptop_setup():
    s = effective_settings(DEBUG="true")
    assert s["DEBUG"] is True
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert (
        s["CHANNEL_LAYERS"]["default"]["BACKEND"]
        == "channels.layers.InMemoryChannelLayer"
    )
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_production_cookies_are_secure_host_only_cookies():
    s = effective_settings(SECRET_KEY="k" * 60)
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert s["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    laptop = effective_settings(DEBUG="true")
    assert (laptop["SESSION_COOKIE_NAME"], laptop["SESSION_COOKIE_SECURE"]) == (
        "sessionid",
        False,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    stderr = settings_failure()
    assert "ImproperlyConfigured" in stderr
    assert "SECRET_KEY" in stderr


def test_database_url_switches_to_postgresql():
    db = effective_settings(
        DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
    )["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "test"
    assert db["HOST"] == "127.0.0.1"
    assert int(db["PORT"]) == 5432
    # A psycopg pool, not a connection per database_sync_to_async call.
    assert db["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 30}
    assert db["CONN_MAX_AGE"] == 0  # Django refuses persistent connections + pool


def test_database_pool_can_be_sized_or_switched_off():
    url = "postgres://postgres@127.0.0.1:5432/test"
    sized = effective_settings(
        DEBUG="true", DATABASE_URL=url, DATABASE_POOL_MAX_SIZE="25"
    )["DATABASES"]["default"]
    assert sized["OPTIONS"]["pool"]["max_size"] == 25
    off = effective_settings(DEBUG="true", DATABASE_URL=url, DATABASE_POOL="false")
    assert "pool" not in off["DATABASES"]["default"]["OPTIONS"]
    stderr = settings_failure(
        DEBUG="true", DATABASE_URL=url, DATABASE_POOL_MAX_SIZE="0"
    )
    assert "DATABASE_POOL_MAX_SIZE" in stderr


def test_base_currency_must_be_an_iso_4217_code():
    assert (
        effective_settings(DEBUG="true", BASE_CURRENCY="eur")["BASE_CURRENCY"] == "EUR"
    )
    stderr = settings_failure(DEBUG="true", BASE_CURRENCY="XYZ")
    assert "BASE_CURRENCY" in stderr


def test_redis_url_switches_channel_layer_and_cache_to_redis():
    url = "redis://127.0.0.1:6379/0"
    s = effective_settings(DEBUG="true", REDIS_URL=url)
    layer = s["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert layer["CONFIG"]["hosts"] == [url]
    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == url


def test_email_url_switches_to_smtp_with_tls():
    s = effective_settings(
        DEBUG="true", EMAIL_URL="smtp://user:pass@mail.example.org:587/?tls=True"
    )
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["EMAIL_HOST"] == "mail.example.org"
    assert s["EMAIL_PORT"] == 587
    assert s["EMAIL_HOST_USER"] == "user"
    assert s["EMAIL_USE_TLS"] is True
    assert s["EMAIL_USE_SSL"] is False


def test_a_debug_typo_stops_the_process_naming_debug():
    stderr = settings_failure(DEBUG="nonsense", SECRET_KEY="x" * 64)
    assert "ImproperlyConfigured" in stderr
    assert "DEBUG='nonsense'" in stderr


def test_production_settings_pass_the_deploy_check():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 URL-safe characters
        ALLOWED_HOSTS="hub.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Content-Security-Policy and pages without inline script -------------------------

PAGES = [
    "/",
    "/ideas/",
    "/ventures/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]
NON_JS_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _InlineCodeFinder(HTMLParser):
    """Finds everything a strict CSP (no 'unsafe-inline') would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            script_type = (values.get("type") or "").strip().lower()
            if not values.get("src") and script_type not in NON_JS_SCRIPT_TYPES:
                self.problems.append(f"inline <script {attrs}>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style={value!r} on <{tag}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name} on <{tag}>")


def inline_code(page: str) -> list[str]:
    finder = _InlineCodeFinder()
    finder.feed(page)
    finder.close()
    return finder.problems


def test_the_inline_code_finder_sees_inline_code():
    page = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<p onclick="x" style="color:red"></p><style>p{}</style>'
        '<script src="/static/app.js"></script>'
    )
    assert len(inline_code(page)) == 4


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_handler_or_style(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []
