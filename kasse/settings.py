"""The one settings module of kasse, configured from environment variables.

Every setting has a typed default that runs out of the box on SQLite under
``./var/``. Outside ``dev`` and ``demo`` (that is, in ``production``) kasse
refuses to start without ``KASSE_SECRET_KEY`` and ``KASSE_ALLOWED_HOSTS``.

Variables (all optional in dev):

=========================  ==============================================
``KASSE_ENV``              ``dev`` (default), ``demo``, ``production``
``KASSE_ROLE``             ``cloud`` (default) or ``store``
``KASSE_DATA_DIR``         where SQLite, media and secrets live (``./var``)
``DATABASE_URL``           e.g. ``postgres://user@127.0.0.1:5432/kasse``
``REDIS_URL``              enables the Redis channel layer (several processes)
``KASSE_SECRET_KEY``       required in production
``KASSE_ALLOWED_HOSTS``    comma separated, required in production
``KASSE_DEBUG``            ``1`` to force debug pages (default: only in demo)
``KASSE_LANGUAGE``         ``de`` (default) or ``en``
``KASSE_TIME_ZONE``        default store time zone, ``Europe/Berlin``
``KASSE_EMAIL_URL``        ``smtp://user:pass@host:port`` or ``console:``
``KASSE_PUBLIC_URL``       absolute base URL used in e-mails and in the digital receipt's link
``KASSE_DIGITAL_RECEIPT_DAYS``  days a digital receipt's link works (90)
``KASSE_HSTS_SECONDS``     HSTS max-age (production cloud: one year; ``0`` off)
``KASSE_HSTS_INCLUDE_SUBDOMAINS``, ``KASSE_HSTS_PRELOAD``  ``1`` to add them
``KASSE_OUTBOX_RETENTION_DAYS``  store node: days a synced record stays in the outbox (14)
``KASSE_EXPORT_RETENTION_DAYS``  cloud: days a finished export's file (sales, DSFinV-K) is kept (7)
``KASSE_SYNC_ALERT_MINUTES``     records waiting longer than this alert the owner (15)
``KASSE_NODE_SILENT_MINUTES``    a store node not heard from for longer is notified to the owner (10)
``KASSE_FISCAL_KEYS``      Fernet keys encrypting TSE secrets (comma separated; required in production)
``KASSE_WEBHOOKS_ALLOW_LOOPBACK``  ``1``: webhooks may call 127.0.0.1/::1 (default only outside production)
``KASSE_WEBHOOKS_READ_TIMEOUT``  seconds a webhook receiver may take to answer (10)
``KASSE_DAILY_SUMMARY_TIME``  local time after which a store's daily summary goes out unless it has its own (``22:00``)
``KASSE_FISKALY_BASE_URL``  fiskaly SIGN DE v2 API (``KASSE_FISKALY_*_TIMEOUT`` seconds per kind of request)
=========================  ==============================================
"""

from __future__ import annotations

import os
import secrets
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

KASSE_ENV = env_str("KASSE_ENV", "dev")
if KASSE_ENV not in {"dev", "demo", "production"}:
    raise ImproperlyConfigured(f"KASSE_ENV must be dev, demo or production, not {KASSE_ENV!r}")
KASSE_ROLE = env_str("KASSE_ROLE", "cloud")
if KASSE_ROLE not in {"cloud", "store"}:
    raise ImproperlyConfigured(f"KASSE_ROLE must be cloud or store, not {KASSE_ROLE!r}")
TESTING = "pytest" in sys.modules or env_bool("KASSE_TESTING", False)

DATA_DIR = Path(env_str("KASSE_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("KASSE_SECRET_KEY", "").strip()
    if key:
        return key
    if KASSE_ENV == "production":
        raise ImproperlyConfigured("KASSE_SECRET_KEY is not set. kasse refuses to run in production without it.")
    # dev/demo: a random key kept in the data directory, so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written aside and linked into place: of processes starting at the same moment (a cloud and its
        # workers, parallel test workers) the first one's key wins and none reads a half-written file.
        draft = key_file.with_name(f".secret_key.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("KASSE_DEBUG", KASSE_ENV == "demo")

ALLOWED_HOSTS = env_list("KASSE_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    if KASSE_ENV == "production":
        raise ImproperlyConfigured("KASSE_ALLOWED_HOSTS is not set. kasse refuses to run in production without it.")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("KASSE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_scopes",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "ninja",
    "kasse.core",
    "kasse.demo",  # right after core: its catalog held these messages before (same precedence)
    "kasse.tenancy",
    "kasse.catalog",
    "kasse.customers",
    "kasse.promotions",
    "kasse.inventory",
    "kasse.sales",
    "kasse.loyalty",
    "kasse.marketing",
    "kasse.register",
    "kasse.printing",
    "kasse.peripherals",
    "kasse.payments",
    "kasse.backoffice",
    "kasse.api",
    "kasse.sync",
    "kasse.fiscal",
    "kasse.bookkeeping",
    "kasse.reports",
    "kasse.notifications",
    # Last: its catalog also translates the gift-card texts of the register, sales and printing pages, and must
    # not override another app's translation of a shared word.
    "kasse.vouchers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kasse.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kasse.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kasse.tenancy.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "kasse.urls"
WSGI_APPLICATION = "kasse.wsgi.application"
ASGI_APPLICATION = "kasse.asgi.application"

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
                "kasse.tenancy.context_processors.tenancy",
                "kasse.backoffice.navigation.backoffice_nav",
                "kasse.notifications.context_processors.notification_count",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kasse.sqlite3'}")


def _database(url: str) -> dict:
    config: dict = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the register read while a sale commits; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing mid-transaction.
        # A store node syncs each commit to disk (FULL): a sale the register printed survives a power
        # cut, not only a crashed process. A cloud on SQLite (dev, tests) keeps NORMAL.
        synchronous = "FULL" if KASSE_ROLE == "store" else "NORMAL"
        config["OPTIONS"] = {
            "init_command": (
                f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        if url.startswith("sqlite:///"):
            path = Path(unquote(urlparse(url).path))
            path.parent.mkdir(parents=True, exist_ok=True)
    elif config["ENGINE"] in {"django.db.backends.postgresql"}:
        config.setdefault("OPTIONS", {})
        config["TEST"] = {"NAME": env_str("KASSE_TEST_DB_NAME", "test_kasse")}
    return config


DATABASES = {"default": _database(DATABASE_URL)}

# --- Sync -----------------------------------------------------------------------
KASSE_OUTBOX_RETENTION_DAYS = env_int("KASSE_OUTBOX_RETENTION_DAYS", 14, minimum=1)
KASSE_EXPORT_RETENTION_DAYS = env_int("KASSE_EXPORT_RETENTION_DAYS", 7, minimum=1)
KASSE_SYNC_ALERT_MINUTES = env_int("KASSE_SYNC_ALERT_MINUTES", 15, minimum=1)
KASSE_NODE_SILENT_MINUTES = env_int("KASSE_NODE_SILENT_MINUTES", 10, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Fiscal (TSE; docs/fiscal.md) -----------------------------------------------------------
# Fernet keys that encrypt TSE secrets in the database (first encrypts, all decrypt); required in production.
KASSE_FISCAL_KEYS = env_list("KASSE_FISCAL_KEYS", [])
KASSE_FISKALY_BASE_URL = env_str("KASSE_FISKALY_BASE_URL", "https://kassensichv-middleware.fiskaly.com/api/v2")
# Seconds per request (fiskaly: 3-5 s for transactions, 3-4 s to authenticate, at least 30 s for TSS set-up).
KASSE_FISKALY_TX_TIMEOUT = float(env_str("KASSE_FISKALY_TX_TIMEOUT", "4"))
KASSE_FISKALY_AUTH_TIMEOUT = float(env_str("KASSE_FISKALY_AUTH_TIMEOUT", "4"))
KASSE_FISKALY_SETUP_TIMEOUT = float(env_str("KASSE_FISKALY_SETUP_TIMEOUT", "30"))
KASSE_FISKALY_EXPORT_TIMEOUT = float(env_str("KASSE_FISKALY_EXPORT_TIMEOUT", "600"))

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:dashboard"
LOGOUT_REDIRECT_URL = "backoffice:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests create many users; the production hasher is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PASSWORD_RESET_TIMEOUT = 2 * 3600  # seconds a reset link works (it also stops once used)

# Register PINs: PBKDF2 rounds per check (tens of milliseconds on a small shop PC; docs/security.md).
KASSE_PIN_HASH_ITERATIONS = int(env_str("KASSE_PIN_HASH_ITERATIONS", "1000" if TESTING else "60000"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if KASSE_ENV == "production":
    SESSION_COOKIE_SECURE = env_bool("KASSE_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


# HTTP Strict Transport Security: browsers only talk HTTPS to the cloud once they have seen it
# (sent on HTTPS responses only). On by default in production; a store node on the shop's LAN
# speaks plain HTTP and never sends it.
SECURE_HSTS_SECONDS = env_int(
    "KASSE_HSTS_SECONDS", 31_536_000 if KASSE_ENV == "production" and KASSE_ROLE == "cloud" else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KASSE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("KASSE_HSTS_PRELOAD", False)

# --- Language, time -----------------------------------------------------------
LANGUAGE_CODE = env_str("KASSE_LANGUAGE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# Project-wide strings (settings, base template); every app keeps its own locale/ too.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("KASSE_TIME_ZONE", "Europe/Berlin")

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = KASSE_ENV != "production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if KASSE_ENV == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Real time and background jobs --------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Shared cache when several processes serve (register display presence, PIN lockouts).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# Webhooks (docs/notifications.md): a receiver on loopback only in tests, dev and the demo; never a private,
# link-local or metadata address.
KASSE_WEBHOOKS_ALLOW_LOOPBACK = env_bool("KASSE_WEBHOOKS_ALLOW_LOOPBACK", KASSE_ENV != "production")
# A store's daily summary goes out after this local time (``HH:MM``) unless the store has its own closing time
# (``Store.summary_time``, its settings page; docs/notifications.md).
KASSE_DAILY_SUMMARY_TIME = env_str("KASSE_DAILY_SUMMARY_TIME", "22:00")
KASSE_WEBHOOKS_READ_TIMEOUT = float(env_int("KASSE_WEBHOOKS_READ_TIMEOUT", 10, minimum=1))

# --- E-mail -------------------------------------------------------------------
EMAIL_URL = env_str("KASSE_EMAIL_URL", "console:")
DEFAULT_FROM_EMAIL = env_str("KASSE_FROM_EMAIL", "kasse <noreply@localhost>")
if EMAIL_URL.startswith("smtp"):
    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = EMAIL_URL.startswith("smtps") or EMAIL_PORT == 587
elif EMAIL_URL.startswith("file:"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
PUBLIC_URL = env_str("KASSE_PUBLIC_URL", "http://127.0.0.1:8000")
# Campaign e-mails sent per minute at most (kasse.marketing.services.deliver), so a provider's limit holds.
KASSE_CAMPAIGN_MAILS_PER_MINUTE = env_int("KASSE_CAMPAIGN_MAILS_PER_MINUTE", 60)
KASSE_DIGITAL_RECEIPT_DAYS = env_int("KASSE_DIGITAL_RECEIPT_DAYS", 90, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("KASSE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# WhiteNoise serves static files as synchronous file iterators; under ASGI Django warns on each one.
# Harmless for small static files (it reads them in a thread), and too noisy for the demo's console.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
