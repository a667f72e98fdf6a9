"""Configuration classes; every value comes from the environment (or an optional .env)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

load_dotenv(ROOT / ".env")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _share(name: str, default: float) -> float:
    """A fraction between 0 and 1 (a typo is refused at start, not obeyed half-way)."""
    value = os.environ.get(name)
    if not value:
        return default
    share = float(value)
    if not 0 <= share <= 1:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
    return share


#: What the imprint shows until the operator sets IMPRINT_NAME (the page marks it as a placeholder).
IMPRINT_PLACEHOLDER_VALUES = {
    "IMPRINT_NAME": "Betreiber dieser Plattform (Platzhalter)",
    "IMPRINT_ADDRESS": "Musterstraße 1 | 12345 Musterstadt",
    "IMPRINT_EMAIL": "impressum@example.org",
}


def _list(name: str) -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or "").split(",") if item.strip()]


def url_settings(base_url: str) -> dict[str, str]:
    """Flask's URL settings from ``BASE_URL``, the one public address of the app.

    ``SERVER_NAME``, ``PREFERRED_URL_SCHEME`` and ``APPLICATION_ROOT`` make
    ``url_for(..., _external=True)`` outside a request (worker, CLI) and
    :func:`eventapp.urls.external_url` everywhere build the public address, path
    prefix included, whatever scheme or host a request arrived with.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"BASE_URL must be an absolute http(s) URL (https://events.example.org), not {base_url!r}")
    netloc = parts.netloc.lower()
    root = parts.path.rstrip("/")
    return {
        "BASE_URL": f"{parts.scheme}://{netloc}{root}",
        "SERVER_NAME": netloc,
        "PREFERRED_URL_SCHEME": parts.scheme,
        "APPLICATION_ROOT": root or "/",
    }


#: Hosts a local run answers at besides BASE_URL's (``make run`` serves 127.0.0.1; browsers say localhost).
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    PORT = _int("PORT", 5000)
    BASE_URL = os.environ.get("BASE_URL")
    TICKET_SIGNING_KEY_FILE = os.environ.get("TICKET_SIGNING_KEY_FILE", str(INSTANCE / "ticket-signing-key.pem"))
    #: JSON object {key id: PEM or base64 raw public key} of retired signing keys.
    TICKET_VERIFY_KEYS = json.loads(os.environ.get("TICKET_VERIFY_KEYS") or "{}")
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "eventapp <noreply@localhost>")
    #: Where the console transport keeps a copy of each mail (development).
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE / "mail"))
    #: Hours a message is retried after its first temporary rejection (4xx) before it fails;
    #: an unreachable server never counts, a permanent rejection (5xx) fails at once.
    MAIL_RETRY_HOURS = float(os.environ.get("MAIL_RETRY_HOURS") or 48)
    REGISTRATION_CONFIRM_EMAIL = _bool("REGISTRATION_CONFIRM_EMAIL", True)
    #: Minutes between two mails to one address about one event when someone registers again.
    RESEND_INTERVAL_MINUTES = _int("RESEND_INTERVAL_MINUTES", 5)
    #: Share of a mode's capacity that unconfirmed registrations may hold (at least 10 seats; DESIGN §3).
    PENDING_HOLD_SHARE = _share("PENDING_HOLD_SHARE", 0.25)
    #: Minutes before the start from which the personal join link's button leads to the meeting.
    JOIN_WINDOW_MINUTES = _int("JOIN_WINDOW_MINUTES", 30)
    PRIVACY_CONSENT_VERSION = os.environ.get("PRIVACY_CONSENT_VERSION", "2026-11")
    #: Days after an event until its registrants' personal data is anonymised.
    PERSONAL_DATA_RETENTION_DAYS = _int("PERSONAL_DATA_RETENTION_DAYS", 30)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: Off (``false``) only for a load test from one address; see the README.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    #: Registrations per client address, shared by the forms and the API, events and series.
    RATELIMIT_REGISTRATION = os.environ.get("RATELIMIT_REGISTRATION", "60 per minute; 600 per hour")
    #: Actions behind manage links (confirm, cancel, switch, new ticket, feed renewal …) per client address.
    RATELIMIT_MANAGE = os.environ.get("RATELIMIT_MANAGE", "120 per minute")
    #: Actions per manage link, from any address (a link cannot flood its owner's inbox).
    RATELIMIT_PER_LINK = os.environ.get("RATELIMIT_PER_LINK", "30 per hour")
    #: Requests for lost manage links per client ("Anmeldung wiederfinden").
    RATELIMIT_LOST_LINKS = os.environ.get("RATELIMIT_LOST_LINKS", "5 per minute; 30 per hour")
    #: Check-in requests per device token or staff member (never per address: a venue's Wi-Fi is one).
    RATELIMIT_CHECKIN = os.environ.get("RATELIMIT_CHECKIN", "300 per minute")
    #: Retry-After only on 429 (blueprints/errors.py), not on every limited answer.
    RATELIMIT_HEADERS_ENABLED = False
    #: Failed sign-ins per client address, and per account (the address typed in) — issue 7 Part 1.
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "5 per minute;20 per hour")
    #: Requests for a password-reset mail per client address (each address gets at most one mail per few minutes).
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per 10 minutes;20 per day")
    #: How long a password-reset link and an invitation link stay valid.
    PASSWORD_RESET_MAX_AGE_HOURS = _int("PASSWORD_RESET_MAX_AGE_HOURS", 2)
    INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 7)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 64 * 1024)
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    #: Host names answered besides BASE_URL's (comma-separated; e.g. an internal name for health checks).
    EXTRA_TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    #: Host names a request may name (Host, or X-Forwarded-Host behind PROXY_COUNT proxies); others get 400.
    LOCAL_TRUSTED_HOSTS: tuple[str, ...] = ()
    WORKER_INTERVAL_SECONDS = _int("WORKER_INTERVAL_SECONDS", 2)
    #: The Impressum (/imprint) of the operator; address lines are separated by "|" or newlines.
    IMPRINT_NAME = os.environ.get("IMPRINT_NAME")
    IMPRINT_ADDRESS = os.environ.get("IMPRINT_ADDRESS")
    IMPRINT_EMAIL = os.environ.get("IMPRINT_EMAIL")
    IMPRINT_PHONE = os.environ.get("IMPRINT_PHONE")
    IMPRINT_REPRESENTATIVE = os.environ.get("IMPRINT_REPRESENTATIVE")
    IMPRINT_REGISTER = os.environ.get("IMPRINT_REGISTER")
    IMPRINT_VAT_ID = os.environ.get("IMPRINT_VAT_ID")
    IMPRINT_RESPONSIBLE = os.environ.get("IMPRINT_RESPONSIBLE")
    BABEL_DEFAULT_LOCALE = "de"
    LANGUAGES = ("de", "en")
    WTF_CSRF_TIME_LIMIT = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT")  # "smtp" or "console"; default: smtp when MAIL_SERVER is set

    @classmethod
    def finalize(cls, settings: dict) -> None:
        """Derive settings that depend on others."""
        url = settings.get("SQLALCHEMY_DATABASE_URI") or ""
        # postgres:// and postgresql:// (as hosting platforms hand them out) use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                settings["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len(prefix) :]
        if not settings.get("MAIL_TRANSPORT"):
            settings["MAIL_TRANSPORT"] = "smtp" if settings.get("MAIL_SERVER") else "console"
        # Without an operator the imprint shows a placeholder that says so on the page.
        settings["IMPRINT_PLACEHOLDER"] = not settings.get("IMPRINT_NAME")
        if settings["IMPRINT_PLACEHOLDER"]:
            settings.update(IMPRINT_PLACEHOLDER_VALUES)

    @classmethod
    def finalize_urls(cls, settings: dict) -> None:
        """URL settings and trusted hosts from BASE_URL (after each environment has settled it).

        A request naming another host gets 400 instead of links and redirects built from
        its Host header. Behind ``PROXY_COUNT`` proxies the host checked is the one the
        proxy forwards (X-Forwarded-Host), which is the public one.
        """
        if not settings.get("BASE_URL"):
            return
        settings.update(url_settings(settings["BASE_URL"]))
        host = urlsplit(settings["BASE_URL"]).hostname or ""
        hosts = [host, *settings.get("EXTRA_TRUSTED_HOSTS", []), *settings.get("LOCAL_TRUSTED_HOSTS", ())]
        settings["TRUSTED_HOSTS"] = list(dict.fromkeys(name.lower() for name in hosts if name))


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False
    LOCAL_TRUSTED_HOSTS = LOCAL_HOSTS

    @classmethod
    def finalize(cls, settings: dict) -> None:
        super().finalize(settings)
        settings["SECRET_KEY"] = settings.get("SECRET_KEY") or "dev-only-insecure-secret"
        if not settings.get("SQLALCHEMY_DATABASE_URI"):
            settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{INSTANCE / 'eventapp.sqlite'}"
        if not settings.get("BASE_URL"):
            settings["BASE_URL"] = f"http://127.0.0.1:{settings['PORT']}"
        cls.finalize_urls(settings)


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 (tests only)
    BASE_URL = "http://localhost"
    RATELIMIT_ENABLED = True
    MAIL_TRANSPORT = "smtp"
    LOCAL_TRUSTED_HOSTS = LOCAL_HOSTS

    @classmethod
    def finalize(cls, settings: dict) -> None:
        super().finalize(settings)
        if not settings.get("SQLALCHEMY_DATABASE_URI"):
            settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{INSTANCE / 'testing.sqlite'}"
        cls.finalize_urls(settings)


class ProductionConfig(Config):
    NAME = "production"
    SESSION_COOKIE_SECURE = True
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BASE_URL", "MAIL_SERVER")

    @classmethod
    def finalize(cls, settings: dict) -> None:
        super().finalize(settings)
        names = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL"}
        missing = [names.get(key, key) for key in cls.REQUIRED if not settings.get(key)]
        if not Path(settings["TICKET_SIGNING_KEY_FILE"]).is_file():
            missing.append("TICKET_SIGNING_KEY_FILE")
        if missing:
            raise RuntimeError("Production configuration is missing: " + ", ".join(missing))
        if settings["IMPRINT_PLACEHOLDER"]:
            logging.getLogger("eventapp").warning("IMPRINT_NAME is not set: /imprint shows a placeholder.")
        cls.finalize_urls(settings)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
