"""Kelurahan Pintar: the core. `create_app()` reads as the table of contents."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from . import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build an app. Nothing here touches the database or the network."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config_module.load(app.instance_path, overrides))
    config_module.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    configure_proxies(app)
    configure_input_guard(app)
    configure_extensions(app)
    configure_tenancy(app)
    load_plugins(app)
    register_blueprints(app)
    configure_templates(app)
    configure_security(app)
    configure_errorhandlers(app)
    register_cli(app)
    return app


def configure_logging(app: Flask) -> None:
    """Our own loggers (app.*, plugins.*) at INFO on stderr, unless the host configured them."""
    for name in ("app", "plugins"):
        logger = logging.getLogger(name)
        if not logger.handlers and not app.testing:
            handler = logging.StreamHandler()
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
            )
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


def configure_proxies(app: Flask) -> None:
    """Behind N trusted proxies (a load balancer), take the client address and scheme from
    their X-Forwarded-* headers, so per-address rate limits see residents, not the proxy."""
    hops = app.config["KP_PROXY_COUNT"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_input_guard(app: Flask) -> None:
    """NUL bytes, Unicode-digit and oversized ids, files in text fields: 4xx, never 500
    (before any blueprint is registered, so `<int:...>` rules use the strict converter)."""
    from . import idempotency, input_guard

    input_guard.init_app(app)
    idempotency.init_app(app)


def configure_extensions(app: Flask) -> None:
    from . import api, auth, caching, i18n, storage
    from .extensions import (
        babel,
        csrf,
        db,
        htmx,
        init_compression,
        limit_file_posts,
        limiter,
        login_manager,
        migrate,
    )

    init_compression(app)  # first after_request handler registered: it runs last
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    app.before_request(limit_file_posts)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    i18n.install_fast_gettext(app)
    login_manager.init_app(app)
    auth.configure_login(login_manager)
    caching.init_app(app)
    storage.init_app(app)
    api.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            from .db_sqlite import tune_sqlite

            tune_sqlite(db.engine)


def configure_tenancy(app: Flask) -> None:
    from . import kelurahan_context, tenancy

    tenancy.install()
    kelurahan_context.init_app(app)


def load_plugins(app: Flask) -> None:
    from .plugins import PluginHost

    host = PluginHost(app)
    app.extensions["kp"] = host
    host.load()
    app.before_request(host.guard_blueprints)
    # Each plugin's own catalogue (its translations/ folder) is read after the core's.
    app.extensions["babel"].translation_directories.extend(host.translation_dirs)


def register_blueprints(app: Flask) -> None:
    from .views import account, admin, city, groups, media, places, public, tasks

    for module in (public, account, groups, admin, places, tasks, city, media):
        app.register_blueprint(module.bp)


def configure_templates(app: Flask) -> None:
    from . import assets, pagecache, template_globals

    assets.init_app(app)
    template_globals.init_app(app)
    pagecache.init_app(app)


def configure_security(app: Flask) -> None:
    from . import security

    security.init_app(app)


def configure_errorhandlers(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    """`flask kp ...`: the core's commands plus those plugins added (kp_init_app)."""
    from . import cli

    app.cli.add_command(cli.group_for(app.extensions["kp"].cli_commands))
