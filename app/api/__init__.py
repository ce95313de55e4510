"""The JSON API at /api/v1, described by the OpenAPI document at /api/openapi.json.

flask-smorest builds the document from the views' marshmallow schemas: nothing about the
API is written twice. The core serves the kelurahan, their plugins, figures and datasets
(app/api/core.py); each plugin adds its own endpoints with a module-level `api_bp`
(`kit.ApiBlueprint`), served under /api/v1/kelurahan/<slug>/<plugin id>/. The rules every
endpoint shares are in app/api/contract.py, the error shape in app/api/problems.py, and
the interactive documentation at /api/docs (app/api/docs.py).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask
from flask_smorest import Api

from . import contract
from .problems import CONTENT_TYPE, ProblemSchema

PREFIX = "/api/v1"
PLUGIN_PREFIX = PREFIX + "/kelurahan/<kelurahan_slug>/{plugin}"

DESCRIPTION = """Data publik Kelurahan Pintar untuk 27 kelurahan Kota Pekalongan.
Public data of Kelurahan Pintar for the 27 kelurahan of Kota Pekalongan.

* Lists are paged with cursors: pass `next_cursor` back as `cursor`; the `Link` header
  (rel="next") carries the same URL.
* Errors are RFC 9457 problem details (`application/problem+json`) with the title in
  Indonesian (`title_id`) and English (`title_en`); `title` follows Accept-Language.
* Writes need an API key issued by the kelurahan's admin (`X-API-Key` header).
* Reads are open to browsers of any origin (CORS). Limits count per key, or per address.
* Open311 GeoReport v2 stays available at /open311/v2/.
"""


class KpApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The app's own handlers (app/errors.py) answer every error under /api/ as
        problem+json; flask-smorest's would turn the HTML pages' errors into JSON too."""

    def _register_responses(self):
        """Error responses are documented as application/problem+json."""
        error = {"content": {CONTENT_TYPE: {"schema": self.ERROR_SCHEMA}}}
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response.update(error)
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR", {"description": "Problem details", **error}, lazy=True
        )


def schema_name(schema) -> str:
    """OpenAPI component names: a plugin's schemas carry its id (`UmkmPhoto`, not a second
    `Photo`), so two plugins may name their schemas alike."""
    from apispec.ext.marshmallow.common import resolve_schema_cls

    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    parts = cls.__module__.split(".")
    if parts[0] == "plugins" and len(parts) > 1:
        prefix = parts[1].title()
        if not name.startswith(prefix.removesuffix("s")):
            name = prefix + name
    return name


api = KpApi()


def init_app(app: Flask) -> None:
    from flask_cors import CORS

    from . import core, docs

    app.config.setdefault("API_TITLE", "Kelurahan Pintar API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    from apispec.ext.marshmallow import MarshmallowPlugin

    api.init_app(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
            "info": {
                "description": DESCRIPTION,
                "license": {
                    "name": "CC BY 4.0",
                    "url": "https://creativecommons.org/licenses/by/4.0/",
                },
            },
            # Where outside clients send requests: the public address, never a Host header.
            "servers": [{"url": (app.config.get("KP_PUBLIC_URL") or "").rstrip("/") or "/"}],
        },
    )
    api.spec.components.security_scheme(
        "ApiKey", {"type": "apiKey", "in": "header", "name": contract.KEY_HEADER}
    )
    register(app, core.bp, url_prefix=PREFIX)
    app.register_blueprint(docs.bp)
    # Reads only: a browser page elsewhere may read the API, never write through it.
    CORS(
        app,
        resources={r"/api/*": {"origins": "*"}},
        methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "Accept-Language", "Content-Type"],
        expose_headers=["Link", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"],
        supports_credentials=False,
        send_wildcard=True,
    )


def register(app: Flask, blueprint: contract.ApiBlueprint, url_prefix: str) -> None:
    """Serve an API blueprint: documented, CSRF-exempt (a key, never a cookie, authorises
    its writes) and limited per key or address."""
    from ..extensions import csrf, limiter

    csrf.exempt(blueprint)
    limiter.limit(contract.read_limit, key_func=contract.rate_key)(blueprint)
    api.register_blueprint(blueprint, url_prefix=url_prefix)


def register_plugin_api(app: Flask, plugin_id: str, blueprint) -> None:
    app.extensions.setdefault("kp_api_plugins", set()).add(plugin_id)
    register(app, blueprint, url_prefix=PLUGIN_PREFIX.format(plugin=plugin_id))
