"""Settings for briefing, read from environment variables.

Every value has a safe default for a developer's machine. Production sets
``BRIEFING_PRODUCTION=1``, and then must set ``DJANGO_SECRET_KEY`` and
``DJANGO_ALLOWED_HOSTS`` too, or the site refuses to start.
"""

import hashlib
import math
import os
import re
import warnings
import zoneinfo
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from briefing.logs import DATE_FORMAT, LINE_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent
# A host name as an image host may be given: letters, digits, dots and hyphens.
IMAGE_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")


# How a flag may be written: anything else is refused, so that a typo never
# leaves a switch (DJANGO_DEBUG above all) silently on or off.
FLAG_SPELLINGS = {
    **dict.fromkeys(["1", "true", "yes", "on"], True),
    **dict.fromkeys(["0", "false", "no", "off"], False),
}


def env_flag(name, default=False):
    """Return the on/off environment variable *name*, or refuse a value that is neither."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() not in FLAG_SPELLINGS:
        raise ImproperlyConfigured(
            f"{name} must be 1, true, yes or on, or 0, false, no or off, not {value!r}"
        )
    return FLAG_SPELLINGS[value.strip().lower()]


def env_whole_number(name, default, minimum=0):
    """Return environment variable *name* as a whole number of at least *minimum*, or refuse it."""
    value = os.environ.get(name, str(default))
    # isdecimal() refuses a sign, a decimal point and an empty value alike.
    if not value.strip().isdecimal() or int(value) < minimum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of {minimum} or more, not {value!r}"
        )
    return int(value)


def env_seconds(name, default, most=math.inf):
    """Return environment variable *name* as a number of seconds above 0 and at most
    *most*, or refuse it."""
    value = os.environ.get(name, str(default))
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= most):
        within = f" and at most {most:g}" if math.isfinite(most) else ""
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds above 0{within}, not {value!r}"
        )
    return seconds


def env_time_zone(name, default):
    """Return environment variable *name* as the name of a time zone, or refuse it."""
    value = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must name a time zone, such as America/New_York, not {value!r}"
        ) from None
    return value


def env_list(name, default):
    """Return the comma-separated environment variable *name* as a list."""
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")
PRODUCTION = env_flag("BRIEFING_PRODUCTION")
# The fallback key is for a developer's machine only: production refuses it.
DEVELOPMENT_KEY = "insecure-development-key-set-DJANGO_SECRET_KEY"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

if PRODUCTION:
    # As Django's own deployment check (security.W009) counts a key weak: too
    # short, too few different characters, or one startproject made for development.
    if (
        SECRET_KEY == DEVELOPMENT_KEY
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            "BRIEFING_PRODUCTION is set: DJANGO_SECRET_KEY must be a secret of 50 characters "
            "or more, at least 5 of them different, not starting with django-insecure- "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    if "DJANGO_ALLOWED_HOSTS" not in os.environ:
        raise ImproperlyConfigured(
            "BRIEFING_PRODUCTION is set: DJANGO_ALLOWED_HOSTS must name the site's host names"
        )
    if DEBUG:
        raise ImproperlyConfigured("BRIEFING_PRODUCTION is set: DJANGO_DEBUG must be off")

# HTTPS, usually ended at a proxy that says so in X-Forwarded-Proto: plain
# requests are redirected, browsers told to stay on HTTPS, cookies kept to it.
# Off, plain HTTP works as on a developer's machine.
HTTPS = env_flag("BRIEFING_HTTPS", default=PRODUCTION)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # A load balancer checks health over plain HTTP, and takes a redirect for a failure.
    SECURE_REDIRECT_EXEMPT = [r"^health/(ready/)?$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# The hosts whose images release bodies may show, over HTTPS: the press
# office's own and its archives'. Pages may load images from these and from
# the site only; the renderer leaves out any other image, so that none is
# shown broken (releases/rendering.py).
BRIEFING_IMAGE_HOSTS = [
    host.lower()
    for host in env_list(
        "BRIEFING_IMAGE_HOSTS",
        "www.whitehouse.gov,bidenwhitehouse.archives.gov,"
        "trumpwhitehouse.archives.gov,obamawhitehouse.archives.gov",
    )
]
if not all(IMAGE_HOST.fullmatch(host) for host in BRIEFING_IMAGE_HOSTS):
    # A host goes into the Content-Security-Policy as written: anything but a
    # host name (a scheme, a path, a ";") would change what the policy says.
    raise ImproperlyConfigured(
        "BRIEFING_IMAGE_HOSTS must be host names separated by commas, "
        "such as www.whitehouse.gov,bidenwhitehouse.archives.gov"
    )
# Who issues the releases: the author and publisher that each page's JSON-LD and
# every feed name, and the issuing office of every citation.
BRIEFING_PUBLISHER = " ".join(os.environ.get("BRIEFING_PUBLISHER", "The White House").split())
if not BRIEFING_PUBLISHER:
    raise ImproperlyConfigured("BRIEFING_PUBLISHER must name who issues the releases")
# Django's defaults already send X-Content-Type-Options: nosniff,
# Referrer-Policy: same-origin, X-Frame-Options: DENY and a same-origin COOP.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        " ".join(["img-src 'self' data:", *(f"https://{host}" for host in BRIEFING_IMAGE_HOSTS)]),
        # The one inline style in the admin: style="border-top: 0" on the
        # revision history's paginator (django-simple-history's template).
        "style-src 'self' 'unsafe-hashes' 'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # intcomma: "14,885 releases", not "14885".
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "releases",
    "releases.transcripts",
    "releases.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "briefing.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that may ask the database: PostgreSQL refuses a NUL in text.
    "briefing.null_characters.NullCharacterMiddleware",
    # Outermost of the middleware that may ask the database.
    "releases.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After signing in is checked: only staff see why an action was refused.
    "briefing.admin_rows.AdminChosenRowsMiddleware",
    "releases.admin.sign_in.SignInLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Names the staff member behind each revision saved during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "releases.middleware.ReleaseRedirectMiddleware",
]

ROOT_URLCONF = "briefing.urls"
WSGI_APPLICATION = "briefing.wsgi.application"

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
            ],
        },
    },
]

# The databases the site runs on; django-environ knows the names of others.
DATABASE_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


def database_settings(url):
    """Return Django's settings for the database at *url*, or refuse it in one line."""
    with warnings.catch_warnings():
        # django-environ warns of a scheme it does not know; the refusal below says so.
        warnings.simplefilter("ignore")
        try:
            config = environ.Env.db_url_config(url)
        except ValueError:  # a port not a number
            config = {}
    if config.get("ENGINE") not in DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL {without_password(url)} is not a database address: give "
            "sqlite:////path/to/db.sqlite3 or postgres://user@host:5432/name"
        )
    return config


def without_password(url):
    """Return *url* with what comes before an @ left out, to quote: it may hold a password."""
    before, at, after = url.rpartition("@")
    if not at:
        return url
    scheme, separator, _ = before.partition("://")
    return f"{scheme}{separator}...@{after}" if separator else f"...@{after}"


# Connections are kept for a minute, and checked before reuse, so that the
# site recovers by itself once a restarted database answers again.
DATABASES = {
    "default": {
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        **database_settings(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
    }
}
# On PostgreSQL, while a reader's request is served, a statement waits this long
# for the database's answer and then fails as an outage: a hung server (stopped,
# or behind a network that drops packets) answers nothing and enforces no timeout
# of its own (releases/db/wait_limits.py, which also says who else is bounded).
# At most 20 s: within gunicorn's 30 s worker timeout, with room for the page.
BRIEFING_DATABASE_WAIT = env_seconds("BRIEFING_DATABASE_WAIT", 5, most=20)
# The database the address names; on PostgreSQL the backend is the site's own.
address_engine = DATABASES["default"]["ENGINE"]
if address_engine == "django.db.backends.postgresql":
    # Django's backend, with a health check that asks the server only when its
    # socket says something happened (releases/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "releases.db.postgresql"
    # A database that does not answer costs a request seconds, not minutes: the
    # connect timeout covers a server that takes the connection and says nothing
    # (a stopped postmaster), BRIEFING_DATABASE_WAIT each statement after.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    if env_flag("BRIEFING_PREPARED_STATEMENTS", default=True):
        # Queries bound on the server, and each prepared at its fifth run on a
        # connection: PostgreSQL then plans it once. Planning had been most of a
        # page's time in the database (a release's neighbours: 0.05 ms to run, 0.2 to
        # 0.3 ms to plan). Off behind a pooler that cannot keep them (PgBouncer before
        # 1.21 in transaction mode).
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    # A socket directory is given percent-encoded, as in
    # postgres://%2Frun%2Fpostgresql/briefing, and django-environ leaves it so.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
if address_engine == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes; IMMEDIATE takes the
    # write lock at the start of a transaction instead of failing midway.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

LANGUAGE_CODE = "en-us"
# The press office's zone: naive times in release files are read in it, and
# pages show times in it. Stored instants are UTC whatever it is.
TIME_ZONE = env_time_zone("BRIEFING_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The shared cache: Redis (BRIEFING_CACHE_URL=redis://host:6379/0) where
# several processes serve the site, so that all of them share rendered bodies
# and cached pages; this process's memory otherwise. The site serves without
# Redis while it is down or hung (releases/caching/backends.py).
# A Redis address is only read when a page first asks the cache: checked
# here, one it cannot use stops the site at start, not every page with a 500.
REDIS_DATABASE = re.compile(r"/?[0-9]*")


def cache_location(url):
    """Return the Redis address *url* as it is, or refuse one Redis could not be reached at."""
    parts = urlsplit(url)
    if (
        parts.scheme not in {"redis", "rediss"}
        or not parts.hostname
        or not has_usable_port(parts)
        or not REDIS_DATABASE.fullmatch(parts.path)
    ):
        raise ImproperlyConfigured(
            f"BRIEFING_CACHE_URL {without_password(url)} is not a Redis address: give "
            "redis://host:6379/0 (rediss:// for TLS)"
        )
    return url


def has_usable_port(parts):
    """Whether the split address *parts* names no port, or a number a socket can take."""
    try:
        parts.port  # noqa: B018 (reading it checks it: a ValueError if not a number or too large)
    except ValueError:
        return False
    return True


CACHE_URL = os.environ.get("BRIEFING_CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "releases.caching.backends.DegradingRedisCache",
            "LOCATION": cache_location(CACHE_URL),
            "KEY_PREFIX": os.environ.get("BRIEFING_CACHE_PREFIX", "briefing"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# This app server's own search index (releases/search/): a directory it alone
# writes, rebuilt from the database whenever it is missing or damaged. By
# default one per database, so that switching DATABASE_URL never searches
# another database's index.
DATABASE_KEY = "{engine}:{HOST}:{PORT}:{NAME}".format_map(
    {**DATABASES["default"], "engine": address_engine}
)
BRIEFING_SEARCH_INDEX = Path(
    os.environ.get(
        "BRIEFING_SEARCH_INDEX",
        BASE_DIR
        / "search-index"
        / hashlib.blake2b(DATABASE_KEY.encode(), digest_size=6).hexdigest(),
    )
)

# Public pages are cached whole under the content version (releases/caching/pages.py);
# BRIEFING_PAGE_CACHE=0 renders every page afresh, to measure or to debug.
BRIEFING_PAGE_CACHE = env_flag("BRIEFING_PAGE_CACHE", default=True)
# After a change, readers may be served the copy of a page from just before
# it for this many seconds, while one request renders the new copy
# (releases/caching/freshness.py). At most a minute: a correction must show soon.
BRIEFING_STALE_SECONDS = env_seconds("BRIEFING_STALE_SECONDS", 5, most=60)

# How many proxies in front of the site append to X-Forwarded-For (a load
# balancer: 1). Client addresses, which rate limits key on, are read through
# them; with 0 the connection's own address is the client's.
BRIEFING_TRUSTED_PROXIES = env_whole_number("BRIEFING_TRUSTED_PROXIES", 0)

# Admin sign-in: this many attempts for one username from one client address
# (four times as many from the address alone) pause sign-in there for this
# many seconds (releases/admin/sign_in.py).
BRIEFING_SIGN_IN_ATTEMPTS = env_whole_number("BRIEFING_SIGN_IN_ATTEMPTS", 5, minimum=1)
BRIEFING_SIGN_IN_WINDOW = env_whole_number("BRIEFING_SIGN_IN_WINDOW", 900, minimum=1)
# Where signing in leads when the page asked for is not the site's own (an
# external "next" is refused): staff sign in only to the admin.
LOGIN_REDIRECT_URL = "admin:index"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tracebacks": {"()": "briefing.logs.TracebackOnlyForServerErrors"}},
    "formatters": {
        "lines": {
            "()": "briefing.logs.UTCFormatter",
            "format": LINE_FORMAT,
            "datefmt": DATE_FORMAT,
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tracebacks"],
            "formatter": "lines",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    # gunicorn's access log has a line for every request already; Django adds
    # one only for a server error, with its traceback, and one for a request
    # refused as suspicious (django.security: a Host outside ALLOWED_HOSTS).
    "loggers": {"django.request": {"level": "ERROR"}},
}


# What a mail address must name besides its scheme, for each kind of sending.
MAIL_NEEDS = {
    "django.core.mail.backends.smtp.EmailBackend": "EMAIL_HOST",
    "django.core.mail.backends.filebased.EmailBackend": "EMAIL_FILE_PATH",
}


def email_settings(url):
    """Return Django's EMAIL_* settings for the mail address *url*, or refuse it in one line."""
    try:
        config = environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError):  # a scheme it does not know, a port not a number
        config = None
    needed = config and MAIL_NEEDS.get(config["EMAIL_BACKEND"])
    if config is None or (needed and not config[needed]):
        raise ImproperlyConfigured(
            f"EMAIL_URL {without_password(url)} is not a mail address: give consolemail://, "
            "filemail:////path/to/directory or smtp://host:port (smtp+tls://user:password@host:587 "
            "to sign in over TLS)"
        )
    # Writing mail into a file that is there already fails only at the first message.
    directory = Path(config["EMAIL_FILE_PATH"] or ".")
    if directory.exists() and not directory.is_dir():
        raise ImproperlyConfigured(
            f"EMAIL_URL names {directory}, which is not a directory: mail is written "
            "into a directory, as filemail:////path/to/directory"
        )
    if config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        # One deadline for the whole exchange, not for each read (briefing/mail.py).
        config["EMAIL_BACKEND"] = "briefing.mail.DeadlineEmailBackend"
    return {name: value for name, value in config.items() if name.startswith("EMAIL_")}


# Email alerts. Links in them point at BRIEFING_SITE_URL, the address readers
# use. Mail goes where EMAIL_URL says: unset, a developer's machine prints it
# (so that a newcomer sees a confirmation mail without a mail server of their
# own), and production hands it to the machine's own mail server, as before.
BRIEFING_SITE_URL = os.environ.get("BRIEFING_SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("BRIEFING_FROM_EMAIL", "Briefing Room <alerts@localhost>")
if {"EMAIL_HOST", "EMAIL_PORT"} & os.environ.keys():
    # Left unread, they would send a site that sets them mail somewhere else.
    raise ImproperlyConfigured(
        "EMAIL_HOST and EMAIL_PORT are read no more: give the mail server as EMAIL_URL, "
        "such as smtp://localhost:25"
    )
globals().update(
    email_settings(
        os.environ.get("EMAIL_URL", "smtp://localhost:25" if PRODUCTION else "consolemail://")
    )
)
# A mail server that takes the connection and never answers must not hold a
# subscriber's request past gunicorn's worker timeout, nor send_alerts for ever.
# At most 20 s: within gunicorn's 30 s worker timeout, with room for the page.
EMAIL_TIMEOUT = env_seconds("BRIEFING_EMAIL_TIMEOUT", 10, most=20)

# An upload of release files in the admin is unpacked and checked during the
# request: these bound how many files one holds, and their bytes unpacked.
BRIEFING_UPLOAD_MAX_FILES = env_whole_number("BRIEFING_UPLOAD_MAX_FILES", 2000, minimum=1)
BRIEFING_UPLOAD_MAX_BYTES = env_whole_number(
    "BRIEFING_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1
)
