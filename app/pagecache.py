"""Whole pages for visitors who are not signed in, from the cache.

Most readers of a kelurahan's home page or its reports list are not signed in, and for them
the page is the same for everybody but one thing: the CSRF token of their session (in the
htmx headers and the language switch). A page rendered for a visitor is cached with a
placeholder where the token goes; each visitor gets it with their own token put in.

Signed-in users, visitors with a message waiting (a flash), other methods and answers other
than a 200 HTML page are never cached. The key holds the path and query string, the language,
whether htmx asked, and the stamps of the kelurahan and of every plugin switched on there, so
any change a plugin announces (or a plugin switched, a setting changed) renews the page. A
plugin's city page (its `city_bp`) holds the plugin's city-wide stamp instead, moved by the
plugin's events in every kelurahan.
"""

from __future__ import annotations

import json
from functools import wraps

from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import caching

TOKEN_PLACEHOLDER = "__kp_csrf_token_placeholder__"  # noqa: S105 - a marker, not a secret


def csrf_token() -> str:
    """The Jinja global `csrf_token()`: the placeholder while a page is rendered for the
    cache, the session's token otherwise."""
    return TOKEN_PLACEHOLDER if g.get("kp_render_for_cache") else generate_csrf()


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and current_app.config["CACHE_TYPE"] != "NullCache"
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def _key(kelurahan) -> str:
    from .plugins import host

    names = [caching.CONFIG]
    if kelurahan is not None:
        names.append(caching.kelurahan_stamp(kelurahan.id))
        names += [caching.plugin_stamp(kelurahan.id, p) for p in host().enabled_ids(kelurahan)]
    else:
        owner = host().blueprint_owner.get(request.blueprint or "")
        if owner in host().manifests:
            names.append(caching.plugin_city_stamp(owner))
    tokens = ":".join(caching.read(*names))
    query = json.dumps(sorted(request.args.items(multi=True)), ensure_ascii=False)
    htmx = "1" if request.headers.get("HX-Request") else "0"
    return f"page:{request.path}:{query}:{get_locale()}:{htmx}:{tokens}"


def visitor_page(view):
    """Serve the view's page from the cache to visitors who are not signed in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = _key(g.get("kelurahan"))
        body = caching.cache.get(key)
        if body is None:
            g.kp_render_for_cache = True
            try:
                response = current_app.make_response(view(*args, **kwargs))
            finally:
                g.kp_render_for_cache = False
            if response.mimetype != "text/html" or response.is_streamed:
                return response
            body = response.get_data(as_text=True)
            if response.status_code != 200:  # not cached, but served with the real token
                response.set_data(body.replace(TOKEN_PLACEHOLDER, generate_csrf()))
                return response
            if not session.get("_flashes"):  # the view flashed: not for everybody
                caching.cache.set(key, body)
        if TOKEN_PLACEHOLDER in body:
            body = body.replace(TOKEN_PLACEHOLDER, generate_csrf())
        return Response(body, mimetype="text/html")

    return wrapped


def init_app(app) -> None:
    # Flask-WTF puts its own csrf_token in every template's globals and context; these come
    # after it, so every template (and macros imported without context) uses this one.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
