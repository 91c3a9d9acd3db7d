"""Turnabout settings: one module, configured only by environment variables.

Every variable is documented in docs/configuration.md. Helpers fail loudly on a
malformed value, naming the variable, so a typo never starts a half-configured server.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TURNABOUT_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items; got {raw!r}")
    return items


def env_choice(name: str, default: str, choices: list[str], *, upper: bool = False) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().upper() if upper else raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def database_from_url(name: str, url: str) -> dict[str, Any]:
    """Parse DATABASE_URL (sqlite:///path or postgres://user:pass@host:port/db)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif path.startswith("/"):
            path = path[1:]
        if not path:
            raise ImproperlyConfigured(f"{name} must name a database file, e.g. sqlite:///var/turnabout.sqlite3; got {url!r}")
        db_path = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": db_path,
            # IMMEDIATE transactions and a busy timeout let the web server and the
            # task worker write concurrently without "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        database = parsed.path.lstrip("/")
        if not database:
            raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/turnabout; got {url!r}")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        # No JIT: the dashboards' aggregates cost enough to trigger it, and compiling them took longer
        # than running them (p50 331 → 298 ms on the 50,000-people benchmark). ?options=... overrides.
        options.setdefault("options", "-c jit=off")
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port; got {url!r}") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(database),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"{name} must start with sqlite:// or postgres://; got {url!r}")


def mailer_from_url(name: str, url: str) -> dict[str, Any]:
    """Parse EMAIL_URL into a MAILERS entry: console:// (default), locmem://, or smtp[s]://user:pass@host:port."""
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme in {"smtp", "smtps", "smtp+tls"}:
        if not parsed.hostname:
            raise ImproperlyConfigured(f"{name} must name a host, e.g. smtp+tls://user:pass@mail.example.com:587; got {url!r}")
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port; got {url!r}") from None
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname,
                "port": port or (465 if parsed.scheme == "smtps" else 587),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_ssl": parsed.scheme == "smtps",
                "use_tls": parsed.scheme == "smtp+tls",
                "timeout": 20,
            },
        }
    raise ImproperlyConfigured(f"{name} must start with console://, locmem://, smtp://, smtp+tls:// or smtps://; got {url!r}")


DEMO = env_bool("TURNABOUT_DEMO", False)
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    configured = os.environ.get("SECRET_KEY")
    if configured is not None:
        if len(configured) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return configured
    if not (DEMO or DEBUG):
        raise ImproperlyConfigured("SECRET_KEY is required unless TURNABOUT_DEMO or DEBUG is on")
    # The demo keeps one generated key so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEMO or DEBUG) else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required unless TURNABOUT_DEMO or DEBUG is on")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://; got {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # django-ninja's own copy of Swagger UI: /api/docs works offline, with no CDN for the CSP to block.
    "ninja",
    "turnabout.core",
    "turnabout.accounts",
    "turnabout.people",
    "turnabout.identity",
    "turnabout.programs",
    "turnabout.engagement",
    "turnabout.matching",
    "turnabout.surveys",
    "turnabout.insights",
    # Single sign-on (docs/adr/0007-sso-library.md): allauth's OpenID Connect and SAML providers only;
    # its own account pages are never routed (turnabout.identity.sso.urls).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]

MIDDLEWARE = [
    # Outermost: its request id covers every line logged meanwhile, its duration and status everything below.
    "turnabout.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) among LANGUAGES, else LANGUAGE_CODE; PersonLanguageMiddleware below
    # puts the signed-in person's own choice first once the user is known.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "turnabout.accounts.middleware.PersonLanguageMiddleware",
    # Before any process_view (CSRF reads the body): oversized bodies are refused unread.
    "turnabout.accounts.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "turnabout.identity.guest_access.GuestAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # allauth's request context, and the refusal pages its flows raise as ImmediateHttpResponse.
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "turnabout.urls"
WSGI_APPLICATION = "turnabout.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "turnabout" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": database_from_url("DATABASE_URL", os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'turnabout.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The single sign-on policy comes first: it refuses passwords of employees whose organisation signs in only with
# SSO (raising PermissionDenied stops Django trying the next backend) and lets everyone else through.
AUTHENTICATION_BACKENDS = ["turnabout.identity.sso.backends.SingleSignOnPolicyBackend", "turnabout.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)
# Emailed sign-in links: single use, bound to one person, valid this many days (docs/configuration.md).
SIGN_IN_LINK_MAX_AGE_DAYS = env_int("SIGN_IN_LINK_MAX_AGE_DAYS", 7, minimum=1)

# Single sign-on through django-allauth (docs/sso-scim.md). Identity providers are configured per organisation by
# its administrator (identity.IdentityProvider); allauth only runs the protocols, never creates a login by itself.
SOCIALACCOUNT_ONLY = True
SOCIALACCOUNT_ADAPTER = "turnabout.identity.sso.adapters.SocialAccountAdapter"
ACCOUNT_ADAPTER = "turnabout.identity.sso.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# "Sign in with …" is a link: a form posting to our URL would be blocked by the CSP's form-action 'self' once it
# redirects to the identity provider. The state (and PKCE) still bind the answer to this browser's session.
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"provider_class": "turnabout.identity.sso.providers.OrganisationOpenIDConnectProvider"},
    "saml": {"provider_class": "turnabout.identity.sso.providers.OrganisationSAMLProvider"},
}
# Issuer and metadata URLs must be https:// unless this is on (the demo and tests run their IdP on 127.0.0.1).
SSO_ALLOW_HTTP = env_bool("SSO_ALLOW_HTTP", DEMO or DEBUG)

# Security. Behind TLS by default; the demo serves plain HTTP on localhost.
_SERVES_HTTPS = not (DEMO or DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _SERVES_HTTPS)
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _SERVES_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=60)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _SERVES_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies in front of Turnabout that append the client's address to X-Forwarded-For (0: none, use the
# connection's address). Sign-in throttling counts the real client address only when this is set right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

MAILERS = {"default": mailer_from_url("EMAIL_URL", os.environ.get("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Turnabout <turnabout@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task whose worker has not beaten for this long is failed by the sweeper (its match run or import says so), and
# /healthz reports no live worker. Workers beat every sixth of it, at most every 10 s (turnabout/core/models.py).
WORKER_HEARTBEAT_TIMEOUT_SECONDS = env_int("WORKER_HEARTBEAT_TIMEOUT_SECONDS", 120, minimum=2)

# The languages Turnabout speaks (docs/configuration.md, "Languages"), each named in itself, as a language menu shows
# it. English is British English: its text is the source text (no catalogue), its dates and numbers en-GB's; a browser
# asking for any English (en, en-US) gets it. Every other language has turnabout/locale/<locale>/LC_MESSAGES/django.po.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("nl", "Nederlands"),
]
LOCALE_PATHS = [BASE_DIR / "turnabout" / "locale"]
# Who an email goes to decides its language: this function maps the recipients' addresses to their own languages
# (turnabout.core.email.recipient_languages calls it; the people app knows each person's choice).
EMAIL_RECIPIENT_LANGUAGES = "turnabout.people.languages.preferred_languages_by_email"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "turnabout" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEMO or DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The demo and development serve assets straight from the build output.
WHITENOISE_USE_FINDERS = DEMO or DEBUG
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# Before sign-in only small forms are posted (sign-in, links, first run): a larger body is refused unread.
ANONYMOUS_BODY_MAX_BYTES = env_int("ANONYMOUS_BODY_MAX_BYTES", 64 * 1024, minimum=1024)

# Insights: figures from fewer people than this are withheld (docs/insights.md, small-cell suppression).
INSIGHTS_MIN_CELL = env_int("INSIGHTS_MIN_CELL", 5, minimum=3)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Logs go to stderr, for the process manager (systemd's journal, docker logs) to collect: plain text, or one JSON
# object per line with LOG_FORMAT=json (turnabout/core/logging.py, docs/operations.md#logs).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ["text", "json"])
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], upper=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"text": {"()": "turnabout.core.logging.TextFormatter"}, "json": {"()": "turnabout.core.logging.JsonFormatter"}},
    "filters": {"context": {"()": "turnabout.core.logging.LogContextFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "level": LOG_LEVEL,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the one handler above (Django's defaults add a second one under DEBUG); never DEBUG, which under
        # DEBUG=on would print every SQL query with its parameters.
        "django": {"handlers": [], "level": "INFO"},
        # turnabout.request logs every request once: Django's 4xx warnings and runserver's lines (which hold the
        # query string) would repeat it. Server errors keep Django's line with the traceback.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
    },
}
