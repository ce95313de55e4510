"""Flask extensions, created unbound here and bound to each app in create_app()."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app, request
from flask_babel import Babel, Domain
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


@migrate.configure
def _add_plugin_migrations(config):
    """Each plugin's Alembic branch lives in its own folder (kp_migration_dirs)."""
    core = Path(current_app.root_path).parent / "migrations" / "versions"
    locations = [str(core), *current_app.extensions["kp"].migration_dirs()]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config
