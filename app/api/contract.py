"""What every endpoint of /api/v1 shares: blueprints, cursor pages, API keys, limits.

* **Lists** take `?limit=` (1–100, default 50) and `?cursor=` and answer
  `{"items": [...], "next_cursor": "..." | null}` with a `Link: <...>; rel="next"` header
  built from KP_PUBLIC_URL. A cursor is opaque to clients: the last id seen, encoded.
* **Writes** need `X-API-Key: <key>` of the kelurahan in the URL, carrying the scope the
  endpoint names (`require_api_key("reports.write")`). A key never works in another
  kelurahan, a revoked key never works, and the session cookie is never enough.
* **Limits** count per API key when a valid one is sent, else per client address.
"""

from __future__ import annotations

import base64
import binascii
from functools import wraps
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint
from flask_smorest import abort as _abort
from sqlalchemy import Select

from ..extensions import client_ip
from ..input_guard import MAX_ID, parse_id
from ..urls import public_base

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
KEY_HEADER = "X-API-Key"
# `@bp.doc(security=API_KEY)` on a write: the OpenAPI document says it needs a key.
API_KEY = [{"ApiKey": []}]


def api_abort(status: int, detail: str | None = None, **kwargs):
    """Stop with a problem+json answer; `detail` says what went wrong for this request."""
    _abort(status, message=detail, **kwargs)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint of /api/v1. A plugin's module-level `api_bp` is served at
    `/api/v1/kelurahan/<kelurahan_slug>/<plugin id>/` and answers 404 (problem+json) in
    every kelurahan where the plugin is switched off."""


class ApiId(ma.fields.Integer):
    """A row id in a query string or body: 1..MAX_ID (what an id column holds), so a
    larger number is a 422 rather than the database's overflow error."""

    def __init__(self, **kwargs):
        super().__init__(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"How many items (1–{MAX_LIMIT})."},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={"description": "The `next_cursor` of the previous page."},
    )


class ApiPhotoSchema(ma.Schema):
    """A public photo in an answer: the full image and its thumbnail, when it has one."""

    url = ma.fields.String(required=True)
    thumbnail = ma.fields.String(allow_none=True)


def media_url(media) -> str:
    """The absolute address of a public file (built from KP_PUBLIC_URL)."""
    from ..urls import public_url

    return public_url("media.serve", relpath=media.relpath)


def api_photos(photos) -> list[dict]:
    """`ApiPhotoSchema` rows of a plugin's photo rows (each with `.media`, `.thumb`)."""
    return [
        {"url": media_url(p.media), "thumbnail": media_url(p.thumb) if p.thumb else None}
        for p in photos
    ]


_page_schemas: dict[type, type] = {}


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The schema of one page of `item_schema` items (one class per item schema, so the
    OpenAPI document names it once)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "next_cursor": ma.fields.String(
                    allow_none=True,
                    required=True,
                    metadata={"description": "Send as `cursor` for the next page; null: the end."},
                ),
            },
        )
    return _page_schemas[item_schema]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"i{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    last_id = parse_id(raw[1:]) if raw.startswith("i") else None
    if last_id is None:
        api_abort(400, "Cursor tidak dikenal: mulai lagi dari halaman pertama.")
    return last_id


def cursor_page(query: Select, id_column, args: dict, *, newest_first: bool = True):
    """One page of `query` by `id_column` (unique, integer): (rows, next_cursor)."""
    after = decode_cursor(args.get("cursor"))
    limit = args.get("limit") or DEFAULT_LIMIT
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    query = query.order_by(id_column.desc() if newest_first else id_column.asc())
    from ..extensions import db

    rows = list(db.session.execute(query.limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(_id_of(rows[-1], id_column)) if more else None


def list_page(items: list, next_cursor: str | None):
    """The view's answer for a page: the body and the `Link` header of the next page."""
    headers = {}
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = next_cursor
        headers["Link"] = f'<{public_base()}{request.path}?{urlencode(args)}>; rel="next"'
    return {"items": items, "next_cursor": next_cursor}, 200, headers


def _id_of(row, id_column) -> int:
    return getattr(row, id_column.key)


def sent_key() -> str | None:
    value = request.headers.get(KEY_HEADER, "").strip()
    return value or None


def current_key():
    """The active API key sent with this request (any kelurahan), or None; looked up once."""
    if "api_key" not in g:
        from .. import apikeys

        g.api_key = apikeys.find_active_key(sent_key()) if sent_key() else None
    return g.api_key


def rate_key() -> str:
    """Limits count per API key when a valid one is sent, else per client address."""
    key = current_key()
    return f"key:{key.id}" if key is not None else f"ip:{client_ip()}"


def read_limit() -> str:
    return current_app.config["KP_API_READ_LIMIT"]


def write_limit() -> str:
    return current_app.config["KP_API_WRITE_LIMIT"]


def require_api_key(scope: str):
    """Decorator of a write endpoint: a valid key of this kelurahan carrying `scope`, else
    401 (no key, unknown or revoked) or 403 (another kelurahan's key, or without the scope).
    The key is then `current_key()`."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not sent_key():
                api_abort(401, f"Kirim kunci API di header {KEY_HEADER}.")
            from .. import apikeys

            key = current_key()
            if key is None:
                api_abort(401, "Kunci API tidak dikenal atau sudah dicabut.")
            kelurahan = g.get("kelurahan")
            if kelurahan is None or key.kelurahan_id != kelurahan.id:
                api_abort(403, "Kunci API ini milik kelurahan lain.")
            if not apikeys.allows(key, scope):
                api_abort(403, f"Kunci API ini tidak memiliki izin {scope}.")
            apikeys.touch(key)
            return view(*args, **kwargs)

        return wrapper

    return decorate
