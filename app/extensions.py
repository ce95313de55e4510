"""Flask extensions, created unbound here and bound to each app in create_app()."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from flask import current_app, request
from flask_babel import Babel, Domain
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits import parse_many
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import TooManyRequests

# Stable constraint names, so Alembic migrations name (and can later drop) the same thing
# on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _AppDomain(Domain):
    """Flask-Babel keeps merged catalogues in one cache per process; each app here has its
    own plugins, hence its own catalogues, so each keeps its own cache."""

    def get_translations_cache(self, ctx):
        return current_app.extensions.setdefault("kp_translations", {})


class _Babel(Babel):
    @property
    def domain_instance(self):
        return current_app.extensions.setdefault("kp_domain", _AppDomain(domain=self.domain))


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)  # SQLite needs batch mode to alter tables
login_manager = LoginManager()
csrf = CSRFProtect()
babel = _Babel()
htmx = HTMX()


def client_ip() -> str:
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=True)


def limit_file_posts():
    """before_request: every POST that carries a file counts towards KP_UPLOAD_LIMIT, per
    signed-in account (per address for visitors), whatever the form's fate: the server has
    decoded the images before it can refuse the form. Over the limit: 429 with Retry-After."""
    if request.method != "POST" or not limiter.initialized:
        return None
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    if not any(f.filename for _name, f in request.files.items(multi=True)):
        return None
    key = f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{client_ip()}"
    try:
        for item in parse_many(current_app.config["KP_UPLOAD_LIMIT"]):
            if not limiter.limiter.hit(item, "kp-upload", key):
                reset_at = limiter.limiter.get_window_stats(item, "kp-upload", key).reset_time
                response = current_app.make_response(
                    current_app.handle_user_exception(TooManyRequests())
                )
                response.headers["Retry-After"] = str(max(1, int(reset_at - time.time()) + 1))
                return response
    except Exception:  # the limiter's storage is down: uploads still have their other caps
        logging.getLogger(__name__).warning("upload limit storage failed", exc_info=True)
    return None


# Text answers worth compressing: pages, assets, API and export answers. Media (JPEG, PNG,
# WebP) are compressed already and are not listed.
COMPRESS_MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "text/csv",
    "image/svg+xml",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/manifest+json",
]


class _StaticEndpoints:
    """Static files of the core and of every plugin (`<id>.static`): their compressed stream
    still answers If-None-Match with 304."""

    def __contains__(self, endpoint: object) -> bool:
        return isinstance(endpoint, str) and (endpoint == "static" or endpoint.endswith(".static"))


def init_compression(app) -> None:
    """gzip or brotli for text answers over ~500 bytes, unless KP_COMPRESS=0 (nginx does it).

    Call it before any other after_request handler is registered: Flask runs them in reverse,
    so compression is the last one and sees the final body (the page cache puts each visitor's
    CSRF token in inside the view, earlier still). Each app gets its own Compress, since it
    keeps the app's settings on itself."""
    enabled = app.config.get("KP_COMPRESS")
    if enabled is None:
        enabled = os.environ.get("KP_COMPRESS", "1").strip().lower() not in {"0", "false", "no"}
    if not enabled:
        return
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])  # files: send_file
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)  # as fast as gzip -6, and smaller than it
    compress = Compress(app)
    compress.streaming_endpoint_with_conditional = _StaticEndpoints()
    app.extensions["kp_compress"] = compress


@migrate.configure
def _add_plugin_migrations(config):
    """Each plugin's Alembic branch lives in its own folder (kp_migration_dirs)."""
    core = Path(current_app.root_path).parent / "migrations" / "versions"
    locations = [str(core), *current_app.extensions["kp"].migration_dirs()]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config
