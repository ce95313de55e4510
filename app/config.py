"""Settings. Every value can come from the environment; defaults give the SQLite dev path."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused outside development, see check()
OUTBOX_SENDER = "app.mail:OutboxSender"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; start-up stops with this message."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the app config: defaults, then the environment, then explicit overrides."""
    env = os.environ
    instance = Path(instance_path)
    kp_env = env.get("KP_ENV", "development")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'kelurahan-pintar.db'}"
    # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    redis_url = env.get("REDIS_URL")

    config: dict = {
        "KP_ENV": kp_env,
        "SECRET_KEY": env.get("SECRET_KEY") or (DEV_SECRET if kp_env != "production" else None),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "KP_MEDIA_ROOT": env.get("KP_MEDIA_ROOT") or str(instance / "media"),
        # Uploads in the folder above ("local") or in an S3-compatible bucket ("s3", for
        # several app hosts): app.storage. Credentials come the AWS way (AWS_ACCESS_KEY_ID,
        # AWS_SECRET_ACCESS_KEY in the environment, or the host's role), never from here.
        "KP_STORAGE": env.get("KP_STORAGE", "local"),
        "KP_S3_BUCKET": env.get("KP_S3_BUCKET"),
        "KP_S3_ENDPOINT_URL": env.get("KP_S3_ENDPOINT_URL"),
        "KP_S3_REGION": env.get("KP_S3_REGION"),
        "KP_S3_PREFIX": env.get("KP_S3_PREFIX", ""),
        "KP_S3_URL_SECONDS": int(env.get("KP_S3_URL_SECONDS", "300")),
        # Behind nginx: the internal location that sends media after the app's access check
        # (X-Accel-Redirect), e.g. /_media/ for the folder, /_s3/ for the bucket. Empty: the
        # app sends the bytes itself.
        "KP_MEDIA_ACCEL": env.get("KP_MEDIA_ACCEL", ""),
        "KP_PLUGINS": _list(env.get("KP_PLUGINS")),
        # "cdn" loads Leaflet and htmx from pinned CDN URLs with SRI (falling back to the
        # local copy); "local" serves the same files from /static/vendor. `make run` works
        # offline: local by default in development.
        "KP_ASSETS": env.get("KP_ASSETS", "local" if kp_env == "development" else "cdn"),
        "KP_TILE_URL": env.get("KP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "KP_TILE_ATTRIBUTION": env.get(
            "KP_TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        ),
        # Kota Pekalongan with a small margin; coordinates outside are refused.
        "KP_BOUNDS": json.loads(
            env.get("KP_BOUNDS", '{"south": -6.94, "north": -6.83, "west": 109.62, "east": 109.72}')
        ),
        "KP_MAIL_FROM": env.get("KP_MAIL_FROM", "noreply@kelurahan-pintar.local"),
        "KP_SMTP_URL": env.get("KP_SMTP_URL"),
        # Text messages through an HTTP SMS gateway (app.mail:HttpGatewaySender): the token is
        # sent as a bearer header; the body is a JSON template with {to} and {message}.
        "KP_SMS_GATEWAY_URL": env.get("KP_SMS_GATEWAY_URL"),
        "KP_SMS_GATEWAY_TOKEN": env.get("KP_SMS_GATEWAY_TOKEN"),
        "KP_SMS_GATEWAY_BODY": env.get("KP_SMS_GATEWAY_BODY")
        or '{"to": "{to}", "message": "{message}"}',
        "KP_SMS_GATEWAY_FORM": _bool(env.get("KP_SMS_GATEWAY_FORM")),
        "KP_SMS_GATEWAY_NUMBER_FORMAT": env.get("KP_SMS_GATEWAY_NUMBER_FORMAT", "e164"),
        "KP_RESET_TOKEN_MINUTES": int(env.get("KP_RESET_TOKEN_MINUTES", "60")),
        "KP_PUBLIC_URL": env.get("KP_PUBLIC_URL"),
        # How many proxies in front of the app set X-Forwarded-For (0: none, e.g. make run).
        "KP_PROXY_COUNT": int(env.get("KP_PROXY_COUNT", "0")),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "KP_LANGUAGES": ["id", "en"],
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # /api/v1: reads per API key (per address without one); writes per key.
        "KP_API_READ_LIMIT": env.get("KP_API_READ_LIMIT", "300 per minute"),
        "KP_API_WRITE_LIMIT": env.get("KP_API_WRITE_LIMIT", "60 per hour"),
        # Every POST that carries a file counts, per account (per address for visitors),
        # even when the form is refused: decoding the images is what costs.
        "KP_UPLOAD_LIMIT": env.get("KP_UPLOAD_LIMIT", "30 per 10 minutes;200 per day"),
        "REDIS_URL": redis_url,
        # Costly hook answers (widgets, metrics, map layers), shared by every worker when
        # Redis is there; KP_CACHE_TYPE=NullCache switches caching off.
        "CACHE_TYPE": env.get("KP_CACHE_TYPE") or ("RedisCache" if redis_url else "SimpleCache"),
        "CACHE_REDIS_URL": redis_url,
        # Keys in Redis start with this: two deployments (or test runs) sharing one Redis
        # keep apart by giving each its own.
        "KP_REDIS_PREFIX": env.get("KP_REDIS_PREFIX", "kp:"),
        "CACHE_DEFAULT_TIMEOUT": int(env.get("KP_CACHE_SECONDS", "300")),
        # Tokens that tell every worker of this host that something changed (app.caching);
        # with REDIS_URL they live in Redis instead, for several hosts.
        "KP_STAMP_DIR": env.get("KP_STAMP_DIR") or str(instance / "stamps"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), kp_env != "development"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The session lifetime bounds the token: a form left open on a phone stays usable.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    }
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if database_url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    config.update(overrides or {})
    config.setdefault("CACHE_KEY_PREFIX", config["KP_REDIS_PREFIX"] + "cache:")
    # Chosen after the overrides, by the final KP_ENV: in development (make run) messages are
    # printed on the terminal, so sign-up links can be followed without a mail server.
    config.setdefault(
        "KP_MAIL_SENDER",
        env.get("KP_MAIL_SENDER")
        or ("app.mail:ConsoleSender" if config["KP_ENV"] == "development" else OUTBOX_SENDER),
    )
    return config


def check(config: dict) -> None:
    """Refuse to start with settings that would be unsafe outside development."""
    unsafe_secret = not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET
    if config["KP_ENV"] not in {"development", "testing"} and unsafe_secret:
        raise ConfigError(
            f"SECRET_KEY must be set outside development (KP_ENV={config['KP_ENV']})."
        )
    # Set by wsgi.py for every WSGI server (gunicorn): only the `flask` command in development
    # may run on the built-in secret, whatever KP_ENV says.
    if config.get("KP_REQUIRE_SECRET_KEY") and unsafe_secret:
        raise ConfigError(
            "SECRET_KEY must be set to a long random value to serve the app through a WSGI "
            "server (the built-in development key is only for `make run`)."
        )
    public_url = config.get("KP_PUBLIC_URL")
    if config["KP_ENV"] == "production" and not public_url:
        raise ConfigError(
            "KP_PUBLIC_URL must be set in production: links in messages are built from it, "
            "never from the request's Host (e.g. https://kelurahanpintar.pekalongankota.go.id)."
        )
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
            raise ConfigError(
                f"KP_PUBLIC_URL must be the site's address, like https://example.go.id "
                f"(got {public_url!r})."
            )
    sender = str(config.get("KP_MAIL_SENDER") or "")
    if config["KP_ENV"] == "production" and sender.partition(":")[2] == "ConsoleSender":
        raise ConfigError(
            "KP_MAIL_SENDER=app.mail:ConsoleSender prints messages, with their one-time links, "
            "on the console: set app.mail:SmtpSender (or app.mail:OutboxSender) in production."
        )
    _check_sms_gateway(config)
    if config.get("KP_STORAGE", "local") not in {"local", "s3"}:
        raise ConfigError("KP_STORAGE must be 'local' or 's3'.")
    if config.get("KP_STORAGE") == "s3" and not config.get("KP_S3_BUCKET"):
        raise ConfigError("KP_STORAGE=s3 needs KP_S3_BUCKET, the bucket that keeps the uploads.")
    accel = config.get("KP_MEDIA_ACCEL") or ""
    if accel and not (accel.startswith("/") and accel.endswith("/")):
        raise ConfigError("KP_MEDIA_ACCEL must be an nginx location like /_media/ (or empty).")
    if config["KP_ASSETS"] not in {"cdn", "local"}:
        raise ConfigError("KP_ASSETS must be 'cdn' or 'local'.")
    if config["KP_ENV"] == "production":
        _check_production_services(config)


def _check_production_services(config: dict) -> None:
    """Production runs several workers on several hosts: they share one database and one
    Redis, or residents see each other's limits and pages go stale."""
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not database.startswith("postgresql"):
        raise ConfigError(
            "DATABASE_URL must point to PostgreSQL in production (SQLite is for `make run` "
            "on one machine), e.g. postgresql://kp@db.internal/kelurahan_pintar."
        )
    if not config.get("REDIS_URL"):
        raise ConfigError(
            "REDIS_URL must be set in production: sign-in limits, the cache and change "
            "stamps are shared by every worker and host through Redis."
        )


SMS_NUMBER_FORMATS = ("e164", "local")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def gateway_url_problem(url: str) -> str | None:
    """Why `url` may not be the SMS gateway's address, or None. The token and every reset
    link travel to it, so plain http is only for a gateway on this machine (tests)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        return "it must be a full http(s) address"
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return "it must use https (http only for localhost)"
    return None


def _check_sms_gateway(config: dict) -> None:
    url = config.get("KP_SMS_GATEWAY_URL")
    if url and (problem := gateway_url_problem(url)):
        # Not the URL itself in the message: it may carry an API key.
        raise ConfigError(f"KP_SMS_GATEWAY_URL is not usable: {problem}.")
    try:
        template = json.loads(config.get("KP_SMS_GATEWAY_BODY") or "{}")
    except ValueError:
        template = None
    if not isinstance(template, dict):
        raise ConfigError(
            "KP_SMS_GATEWAY_BODY must be a JSON object, like "
            '{"to": "{to}", "message": "{message}"}.'
        )
    if config.get("KP_SMS_GATEWAY_NUMBER_FORMAT", "e164") not in SMS_NUMBER_FORMATS:
        raise ConfigError("KP_SMS_GATEWAY_NUMBER_FORMAT must be 'e164' or 'local'.")
