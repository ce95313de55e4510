"""Bad input never answers 5xx: hostile values in every route's URL arguments, query string
and form fields, as every role, on SQLite and on PostgreSQL.

The generated part walks `app.url_map` (a new route is covered the day it is added):

* GET routes: every hostile value in the common query parameter names plus those the page
  was seen reading (`request.args`/`request.values`), all at once, then name by name;
* POST routes: the fields of the route's own <form> (found while crawling the GET pages,
  completed with tests/test_routes_generated.POST_DATA) with a valid CSRF token, every
  field hostile at once, then one field at a time inside an otherwise plausible form, then
  a file sent in every text field (multipart);
* URL arguments: Unicode digits, 20-digit ids, NUL bytes and very long strings;
* every role (visitor, resident, petugas, kelurahan admin, city admin, a shop's group
  leader) on every route with a few values.

Each database gets one world (tests/test_routes_generated.make_world), built once per module:
the point is volume, not isolation. Values containing NUL must never reach the database.
The focused regression tests at the end name each root cause that was fixed.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.wrappers import Request

from app import tenancy
from app.extensions import db as _db
from app.extensions import limiter
from tests.conftest import (
    _backends,
    _reset,
    fresh_database,
    make_app,
    make_group,
    make_user,
)
from tests.test_routes_generated import (
    EXEMPT_CREDENTIALS,
    POST_DATA,
    SLUG,
    Raised,
    UnknownArgument,
    _plant_umkm,
    arguments,
    blueprint_of,
    make_world,
    own_values,
    path,
    query_scope,
)

SECRET = "test-secret"
CSRF_RAW = "c" * 40
LONG = "x" * 10_000
SURROGATE = "\ud800"  # sent percent-encoded (surrogatepass): %ED%A0%80

HOSTILE = [
    "\x00",
    LONG,
    "١٢٣",  # Arabic-Indic digits: int() accepts them
    "",
    " ",
    "a\x00b",
    "\r\n",
    "%00",
    "１２",  # full-width digits
    "9" * 20,  # beyond a 64-bit integer
    "-1",
    "1e309",
    "nan",
    "inf",
    "0x10",
    "2026-13-45",
    "9999-12-31T99:99",
    "10000-01-01",
    "0000-01-01",
    "9999-12-31",
    "-999,-999,999,999",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    SURROGATE,
]
# A page that read no query parameter after this many of them gets no more.
QUIET_AFTER = 3
# For the name-by-name and field-by-field passes: the values that reach parsing code
# (the full list above is sent in every name/field at once).
PARSED = ["", "١٢٣", "9" * 20, "-1", "1e309", "9999-12-31"]
# For the field-by-field pass, inside an otherwise plausible form (plus a list and a file).
FIELD_VALUES = ["١٢٣", "9" * 20, "nan", "9999-12-31"]
# For every other role on every route, one request each (alternating by route).
FEW = ["١٢٣", "9" * 20]

COMMON_PARAMS = [
    "page",
    "q",
    "status",
    "kategori",
    "category",
    "sort",
    "bbox",
    "lat",
    "lng",
    "long",
    "zoom",
    "next",
    "kelurahan",
    "id",
    "limit",
    "offset",
    "start_date",
    "end_date",
    "service_code",
    "service_request_id",
    "page_size",
    "format",
    "period",
    "age",
    "stock",
    "min",
    "max",
    "jenis",
    "only",
    "group",
    "product",
    "jurisdiction_id",
]

# URL argument values: (int converter, any other).
INT_ARGS = ["١٢٣", "9" * 20, "9223372036854775808"]
STRING_ARGS = ["a%00b", "9" * 20, "١٢٣", "x" * 2000]

ROLES = ["anonymous", "resident", "petugas", "admin", "city_admin", "seller"]
PRIMARY = "admin"  # kauman's admin also leads kauman's UMKM group (seller pages)


# -- discovery of the query parameters a page reads -----------------------------------------


_read_names: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """request.args / request.form that remember which names the code asked for."""

    def __getitem__(self, key):
        _read_names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _read_names.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - MultiDict's signature
        _read_names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _read_names.add(key)
        return super().getlist(key, type)


def recording_request_class(base: type[Request]) -> type[Request]:
    return type("RecordingRequest", (base,), {"parameter_storage_class": RecordingArgs})


# -- forms on the pages ------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    files: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self.current = Form(urlsplit(action).path, (a.get("method") or "get").upper())
            self.forms.append(self.current)
            return
        form, name = self.current, a.get("name")
        if form is None or not name:
            if tag == "option" and form is not None and self.select:
                self._option(a)
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self.select = name
            form.fields.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            form.fields[name] = ""

    def _option(self, a):
        value = a.get("value", "")
        if "selected" in a or not self.current.fields.get(self.select):
            self.current.fields[self.select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current.fields[self.textarea] += data


def forms_of(page_url: str, html: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


# -- the world, once per database -------------------------------------------------------------


@dataclass
class Hostile:
    app: object
    client: object
    world: object
    users: dict
    forms: dict[str, Form]  # by action path (POST forms only)
    nul_statements: list[str]
    extra_query: dict[str, dict]  # endpoint -> base query (Open311's jurisdiction_id)
    signed_in: str | None = None


def _crawl(h: Hostile) -> None:
    """GET every page (as kauman's admin) and remember the POST forms on them."""
    sign_in(h, PRIMARY)
    for rule in get_rules(h.app):
        try:
            url = path(rule, own_values(h.world, h.world.own, rule))
        except UnknownArgument:
            continue
        response = fetch(h, url, query_string=h.extra_query.get(rule.endpoint, {}))
        if "html" not in (response.headers.get("Content-Type") or ""):
            continue
        for form in forms_of(url, response.get_data(as_text=True)):
            if form.method == "POST":
                known = h.forms.setdefault(form.action, form)
                if known is not form:
                    known.fields.update(form.fields)
                    known.files |= form.files


@pytest.fixture(scope="module", params=_backends())
def hostile(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with fresh_database(request.param, tmp, "kp_hostile") as url:
        app = make_app(url, tmp, WTF_CSRF_ENABLED=True)
        app.request_class = recording_request_class(app.request_class)
        with app.app_context():
            _reset(app)
            nul_statements: list[str] = []

            def watch(conn, cursor, statement, parameters, context, executemany):
                if "\x00" in repr(parameters) or "\\x00" in repr(parameters):
                    nul_statements.append(statement)

            event.listen(_db.engine, "before_cursor_execute", watch)
            with tenancy.all_kelurahan():
                world = make_world(app, _db)
                seller = make_user("warga", "kauman", name="Penjual Kauman")
                group = make_group("kauman", leader=seller, name="Kelompok Penjual")
                _plant_umkm(app, _db, "kauman", group, "Rahasia Penjual")
                users = {
                    "anonymous": None,
                    "resident": world.own.resident,
                    "petugas": make_user("petugas", "kauman"),
                    "admin": world.own.admin,
                    "city_admin": world.city_admin,
                    "seller": seller,
                }
                extra_query = {
                    rule.endpoint: query_scope(rule, world.own.slug)
                    for rule in app.url_map.iter_rules()
                    if query_scope(rule, world.own.slug)
                }
                h = Hostile(app, app.test_client(), world, users, {}, nul_statements, extra_query)
                # Each hostile request must reach its view, not a rate limit. The limiter is
                # one object for every app of the process: switched back on afterwards.
                was_enabled, limiter.enabled = limiter.enabled, False
                try:
                    _crawl(h)
                    yield h
                finally:
                    limiter.enabled = was_enabled
            event.remove(_db.engine, "before_cursor_execute", watch)
            _db.session.remove()
            _db.engine.dispose()


# -- requests ----------------------------------------------------------------------------------


def sign_in(h: Hostile, role: str, *, again: bool = False) -> None:
    """Sign `role` in (with a known CSRF secret), unless already done and nothing since
    could have changed the session (`again`: a POST of the account pages)."""
    if h.signed_in == role and not again:
        return
    h.signed_in = role
    user = h.users[role]
    with h.client.session_transaction() as session:
        session.pop("_user_id", None)
        if user is not None:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        session["csrf_token"] = CSRF_RAW


def csrf_token() -> str:
    return URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(CSRF_RAW)


def encode(pairs) -> str:
    return urlencode(list(pairs), encoding="utf-8", errors="surrogatepass")


def fetch(h: Hostile, url: str, method: str = "GET", **kwargs):
    try:
        return h.client.open(url, method=method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported with the request that raised it
        _db.session.rollback()
        return Raised(exc)


def get_rules(app):
    return [
        r
        for r in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        if "GET" in r.methods
    ]


def shown(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:30] + f"…({len(value)} chars)"


class Failures(list):
    def check(self, h: Hostile, what: str, response) -> None:
        status = response.status_code
        if not isinstance(status, int) or status >= 500:
            body = response.get_data(as_text=True)[:200] if isinstance(status, int) else ""
            self.append(f"{what[:300]} → {status} {body}".strip())
        if h.nul_statements:
            self.append(f"{what} sent a NUL byte to the database: {h.nul_statements[0][:120]}")
            h.nul_statements.clear()

    def verdict(self) -> str:
        return f"{len(self)} request(s) failed:\n  " + "\n  ".join(self[:40])


def rule_id(rule) -> str:
    return f"{rule.endpoint}:{rule.rule}:{'+'.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))}"


def _collection_rules():
    """The app's routes at collection time (building an app touches no database)."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/collect.db", Path(folder))
        return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


RULES = _collection_rules()
GET_IDS = [rule_id(r) for r in RULES if "GET" in r.methods]
POST_IDS = [rule_id(r) for r in RULES if "POST" in r.methods]


def rule_by_id(app, wanted: str):
    for rule in app.url_map.iter_rules():
        if rule_id(rule) == wanted:
            return rule
    raise LookupError(wanted)


def base_values(h: Hostile, rule) -> dict:
    return own_values(h.world, h.world.own, rule)


def hostile_urls(h: Hostile, rule) -> list[str]:
    """The rule's URL with one argument (other than the kelurahan slug) made hostile."""
    values = base_values(h, rule)
    urls = []
    for name, converter in arguments(rule).items():
        if name == SLUG:
            urls.append(path(rule, {**values, name: "kau%00man"}).replace("%25", "%"))
            continue
        for bad in INT_ARGS if converter == "int" else STRING_ARGS:
            if converter == "int":
                urls.append(path(rule, {**values, name: bad}))
            else:
                urls.append(path(rule, {**values, name: bad}).replace("%25", "%"))
    return urls


# -- GET: query strings --------------------------------------------------------------------------


def probe_get(h: Hostile, rule, role: str, values: list[str], failures: Failures, *, deep: bool):
    sign_in(h, role)
    url = path(rule, base_values(h, rule))
    base = h.extra_query.get(rule.endpoint, {})
    _read_names.clear()
    if deep:
        failures.check(h, f"GET {url}", fetch(h, url, query_string=encode(base.items())))
    names = set(COMMON_PARAMS)
    for n, value in enumerate(values):
        if deep and n == QUIET_AFTER and not _read_names - {"csrf_token"}:
            break  # the page reads no query parameter: the other values change nothing
        query = [*base.items(), *((k, value) for k in sorted(names) if k not in base)]
        failures.check(
            h, f"GET {url} (all names={shown(value)})", fetch(h, url, query_string=encode(query))
        )
    if not deep:
        return
    names = sorted(_read_names | set(base))
    _read_names.clear()
    for name in names:
        for value in PARSED:
            query = [*((k, v) for k, v in base.items() if k != name), (name, value)]
            failures.check(
                h, f"GET {url}?{name}={shown(value)}", fetch(h, url, query_string=encode(query))
            )
        twice = [*((k, v) for k, v in base.items() if k != name), (name, "1"), (name, "２")]
        failures.check(h, f"GET {url}?{name} twice", fetch(h, url, query_string=encode(twice)))
    for bad_url in hostile_urls(h, rule):
        failures.check(h, f"GET {bad_url}", fetch(h, bad_url, query_string=encode(base.items())))


@pytest.mark.parametrize("route", GET_IDS)
def test_get_route_survives_hostile_query_strings(hostile, route):
    rule = rule_by_id(hostile.app, route)
    failures = Failures()
    probe_get(hostile, rule, PRIMARY, HOSTILE, failures, deep=True)
    assert not failures, failures.verdict()


# -- POST: forms -------------------------------------------------------------------------------


def plausible_form(h: Hostile, rule, url: str) -> tuple[dict[str, str], set[str]]:
    """What a real submission of this route sends: its form's fields (defaults) completed
    with POST_DATA and, for the API, its credentials and jurisdiction."""
    form = h.forms.get(urlsplit(url).path)
    fields = dict(form.fields) if form else {}
    fields.update(POST_DATA.get(rule.endpoint, lambda w: {})(h.world))
    fields.update(EXEMPT_CREDENTIALS.get(rule.endpoint, lambda p: {})(h.world.own))
    fields.update(h.extra_query.get(rule.endpoint, {}))
    fields.pop("csrf_token", None)
    return fields, set(form.files) if form else set()


def post(h: Hostile, url: str, pairs, files: dict | None = None):
    pairs = [("csrf_token", csrf_token()), *pairs]
    if files:
        data: dict = {}
        for k, v in pairs:
            data.setdefault(k, []).append(v)
        data.update(files)
        return fetch(h, url, "POST", data=data, content_type="multipart/form-data")
    return fetch(
        h,
        url,
        "POST",
        data=encode(pairs),
        content_type="application/x-www-form-urlencoded",
    )


def text_file() -> FileStorage:
    return FileStorage(io.BytesIO(b"bukan teks biasa"), filename="x.txt", content_type="text/plain")


def probe_post(h: Hostile, rule, role: str, values: list[str], failures: Failures, *, deep: bool):
    again = rule.endpoint.startswith("account.")  # may sign out or rotate the session
    sign_in(h, role, again=again)
    url = path(rule, base_values(h, rule))
    fields, file_fields = plausible_form(h, rule, url)
    names = sorted(fields) or ["x"]
    _read_names.clear()
    for n, value in enumerate(values):
        if deep and n == QUIET_AFTER and not _read_names - {"csrf_token"}:
            break  # the route reads no form field: the other values change nothing
        sign_in(h, role, again=again)
        pairs = [(n, value) for n in names]
        failures.check(h, f"POST {url} (all fields={shown(value)})", post(h, url, pairs))
    if not deep:
        return
    for name in names:
        for value in FIELD_VALUES:
            sign_in(h, role, again=again)
            pairs = [*((k, v) for k, v in fields.items() if k != name), (name, value)]
            failures.check(h, f"POST {url} {name}={shown(value)}", post(h, url, pairs))
        sign_in(h, role, again=again)
        twice = [*((k, v) for k, v in fields.items() if k != name), (name, "1"), (name, "２")]
        failures.check(h, f"POST {url} {name} twice", post(h, url, twice))
        sign_in(h, role, again=again)
        others = [(k, v) for k, v in fields.items() if k != name]
        failures.check(h, f"POST {url} file in {name}", post(h, url, others, {name: text_file()}))
    for name in file_fields:  # text where a file belongs
        sign_in(h, role, again=again)
        failures.check(
            h, f"POST {url} text in file {name}", post(h, url, [*fields.items(), (name, "teks")])
        )
    for bad_url in hostile_urls(h, rule):
        sign_in(h, role, again=again)
        failures.check(h, f"POST {bad_url}", post(h, bad_url, list(fields.items())))


@pytest.mark.parametrize("route", POST_IDS)
def test_post_route_survives_hostile_forms(hostile, route):
    rule = rule_by_id(hostile.app, route)
    failures = Failures()
    probe_post(hostile, rule, PRIMARY, HOSTILE, failures, deep=True)
    assert not failures, failures.verdict()


# -- every role ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != PRIMARY])
def test_every_role_survives_hostile_input_on_every_route(hostile, role):
    failures = Failures()
    rules = sorted(hostile.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for n, rule in enumerate(rules):
        try:
            base_values(hostile, rule)
        except UnknownArgument:
            continue
        value = [FEW[n % len(FEW)]]
        if "GET" in rule.methods:
            probe_get(hostile, rule, role, value, failures, deep=False)
        if "POST" in rule.methods:
            probe_post(hostile, rule, role, value, failures, deep=False)
    assert not failures, failures.verdict()


def test_every_route_was_probed(hostile):
    """Every route's URL can be built (a new URL argument needs a value in
    tests/test_routes_generated.py) and every create form was found for the POST pass."""
    missing = []
    for rule in hostile.app.url_map.iter_rules():
        try:
            base_values(hostile, rule)
        except UnknownArgument as exc:
            missing.append(str(exc))
    assert not missing
    found = {blueprint_of(r) for r in hostile.app.url_map.iter_rules()}
    assert {"reports", "umkm", "open311", "groups"} <= found
    assert any(p.endswith("/laporan/baru") for p in hostile.forms)
    assert any(p.endswith("/produk/baru") for p in hostile.forms)


# -- focused regressions: one per root cause fixed -----------------------------------------------


def _status(response) -> int:
    return response.status_code


def test_nul_bytes_are_refused_before_the_database(client, login_as, app):
    """PostgreSQL refuses NUL in text (a 500), SQLite would store it: 400 at the door."""
    from tests.conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    login_as("warga", "kauman")
    seen: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "\\x00" in repr(parameters):
            seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", watch)
    try:
        search = client.get("/k/kauman/cari", query_string={"q": "batik\x00"})
        form = client.post(
            "/k/kauman/kelompok/baru", data={"name": "Kelompok\x00Jahat", "kind": "umkm"}
        )
        in_path = client.get("/k/kau%00man/")
        in_name = client.post("/k/kauman/kelompok/baru", data={"na\x00me": "x", "kind": "umkm"})
    finally:
        event.remove(_db.engine, "before_cursor_execute", watch)
    for response in (search, form, in_path, in_name):
        assert response.status_code == 400
        assert "karakter yang tidak diizinkan" in response.get_data(as_text=True)
    assert seen == []


def test_lone_surrogates_never_reach_a_view(app):
    """Werkzeug decodes invalid UTF-8 with replacement characters; the guard refuses a lone
    surrogate should one arrive anyway (it cannot be stored or encoded)."""
    from app.input_guard import hostile_request

    with app.test_request_context("/cari?q=%ED%A0%80"):
        assert not hostile_request()
    with app.test_request_context("/cari", method="POST", data={"q": "ok"}):
        from flask import request

        request.form = ImmutableMultiDict({"q": "a\ud800"})
        assert hostile_request()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("42", 42),
        ("0", 0),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("1000000000000", None),
        ("9223372036854775808", None),
        ("9" * 20, None),
        ("١٢٣", None),
        ("１２", None),
        (" 7", None),
        ("1_0", None),
        ("-1", None),
        ("", None),
        (None, None),
        (7, 7),
        (True, None),
    ],
)
def test_parse_id_takes_ascii_digits_within_an_integer_column(raw, expected):
    from app.input_guard import parse_id

    assert parse_id(raw) == expected


def test_ids_in_urls_are_ascii_digits_within_an_integer_column(client, login_as, app, factory):
    """int() accepts "١٢٣" and Werkzeug's \\d matches it; 2^31 overflows PostgreSQL's
    INTEGER (a DataError) and 20 digits SQLite's (OverflowError): 404, never 500."""
    from tests.conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "umkm", "kauman")
    login_as("admin", "kauman")
    group = factory.group("kauman")
    assert client.get(f"/k/kauman/kelompok/{group.id}").status_code == 200
    for bad in ("١", "１", "9" * 20, str(2**63), str(2**31), "1000000000000"):
        for url in (
            f"/k/kauman/kelompok/{bad}",
            f"/k/kauman/laporan/{bad}",
            f"/k/kauman/umkm/produk/{bad}",
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/k/kauman/laporan/{bad}/ikuti").status_code == 404
        assert client.post(f"/k/kauman/umkm/toko/{bad}/tutup").status_code == 404


def test_a_file_sent_in_a_text_field_is_not_read_as_text(client, login_as, app):
    """Flask-WTF gave the FileStorage to the text field (len()/strip() of a file: a 500):
    text fields now see only text, so the form comes back asking for the field."""
    from tests.conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    login_as("warga", "kauman")
    data = {
        "category": "Jalan rusak",
        "title": (io.BytesIO(b"bukan judul"), "judul.txt"),
        "description": (io.BytesIO(b"bukan keterangan"), "x.txt"),
        "lat": (io.BytesIO(b"-6.88"), "lat.txt"),
        "lng": "109.6728",
    }
    response = client.post("/k/kauman/laporan/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Wajib diisi" in response.get_data(as_text=True)


def test_a_form_missing_its_coordinates_keeps_the_saved_ones(client, login_as):
    """The identity form is built from the kelurahan: a lat/lng left out of the POST kept
    the saved float, and `.strip()` of a float was a 500."""
    login_as("admin", "kauman")
    response = client.post("/k/kauman/admin/identitas", data={"address": "Jl. Hayam Wuruk 1"})
    assert response.status_code < 500


def test_unexpected_query_parameters_on_paginated_pages(client, app, factory):
    """`?endpoint=` collided with url_for's own argument and `?_scheme=` made it raise: the
    links of a list now leave such names out."""
    from plugins.reports.models import Report
    from plugins.umkm.models import Product, Shop
    from tests.conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "umkm", "kauman")
    home = factory.kelurahan("kauman")
    resident = factory.user("warga", "kauman")
    group = factory.group("kauman")
    shop = Shop(
        kelurahan_id=home.id,
        group_id=group.id,
        name="Batik Sekar",
        whatsapp="+6281234567890",
        address="Jl. Kauman 1",
        lat=-6.8899,
        lng=109.6728,
        status="approved",
    )
    _db.session.add(shop)
    for n in range(25):
        _db.session.add(
            Report(
                kelurahan_id=home.id,
                reporter_id=resident.id,
                category="Sampah",
                title=f"Sampah menumpuk {n}",
                description="Tiga hari tidak diangkut.",
                lat=-6.8899,
                lng=109.6728,
                status="baru",
                source="web",
            )
        )
        _db.session.add(
            Product(
                kelurahan_id=home.id,
                shop=shop,
                name=f"Kain batik {n}",
                category="Batik tulis",
                price=100_000,
                unit="lembar",
            )
        )
    _db.session.commit()
    for query in ({"endpoint": "x"}, {"_scheme": "javascript"}, {"_method": "DELETE"}):
        for url in ("/k/kauman/laporan/", "/k/kauman/umkm/", "/umkm/"):
            response = client.get(url, query_string={**query, "page": "1"})
            assert response.status_code == 200, (url, query, response.status_code)
            assert "javascript" not in response.get_data(as_text=True).split("page=2")[0][-300:]


def test_line_breaks_in_next_never_answer_5xx(client):
    """safe_next's handling of line breaks is the accounts work; here: never a 500."""
    for target in ("/\r\n/evil.example", "%0d%0aSet-Cookie:x=1", "\n//evil.example"):
        assert client.get("/masuk", query_string={"next": target}).status_code < 500


def test_open311_refuses_out_of_range_dates_and_ids(client, app):
    """A 90-day window around 9999-12-31 overflowed; 20-digit and Unicode-digit ids passed
    isdigit() and overflowed the database: 400/404 in the Open311 error format."""
    import json

    from tests.conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    base = {"jurisdiction_id": "kauman"}
    for query in (
        {"end_date": "9999-12-31"},
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-01"},
        {"start_date": "0000-01-01"},
        {"start_date": "10000-01-01"},
        {"start_date": "٢٠٢٦-٠١-٠١"},
        {"service_request_id": "9" * 20},
        {"service_request_id": "١٢٣"},
    ):
        response = client.get("/open311/v2/requests.json", query_string={**base, **query})
        assert response.status_code == 400, (query, response.status_code)
        errors = json.loads(response.get_data(as_text=True))
        assert errors[0]["code"] == 400 and errors[0]["description"]
    for bad in ("9" * 20, "١٢٣"):
        response = client.get(f"/open311/v2/requests/{bad}.json", query_string=base)
        assert response.status_code == 404
        assert json.loads(response.get_data(as_text=True))[0]["code"] == 404


def test_a_media_path_too_long_for_the_file_system_is_404(client):
    assert client.get("/media/" + "x" * 5000 + ".jpg").status_code == 404
