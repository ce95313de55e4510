"""Error pages in the user's language; RFC 9457 problem details for the API."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: _l("Permintaan tidak dapat diproses."),
    403: _l("Anda tidak memiliki izin untuk halaman ini."),
    404: _l("Halaman tidak ditemukan."),
    405: _l("Metode tidak diizinkan."),
    413: _l("Berkas terlalu besar."),
    429: _l("Terlalu banyak percobaan. Silakan coba lagi beberapa saat lagi."),
    500: _l("Terjadi kesalahan pada server. Kesalahan ini sudah dicatat untuk tim kami."),
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, message: str | None = None, exc: HTTPException | None = None):
    if is_api_request():
        from .api.problems import from_http_exception, problem

        return from_http_exception(exc) if exc is not None else problem(code, message)
    text = str(message or MESSAGES.get(code, MESSAGES[500]))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error={"code": code, "message": text}), code
    return render_template("error.html", code=code, message=text), code


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, lambda exc, code=code: _render(code, exc=exc))

    @app.errorhandler(HTTPException)
    def _other(exc):
        """401, 409, 415, 422 and the rest: problem details under /api/, else as raised."""
        if is_api_request():
            return _render(exc.code or 500, exc=exc)
        return exc

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _render(
            400, _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")
        )
