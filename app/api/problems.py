"""Errors of the JSON API as RFC 9457 problem details (`application/problem+json`).

Every error under /api/ has the same shape, whatever raised it (a view, webargs'
validation, the router, the rate limiter): `type`, `title` (in the language the client
asks for with Accept-Language, Indonesian by default), `title_id` and `title_en` (both
always present, so a client can show either), `status`, `detail` and, for invalid input,
`errors` (field → messages)."""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import Response, json, request

CONTENT_TYPE = "application/problem+json"

# (Indonesian, English) for the statuses the API answers with.
TITLES: dict[int, tuple[str, str]] = {
    400: ("Permintaan tidak valid", "Bad request"),
    401: ("Kunci API diperlukan", "API key required"),
    403: ("Tidak diizinkan", "Forbidden"),
    404: ("Tidak ditemukan", "Not found"),
    405: ("Metode tidak diizinkan", "Method not allowed"),
    406: ("Format tidak tersedia", "Not acceptable"),
    409: ("Bentrok dengan data yang ada", "Conflict"),
    413: ("Isi permintaan terlalu besar", "Content too large"),
    415: ("Jenis isi tidak didukung", "Unsupported media type"),
    422: ("Data tidak valid", "Unprocessable content"),
    429: ("Terlalu banyak permintaan", "Too many requests"),
    500: ("Kesalahan pada server", "Internal server error"),
    503: ("Layanan sedang tidak tersedia", "Service unavailable"),
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with the title in both languages."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem."})
    title = ma.fields.String(metadata={"description": "Short title, in the asked language."})
    title_id = ma.fields.String(metadata={"description": "The title in Indonesian."})
    title_en = ma.fields.String(metadata={"description": "The title in English."})
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "What went wrong, for this request."})
    instance = ma.fields.String(metadata={"description": "The path that was asked for."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "For invalid input: each field with its messages."},
    )


def titles(status: int) -> tuple[str, str]:
    if status in TITLES:
        return TITLES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return (TITLES[500][0] if status >= 500 else TITLES[400][0]), phrase


def wants_english() -> bool:
    return request.accept_languages.best_match(["id", "en"], default="id") == "en"


def problem(
    status: int, detail: str | None = None, *, errors: dict | None = None, headers=None
) -> Response:
    """A problem+json response for the current request."""
    title_id, title_en = titles(status)
    body = {
        "type": "about:blank",
        "title": title_en if wants_english() else title_id,
        "title_id": title_id,
        "title_en": title_en,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(exc) -> Response:
    """The problem for a werkzeug HTTPException, keeping webargs' field errors and the
    headers the exception carries (Allow on 405, Retry-After on 429)."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    if isinstance(errors, dict) and len(errors) == 1 and next(iter(errors)) in LOCATIONS:
        errors = next(iter(errors.values()))  # {"query": {...}} -> {...}
    detail = data.get("message")  # set by api_abort(); werkzeug's default text is not ours
    kept = {}
    if hasattr(exc, "get_headers"):
        kept = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
    return problem(
        status, detail, errors=errors if isinstance(errors, dict) else None, headers=kept
    )


LOCATIONS = {"query", "json", "form", "headers", "path", "files", "view_args"}
