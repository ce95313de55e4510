"""Hostile input stops at the door, answered with a 4xx instead of a 500 deeper down.

* NUL bytes and lone surrogates in the path, the query string or a form (names, values,
  file names) answer 400 before any view, hook or query runs: PostgreSQL refuses NUL in text
  (a 500), SQLite would store it, and no honest browser sends either.
* `<int:...>` URL arguments accept ASCII digits only and at most a BIGINT: Werkzeug's `\\d+`
  also matches "١٢٣" and "１２", and an id beyond 2^63 overflows the database driver.
  `parse_id()` applies the same rule to ids read from a query string or a form.
* `link_args()` gives a list's links the request's query arguments without the names
  `url_for` takes as its own (`endpoint`, `_scheme`, `_method`...): an unexpected
  `?endpoint=x` or `?_scheme=x` on a paginated page raised a TypeError/ValueError.
* A file sent in a text field of a form is ignored: WTForms text fields only see text, file
  fields only see files (Flask-WTF would hand the file object to `.strip()` or `len()`).
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# Every id column is an INTEGER: 32 bits on PostgreSQL (a larger value is a DataError, a
# 500), 64 on SQLite. An id beyond it cannot exist: parse it as none at all.
MAX_ID = 2**31 - 1
_ASCII_ID = re.compile(r"[0-9]{1,10}")
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class HostileInput(BadRequest):
    """A request carrying characters no form or link of ours can produce."""


def parse_id(raw) -> int | None:
    """A row id written in ASCII digits that fits the database's integer, else None.
    Python's int() alone accepts "١٢٣", "１２", " 7 ", "1_0" and numbers beyond 2^31."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not _ASCII_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>`, ASCII digits only, at most MAX_ID: anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def link_args(**overrides) -> dict:
    """This request's query arguments, to link to another page of the same list:
    `url_for(endpoint, **link_args(page=2))`. Leaves out what url_for would read as its own
    options or as URL arguments."""
    skip = {"endpoint", "kelurahan_slug", *(request.view_args or {})}
    args = {k: v for k, v in request.args.items() if not k.startswith("_") and k not in skip}
    args.update(overrides)
    return args


def _bad(text: str | None) -> bool:
    return bool(text) and _FORBIDDEN.search(text) is not None


def hostile_request() -> bool:
    """True when the path, query string or form carries a NUL byte or a lone surrogate."""
    if _bad(request.path):
        return True
    for key, value in request.args.items(multi=True):
        if _bad(key) or _bad(value):
            return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            if _bad(key) or _bad(value):
                return True
        for key, upload in request.files.items(multi=True):
            if _bad(key) or _bad(upload.filename):
                return True
    return False


def _refuse_hostile_input(endpoint, values) -> None:
    """Registered as the first url_value_preprocessor: runs before the kelurahan is looked
    up and before any before_request function, view or plugin hook."""
    if hostile_request():
        raise HostileInput()


def _render_hostile(exc: HostileInput):
    from .errors import _render

    return _render(400, _l("Permintaan berisi karakter yang tidak diizinkan."))


def _text_fields_see_text_only() -> None:
    """Flask-WTF puts request.files before request.form: a file posted under a text field's
    name reached `.strip()`/`len()` as a FileStorage. Give each field only its own kind."""
    from flask_wtf import FlaskForm
    from flask_wtf.form import _Auto, _is_submitted
    from werkzeug.datastructures import CombinedMultiDict, MultiDict
    from wtforms.fields import FileField

    meta = FlaskForm.Meta
    if getattr(meta.wrap_formdata, "kp_text_only", False):
        return
    original = meta.wrap_formdata

    def wrap_formdata(self, form, formdata):
        if formdata is _Auto and _is_submitted() and request.files:
            wanted = {f.name for f in form if isinstance(f, FileField)}
            files = MultiDict((k, v) for k, v in request.files.items(multi=True) if k in wanted)
            return CombinedMultiDict((files, request.form))
        return original(self, form, formdata)

    wrap_formdata.kp_text_only = True
    meta.wrap_formdata = wrap_formdata


def init_app(app: Flask) -> None:
    """Before any blueprint is registered (rules bind their converters when added)."""
    app.url_map.converters["int"] = IdConverter
    app.url_value_preprocessors.setdefault(None, []).insert(0, _refuse_hostile_input)
    app.register_error_handler(HostileInput, _render_hostile)
    app.add_template_global(link_args)
    _text_fields_see_text_only()
