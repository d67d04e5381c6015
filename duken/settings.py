"""Duken settings, read from the environment (12-factor).

With nothing set Duken runs on embedded defaults: an SQLite file under ``var/``, a cache on
local disk that every process shares, the database-backed task queue and console e-mail.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and ``ALLOWED_HOSTS`` (see the
README for the full list).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from duken.core import keys

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

env = environ.Env()
VAR_DIR = Path(env.str("DUKEN_VAR_DIR", default=str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Production refuses to start without its own SECRET_KEY; a short or published one is refused
# outside DEBUG; the demo and a developer's machine get a random one made for this installation
# (var/secrets/secret-key). See duken/core/keys.py.
PRODUCTION = env.bool("DUKEN_PRODUCTION", default=False)
SECRET_KEY = keys.required_secret(
    env.str("SECRET_KEY", default=""),
    name="SECRET_KEY",
    var_dir=VAR_DIR,
    production=PRODUCTION,
    debug=DEBUG,
)
SECRET_KEY_FROM_ENVIRONMENT = bool(env.str("SECRET_KEY", default=""))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client, e.g.
# "127.0.0.1,10.0.0.0/8"; without them the client is the connection's address.
DUKEN_TRUSTED_PROXIES = env.list("DUKEN_TRUSTED_PROXIES", default=[])
# DUKEN_HTTPS=true: the shop is reached over HTTPS only (usually through a proxy that ends TLS).
HTTPS = env.bool("DUKEN_HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # One year, the minimum the browsers' preload lists accept; lower it while trying HTTPS out.
    SECURE_HSTS_SECONDS = env.int("DUKEN_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DUKEN_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DUKEN_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # The header the TLS-ending proxy sets; empty when Duken itself faces the internet.
    _proxy_header = env.str("DUKEN_PROXY_SSL_HEADER", default="X-Forwarded-Proto")
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
    CSRF_TRUSTED_ORIGINS += [
        "https://*" + host if host.startswith(".") else f"https://{host}"
        for host in ALLOWED_HOSTS
        if host != "*" and f"https://{host}" not in CSRF_TRUSTED_ORIGINS
    ]
# The shop's public address for links in e-mails; by default the local server's own port.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "channels",
    "csp",
    "duken.core",
    "duken.catalog",
    "duken.customers",
    "duken.checkout",
    "duken.orders",
    "duken.payments",
    "duken.shipping",
    "duken.storefront",
    "duken.privacy",
    "duken.interactions",
    "duken.conversations",
    "duken.needs",
    "duken.recommendations",
    "duken.outbox",
    "duken.backoffice",
    "duken.demo",
]

MIDDLEWARE = [
    "duken.core.middleware.RequestLogMiddleware",
    "duken.core.middleware.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy; every page, the admin's too, gets one.
    "duken.core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Staff pass the second factor before any admin page opens (duken/core/second_factor.py).
    "duken.core.second_factor.StaffSecondFactorMiddleware",
    "duken.interactions.middleware.InteractionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a login refused for too many failures into the 429 lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duken.urls"
WSGI_APPLICATION = "duken.wsgi.application"
ASGI_APPLICATION = "duken.asgi.application"

_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duken.storefront.context_processors.storefront",
                "duken.checkout.context_processors.cart",
                "duken.privacy.context_processors.consent",
            ],
            # Compiled templates are cached per process unless DEBUG (autoreload) is on.
            "loaders": _loaders if DEBUG else [("django.template.loaders.cached.Loader", _loaders)],
            "builtins": ["duken.core.templatetags.duken"],
        },
    }
]

# --- database ---------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'duken.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_db)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queueing on a lock file (see duken/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "duken.core.sqlite"
    # Tests run on an in-memory database, as they would on Django's own SQLite backend.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000;"
        ),
    }
    # Each worker thread keeps its connection: opening one per request costs more than most
    # of the queries a page runs.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions, tasks ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def redis_caches(url: str) -> dict:
    """The cache settings for a shared Redis at ``url``."""
    return {
        "default": {
            # django-redis keeps one client per server; Django's own Redis backend builds a
            # new client object for every cache call, which costs more than the call itself.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "duken",
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    RQ = {
        # Jobs are django-tasks' tasks: only its job class knows how to call one.
        "JOB_CLASS": "django_tasks_rq.backend.Job",
        # RQ's worker with Duken's heartbeat and scheduler beside it (duken/core/rq.py).
        "WORKER_CLASS": "duken.core.rq.Worker",
    }
    INSTALLED_APPS.append("django_rq")
    # The support chat's live messages pass between processes through Redis.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "duken:chat"},
        }
    }
else:
    # One cache on local disk that every process of this installation shares, so nothing
    # depends on one process's memory (duken/core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "duken.core.cache.SharedDiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "SHARDS": 8,
            # Seconds a write waits for another process's write to the same shard.
            "DATABASE_TIMEOUT": 0.25,
            "OPTIONS": {"size_limit": 2**30},
        }
    }
    # Sessions live in the database so every worker process sees the same visitor.
    SESSION_ENGINE = "duken.core.sessions"
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # One ASGI process serves the chat's WebSockets, so an in-memory layer reaches every socket.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Seconds a worker may go without a heartbeat before its running task is put back in the queue
# for another worker, and /healthz calls the worker stale (duken/core/workers.py).
DUKEN_WORKER_TIMEOUT = env.float("DUKEN_WORKER_TIMEOUT", default=60)
if not DUKEN_WORKER_TIMEOUT > 0:
    raise ImproperlyConfigured("DUKEN_WORKER_TIMEOUT must be a number of seconds above 0.")
# The daily backup (duken.core.tasks.back_up): off unless a folder is set; keeps the newest N.
DUKEN_BACKUP_DIR = env.str("DUKEN_BACKUP_DIR", default="")
DUKEN_BACKUP_KEEP = env.int("DUKEN_BACKUP_KEEP", default=7)
if env.bool("DUKEN_TASKS_IMMEDIATE", default=False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SESSION_COOKIE_AGE = 60 * 60 * 24 * 90  # an anonymous cart survives three months of absence
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: pages carry the token in their forms and in htmx's headers,
# the chat gets it with its state.
CSRF_COOKIE_HTTPONLY = True
if not HTTPS:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    # Refuses every login attempt (even with the right password) while its client is locked out.
    "axes.backends.AxesStandaloneBackend",
    "duken.customers.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# OWASP ASVS 2.1: at least 12 characters, checked against a list of common passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (duken/customers/lockout.py, django-axes with its attempts in the database):
# failures are counted per account from one address and per address across accounts, so a
# stranger elsewhere cannot lock a customer out; the right password does not pass while locked.
DUKEN_LOGIN_FAILURES_PER_ACCOUNT = env.int("DUKEN_LOGIN_FAILURES_PER_ACCOUNT", default=5)
DUKEN_LOGIN_FAILURES_PER_ADDRESS = env.int("DUKEN_LOGIN_FAILURES_PER_ADDRESS", default=20)
DUKEN_LOGIN_COOLOFF_MINUTES = env.int("DUKEN_LOGIN_COOLOFF_MINUTES", default=15)
# Password reset e-mails per e-mail address (further requests send nothing, the page is the
# same) and reset requests per client address (further requests are refused with 429), in the
# same window.
DUKEN_RESETS_PER_EMAIL = env.int("DUKEN_RESETS_PER_EMAIL", default=5)
DUKEN_RESETS_PER_ADDRESS = env.int("DUKEN_RESETS_PER_ADDRESS", default=20)
AXES_FAILURE_LIMIT = DUKEN_LOGIN_FAILURES_PER_ACCOUNT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "duken.customers.lockout.LockoutHandler"
AXES_COOLOFF_TIME = timedelta(minutes=DUKEN_LOGIN_COOLOFF_MINUTES)
# Attempts refused during a lockout do not prolong it: it ends one cool-off after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "duken.customers.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "duken.core.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "duken.customers.lockout.lockout_response"
# Every successful login would be a row kept forever; lockouts are logged as JSON lines.
AXES_DISABLE_ACCESS_LOG = True
# Second factor (django-otp): TOTP apps, and recovery codes kept only as hashes.
OTP_TOTP_ISSUER = env.str("DUKEN_TOTP_ISSUER", default="Duken")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
DUKEN_SECOND_FACTOR_SETUP_URL = "storefront:two_factor_setup"
DUKEN_SECOND_FACTOR_VERIFY_URL = "storefront:two_factor_verify"
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:account"
LOGOUT_REDIRECT_URL = "storefront:home"

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [
    BASE_DIR / "locale",
    # Kazakh for Django's own messages that Django does not ship in Kazakh (kept by hand;
    # the folder is not named "locale", so makemessages leaves it alone).
    BASE_DIR / "storefront" / "django_locale",
]
TIME_ZONE = "Asia/Almaty"
# Kazakh date and time formats, which Django does not ship (duken/formats/kk/formats.py).
FORMAT_MODULE_PATH = ["duken.formats"]
USE_I18N = True
USE_TZ = True

# --- money --------------------------------------------------------------------------------
DUKEN_CURRENCY = "KZT"
# Fixed conversion used to price the demo catalog from the data set's pounds sterling.
DUKEN_GBP_TO_KZT = env.int("DUKEN_GBP_TO_KZT", default=600)

# --- static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Files only an authorising view hands out (paid digital products): never under MEDIA_ROOT.
DUKEN_PRIVATE_ROOT = Path(env.str("DUKEN_PRIVATE_ROOT", default=str(VAR_DIR / "private")))
# Who sends a private file's bytes: "" (Duken itself), "nginx" (X-Accel-Redirect to
# DUKEN_DOWNLOAD_ACCEL_PREFIX, an internal location aliased to DUKEN_PRIVATE_ROOT) or
# "sendfile" (X-Sendfile with the file's path: Apache's mod_xsendfile, lighttpd).
DUKEN_DOWNLOAD_SERVER = env.str("DUKEN_DOWNLOAD_SERVER", default="")
DUKEN_DOWNLOAD_ACCEL_PREFIX = env.str("DUKEN_DOWNLOAD_ACCEL_PREFIX", default="/private-files/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 30
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- e-mail -------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Duken <shop@duken.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where vulnerabilities are reported (an e-mail address or an https:// page), published at
# /.well-known/security.txt.
DUKEN_SECURITY_CONTACT = env.str("DUKEN_SECURITY_CONTACT", default=DEFAULT_FROM_EMAIL)

# Seconds a worker holds an outgoing message it is sending; a worker that died meanwhile leaves
# it to be sent again (with the same idempotency key) after that.
DUKEN_OUTBOX_LEASE_SECONDS = env.int("DUKEN_OUTBOX_LEASE_SECONDS", default=120)

# --- payments -----------------------------------------------------------------------------
DUKEN_BANK_DETAILS = {
    "recipient": env.str("DUKEN_BANK_RECIPIENT", default="TOO «Duken Demo»"),
    "bin": env.str("DUKEN_BANK_BIN", default="000000000000"),
    "iban": env.str("DUKEN_BANK_IBAN", default="KZ00 0000 0000 0000 0000"),
    "bank": env.str("DUKEN_BANK_NAME", default="Demo Bank (not a real account)"),
    "bic": env.str("DUKEN_BANK_BIC", default="DEMOKZKA"),
}
# The shop as it signs its receipts (the seller's legal name, BIN and address).
DUKEN_SHOP_DETAILS = {
    "name": env.str("DUKEN_SHOP_NAME", default=DUKEN_BANK_DETAILS["recipient"]),
    "bin": env.str("DUKEN_SHOP_BIN", default=DUKEN_BANK_DETAILS["bin"]),
    "address": env.str(
        "DUKEN_SHOP_ADDRESS", default="Almaty, Abay ave 1 (demo address, not a real shop)"
    ),
}
# The Ed25519 key that signs receipts (docs/receipts.md): a PEM file's path, PEM text, or
# base64. Production refuses to start without one, so no paid order goes without its receipt
# and no receipt is signed by a key made on some server's disk; elsewhere a key is made on
# first use at DUKEN_RECEIPT_KEY_FILE (`duken receipts rotate-key` replaces it).
DUKEN_RECEIPT_SIGNING_KEY = env.str("DUKEN_RECEIPT_SIGNING_KEY", default="")
if DUKEN_RECEIPT_SIGNING_KEY:
    keys.load_signing_key(DUKEN_RECEIPT_SIGNING_KEY)  # a broken key stops the start, not a sale
elif PRODUCTION:
    raise keys.SecretError(
        "DUKEN_RECEIPT_SIGNING_KEY must be set when DUKEN_PRODUCTION is on: the path of an "
        "Ed25519 private key in PEM, e.g. made with "
        "`openssl genpkey -algorithm ed25519 -out receipt-key.pem` (see docs/receipts.md)."
    )
DUKEN_RECEIPT_KEY_FILE = VAR_DIR / "secrets" / "receipt-signing-key.pem"
# The payment providers on offer, in this order; a gateway plugs in by adding its class. The
# sandbox card gateway (test cards, no money taken) is offered by default only outside
# production; listed explicitly in production, the storefront says it is a test.
_SANDBOX = "duken.payments.providers.sandbox.SandboxCardProvider"
DUKEN_PAYMENT_PROVIDERS = env.list(
    "DUKEN_PAYMENT_PROVIDERS",
    default=[
        "duken.payments.providers.offline.CashOnDeliveryProvider",
        "duken.payments.providers.offline.BankTransferProvider",
        *([] if PRODUCTION else [_SANDBOX]),
    ],
)
# The sandbox gateway's own secret for signing callbacks and sealing its page's tokens; never
# the SECRET_KEY. Production must set it when the sandbox is listed.
DUKEN_PAYMENT_SANDBOX_SECRET = (
    keys.required_secret(
        env.str("DUKEN_PAYMENT_SANDBOX_SECRET", default=""),
        name="DUKEN_PAYMENT_SANDBOX_SECRET",
        var_dir=VAR_DIR,
        production=PRODUCTION,
        debug=DEBUG,
    )
    if _SANDBOX in DUKEN_PAYMENT_PROVIDERS or not PRODUCTION
    else ""
)
if DUKEN_PAYMENT_SANDBOX_SECRET and DUKEN_PAYMENT_SANDBOX_SECRET == SECRET_KEY:
    raise keys.SecretError("DUKEN_PAYMENT_SANDBOX_SECRET must differ from SECRET_KEY.")
# Seconds an online payment may stay unconfirmed before it times out.
DUKEN_PAYMENT_TIMEOUT = env.int("DUKEN_PAYMENT_TIMEOUT", default=15 * 60)
# Callbacks older than this (seconds, by their signed timestamp) are refused as replays.
DUKEN_PAYMENT_CALLBACK_MAX_AGE = env.int("DUKEN_PAYMENT_CALLBACK_MAX_AGE", default=300)
# Seconds a digital product's download link works.
DUKEN_DOWNLOAD_MAX_AGE = env.int("DUKEN_DOWNLOAD_MAX_AGE", default=7 * 24 * 3600)

# --- conversations ------------------------------------------------------------------------
# Hours until a promise is due, per kind (question, chat, back_in_stock, product_request), e.g.
# "question=12,chat=0.5"; kinds left out keep the defaults of duken/conversations/promises.py.
DUKEN_PROMISE_HOURS = {
    kind: float(hours) for kind, hours in env.dict("DUKEN_PROMISE_HOURS", default={}).items()
}
# Owner of new promises (a staff e-mail); otherwise the first member of the "Support" group.
DUKEN_PROMISE_OWNER_EMAIL = env.str("DUKEN_PROMISE_OWNER_EMAIL", default="")
# Whether customers who bought a product may answer questions about it.
DUKEN_BUYERS_MAY_ANSWER = env.bool("DUKEN_BUYERS_MAY_ANSWER", default=True)
# Reviews, questions, answers and votes a customer (or a guest's address) may post per minute.
DUKEN_POSTS_PER_MINUTE = env.int("DUKEN_POSTS_PER_MINUTE", default=5)
# The support chat: its WebSockets are served by an ASGI process beside the WSGI workers, on
# WS_PORT (default: the HTTP port + 1). Pages connect to WS_URL (e.g. "wss://shop.example.kz/ws/"
# behind a proxy); when empty it is derived from the request's host and WS_PORT.
WS_PORT = env.int("WS_PORT", default=0)
WS_URL = env.str("WS_URL", default="")
# Hours between full recommendation retrains: the worker's scheduler runs one every interval,
# and an order queues one when the last is older (0: only when `duken recs train` is run).
DUKEN_RECS_RETRAIN_HOURS = env.float("DUKEN_RECS_RETRAIN_HOURS", default=24)
# Chat messages a shopper may send per minute; minutes without a socket before a staff reply
# goes to the shopper by e-mail.
DUKEN_CHAT_MESSAGES_PER_MINUTE = env.int("DUKEN_CHAT_MESSAGES_PER_MINUTE", default=20)
DUKEN_CHAT_AWAY_MINUTES = env.int("DUKEN_CHAT_AWAY_MINUTES", default=2)

# --- privacy rights and retention ---------------------------------------------------------
# Days a customer's data export (the zip and its e-mailed link) stays downloadable.
DUKEN_DATA_EXPORT_DAYS = env.int("DUKEN_DATA_EXPORT_DAYS", default=7)
# Raw interaction events (views, searches, cart events) are deleted after this many days.
DUKEN_RETENTION_RAW_EVENTS_DAYS = env.int("DUKEN_RETENTION_RAW_EVENTS_DAYS", default=395)
# Anonymous visitors' data (events without an account, their consent choices, the search
# log's session link) goes sooner.
DUKEN_RETENTION_ANONYMOUS_DAYS = env.int("DUKEN_RETENTION_ANONYMOUS_DAYS", default=180)

# --- logging: one JSON line per request -------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "duken.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # WeasyPrint logs each step of every PDF (receipts) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Axes logs every login at INFO; failures and lockouts (WARNING) are what matter.
        "axes": {"level": "WARNING"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- content security policy (django-csp; README "Content-Security-Policy") ---------------
# Scripts only from the shop's own static files or inline with this response's nonce; no
# inline event handlers, no eval, no inline styles. The chat's WebSocket (another port) is
# added to connect-src per request (duken/core/csp.py, registered by the conversations app).
# A real card gateway's hosted page is on another host: list it in DUKEN_CSP_FORM_ACTION
# (e.g. "https://pay.example.kz"), because the checkout form's redirect goes there.
DUKEN_CSP_FORM_ACTION = env.list("DUKEN_CSP_FORM_ACTION", default=[])
# true: browsers only report what the policy would block (for a first rollout) instead of
# blocking it; DUKEN_CSP_REPORT_URI is where they send the reports.
DUKEN_CSP_REPORT_ONLY = env.bool("DUKEN_CSP_REPORT_ONLY", default=False)
DUKEN_CSP_REPORT_URI = env.str("DUKEN_CSP_REPORT_URI", default="")
_csp_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF, *DUKEN_CSP_FORM_ACTION],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        **({"report-uri": [DUKEN_CSP_REPORT_URI]} if DUKEN_CSP_REPORT_URI else {}),
    }
}
if DUKEN_CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy
