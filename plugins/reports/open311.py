"""Open311 GeoReport v2 at /open311/v2/, jurisdiction_id = the kelurahan slug.

One city-wide endpoint serves every kelurahan where the reports plugin is switched on, so
`jurisdiction_id` is required on every call except discovery. Each call takes its format as
an extension (`.json` or `.xml`); the XML mirrors the JSON through the Spark convention of the
specification (a list becomes repeated child elements, null an empty element).

* GET  discovery.{fmt}
* GET  services.{fmt}                 the kelurahan's categories; service_code = their slug
* GET  services/{service_code}.{fmt}  a service definition (no extra attributes)
* GET  requests.{fmt}                 service_request_id | service_code, start_date, end_date,
                                      status; 90 days and 1000 requests at most
* POST requests.{fmt}                 with an api_key of that kelurahan (CSRF-exempt API)
* GET  requests/{id}.{fmt}
* GET  tokens/{token}.{fmt}

Never in any answer: a reporter's name, e-mail or phone, or a hidden (moderated) report.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from app.kit import (
    WIB,
    Kelurahan,
    apikeys,
    csrf,
    db,
    emit,
    find_active_key,
    host,
    in_bounds,
    limiter,
    parse_id,
    public_url,
    scoped_to,
    slugify,
    user_key,
    utcnow,
)

from .blueprint import open311_bp
from .geocoding import geocode
from .models import CLOSED, WRITE_SCOPE, Report, ReportPhoto, ReportUpdate, Status
from .queries import categories, public_reports

PLUGIN_ID = "reports"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
WINDOW = timedelta(days=90)  # the most a start_date/end_date range may span, and the default
MAX_REQUESTS = 1000  # the most requests one GET requests answers
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_IDS = MAX_REQUESTS
GROUP = "Smart Society"
POST_LIMIT = "60 per hour"  # per api_key; KP_OPEN311_POST_LIMIT overrides it
DEFAULT_CHANGESET = "2026-01-01T00:00:00+07:00"

# The element name of one item of each list, for XML (Spark convention).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all; dropped from text on the way out.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A W3C (ISO 8601 profile) date or datetime; a time must carry its zone (Z or ±hh:mm).
W3C_DATETIME = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?$",
    re.ASCII,  # \d alone also matches Arabic-Indic and full-width digits
)
# Dates outside these years are refused: a 90-day window around 9999-12-31 overflows.
YEARS = range(1900, 3000)


class Open311Error(Exception):
    """An answer in the specification's error format: a list of {code, description}."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(status, *descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


# -- formats ---------------------------------------------------------------------------------


@open311_bp.url_value_preprocessor
def _pull_format(endpoint, values):
    fmt = (values or {}).pop("ext", None)
    g.open311_format = fmt if fmt in CONTENT_TYPES else "json"
    if fmt is not None and fmt not in CONTENT_TYPES:
        raise Open311Error(404, _("Format %(fmt)s tidak dikenal: pakai .json atau .xml.", fmt=fmt))


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        tag = ITEM_TAGS[element.tag]
        for item in value:
            _xml_fill(ET.SubElement(element, tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = XML_INVALID.sub("", str(value))


def to_xml(root_tag: str, data) -> str:
    root = ET.Element(root_tag)
    _xml_fill(root, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def respond(root_tag: str, data, status: int = 200) -> Response:
    """`data` as JSON, or as XML under `root_tag`, in the format the URL asked for."""
    fmt = g.get("open311_format", "json")
    body = to_xml(root_tag, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False)
    return Response(body.encode("utf-8"), status, content_type=CONTENT_TYPES[fmt])


def error_response(status: int, descriptions) -> Response:
    return respond("errors", [{"code": status, "description": d} for d in descriptions], status)


@open311_bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return error_response(exc.status, exc.descriptions)


def _http_message(code: int) -> str:
    messages = {
        400: _("Permintaan tidak dapat diproses."),
        403: _("Akses ditolak."),
        404: _("Sumber tidak ditemukan."),
        405: _("Metode tidak diizinkan."),
        413: _("Permintaan terlalu besar."),
        429: _("Terlalu banyak permintaan dengan api_key ini. Coba lagi nanti."),
    }
    return messages.get(code, _("Terjadi kesalahan pada server."))


def _http_error(exc: HTTPException):
    code = exc.code or 500
    return error_response(code, [_http_message(code)])


# Flask looks handlers up by status code before by class, app-wide included: registering the
# codes the app has handlers for keeps every answer of this blueprint in the Open311 format.
open311_bp.register_error_handler(HTTPException, _http_error)
for _code in (400, 403, 404, 405, 413, 429, 500):
    open311_bp.register_error_handler(_code, _http_error)


@open311_bp.after_request
def _public_reads(response):
    """Reads are public data: any web app may fetch them (CORS)."""
    if request.method == "GET":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- arguments ---------------------------------------------------------------------------------


def _arg(name: str) -> str:
    return (request.values.get(name) or "").strip()


def jurisdiction() -> Kelurahan:
    """The kelurahan named by jurisdiction_id (required: this endpoint serves them all),
    made the current one; 404 where the reports plugin is switched off. The caller runs
    its queries inside `scoped_to(kelurahan.id)`."""
    slug = _arg("jurisdiction_id").lower()
    if not slug:
        raise Open311Error(400, _("jurisdiction_id wajib diisi: slug kelurahan, misalnya kauman."))
    kelurahan = host().kelurahan_by_slug(slug)
    if kelurahan is None or not host().is_enabled(kelurahan, PLUGIN_ID):
        raise Open311Error(
            404,
            _("jurisdiction_id %(slug)s tidak ditemukan atau tidak melayani laporan.", slug=slug),
        )
    g.kelurahan = kelurahan  # settings, url_for of kelurahan pages and events read it
    return kelurahan


def for_jurisdiction(view):
    """The view answers for the kelurahan of jurisdiction_id (its first argument), inside
    that kelurahan's tenant scope."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        kelurahan = jurisdiction()
        with scoped_to(kelurahan.id):
            return view(kelurahan, *args, **kwargs)

    return wrapped


def parse_w3c(raw: str, *, end: bool = False) -> datetime | None:
    """A W3C datetime (timezone required when a time is given) as an aware datetime, or None
    when malformed. A bare date (or month, or year) is taken in WIB, and as an end of range
    it covers that whole day (month, year)."""
    # An unescaped "+" in a query string arrives as a space: "…T08:00:00 07:00".
    match = W3C_DATETIME.match(raw.strip().replace(" ", "+"))
    if not match:
        return None
    parts = match.groupdict()
    try:
        year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
        if year not in YEARS:
            return None
        if parts["hour"] is None:
            start = datetime(year, month, day, tzinfo=WIB)
            if not end:
                return start
            if parts["day"]:
                following = start + timedelta(days=1)
            elif parts["month"]:
                following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=WIB)
            else:
                following = datetime(year + 1, 1, 1, tzinfo=WIB)
            return following - timedelta(microseconds=1)
        text = match.group(0).replace("Z", "+00:00")
        return datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None


def w3c(dt: datetime | None) -> str | None:
    """2026-11-28T22:05:00+07:00: W3C datetime with the WIB offset."""
    if dt is None:
        return None
    return dt.astimezone(WIB).isoformat(timespec="seconds")


# -- services ----------------------------------------------------------------------------------


def slug(name: str) -> str:
    """A category's service_code; a name with no letters or digits gets a stable one."""
    fallback = "layanan-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]  # noqa: S324
    return slugify(name, fallback)


def service_codes(kelurahan, extra=()) -> dict[str, str]:
    """category name → service_code, unique within the kelurahan. The current categories come
    first, so their codes stay the plain slug; `extra` are names only old reports still use."""
    codes: dict[str, str] = {}
    used: set[str] = set()
    for name in [*categories(kelurahan), *sorted(extra)]:
        if name in codes:
            continue
        base = code = slug(name)
        n = 2
        while code in used:
            code, n = f"{base}-{n}", n + 1
        codes[name] = code
        used.add(code)
    return codes


def all_service_codes(kelurahan) -> dict[str, str]:
    """As service_codes, including categories that only reports still carry."""
    used = db.session.execute(select(Report.category).distinct()).scalars().all()
    return service_codes(kelurahan, extra=[c for c in used if c not in categories(kelurahan)])


def service(kelurahan, name: str, code: str) -> dict:
    words = [w for w in re.split(r"[^\w]+", name.lower()) if len(w) > 2]
    return {
        "service_code": code,
        "service_name": name,
        "description": _(
            "Laporan warga kategori %(category)s di Kelurahan %(name)s, Kota Pekalongan.",
            category=name,
            name=kelurahan.name,
        ),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([*words, "laporan warga"])),
        "group": GROUP,
    }


# -- service requests --------------------------------------------------------------------------


def _description(report: Report) -> str:
    """The report's title and description as one text (Open311 has no title)."""
    text = report.description or ""
    title = (report.title or "").rstrip("…").strip()
    if title and not text.startswith(title):
        text = f"{report.title}\n\n{text}".strip()
    return text[:MAX_DESCRIPTION]


def _address(report: Report, kelurahan) -> str:
    """Most specific to most general, as the specification asks."""
    parts = [
        report.address,
        _("Kelurahan %(name)s", name=kelurahan.name),
        _("Kecamatan %(name)s", name=kelurahan.kecamatan_name),
        "Kota Pekalongan",
    ]
    return ", ".join(p for p in parts if p)


def _service_notice(report: Report, kelurahan) -> str:
    url = public_url("reports.show", kelurahan_slug=kelurahan.slug, report_id=report.id)
    return _(
        "Ditangani petugas Kelurahan %(name)s. Perkembangannya tampil di %(url)s",
        name=kelurahan.name,
        url=url,
    )


def status_notes(report_ids) -> dict[int, str]:
    """The latest non-empty public note of each report (one query)."""
    if not report_ids:
        return {}
    latest = (
        select(func.max(ReportUpdate.id))
        .where(ReportUpdate.report_id.in_(report_ids), ReportUpdate.note != "")
        .group_by(ReportUpdate.report_id)
    )
    rows = db.session.execute(
        select(ReportUpdate.report_id, ReportUpdate.note).where(ReportUpdate.id.in_(latest))
    ).all()
    return dict(rows)


def service_request(report: Report, kelurahan, codes: dict[str, str], notes: dict) -> dict:
    state = Status(report.status)
    updated = report.closed_at if state.is_closed and report.closed_at else report.updated_at
    photo = report.photos[0] if report.photos else None
    media_url = public_url("media.serve", relpath=photo.media.relpath) if photo else None
    return {
        "service_request_id": report.id,
        "status": state.open311,
        "status_notes": notes.get(report.id) or None,
        "service_name": report.category,
        "service_code": codes.get(report.category) or slug(report.category),
        "description": _description(report),
        "agency_responsible": _("Kelurahan %(name)s", name=kelurahan.name),
        "service_notice": _service_notice(report, kelurahan),
        "requested_datetime": w3c(report.created_at),
        "updated_datetime": w3c(updated or report.created_at),
        "expected_datetime": None,
        "address": _address(report, kelurahan),
        "address_id": None,
        "zipcode": kelurahan.postal_code or None,
        "lat": report.lat,
        "long": report.lng,
        "media_url": media_url,
    }


def service_requests(reports, kelurahan) -> list[dict]:
    codes = all_service_codes(kelurahan)
    notes = status_notes([r.id for r in reports])
    return [service_request(r, kelurahan, codes, notes) for r in reports]


def _with_photos(query):
    return query.options(selectinload(Report.photos).selectinload(ReportPhoto.media))


def _ids(raw: str) -> list[int]:
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        number = parse_id(part)  # ASCII digits within BIGINT: "١٢٣" and 20 digits are refused
        if number is None:
            raise Open311Error(
                400, _("service_request_id harus berupa angka, dipisah koma: %(value)s", value=part)
            )
        ids.append(number)
    if len(ids) > MAX_IDS:
        raise Open311Error(
            400, _("Paling banyak %(n)s service_request_id sekali minta.", n=MAX_IDS)
        )
    return ids


def _date_range() -> tuple[datetime, datetime | None]:
    """The requested_datetime window: at most 90 days, the latest 90 days by default."""
    raw_start, raw_end = _arg("start_date"), _arg("end_date")
    errors = []
    start = end = None
    if raw_start:
        start = parse_w3c(raw_start)
        if start is None:
            errors.append(
                _(
                    "start_date tidak sah: pakai format W3C dengan zona waktu, "
                    "misalnya 2026-01-01T00:00:00+07:00."
                )
            )
    if raw_end:
        end = parse_w3c(raw_end, end=True)
        if end is None:
            errors.append(
                _(
                    "end_date tidak sah: pakai format W3C dengan zona waktu, "
                    "misalnya 2026-01-31T23:59:59+07:00."
                )
            )
    if errors:
        raise Open311Error(400, *errors)
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, _("end_date harus sesudah start_date."))
        if end - start > WINDOW:
            raise Open311Error(400, _("Rentang start_date sampai end_date paling panjang 90 hari."))
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return utcnow() - WINDOW, None


def _statuses() -> set[str]:
    raw = _arg("status")
    wanted = {s.strip().lower() for s in raw.split(",") if s.strip()}
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise Open311Error(
            400,
            _("status tidak dikenal: %(value)s. Pilihan: open, closed.", value=", ".join(unknown)),
        )
    return wanted


# -- discovery ---------------------------------------------------------------------------------


def _changeset() -> str:
    """When service definitions last changed: the latest change to the plugin's settings."""
    latest = host().settings_changed_at(PLUGIN_ID)
    return w3c(latest) if latest else DEFAULT_CHANGESET


def _discovery() -> dict:
    changeset = _changeset()
    production = current_app.config.get("KP_ENV") == "production"
    return {
        "changeset": changeset,
        "contact": _(
            "Pertanyaan tentang API ini: hubungi admin kelurahan yang bersangkutan "
            "melalui kantor kelurahan, atau admin kota Kelurahan Pintar."
        ),
        "key_service": _(
            "api_key diterbitkan oleh admin kelurahan (satu kunci untuk satu kelurahan, "
            "yaitu satu jurisdiction_id). Mintalah ke kantor kelurahan."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": public_url("open311.index").rstrip("/"),
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@open311_bp.get("/")
def index():
    """The root of the endpoint answers with the discovery document (JSON), as the
    Service Discovery specification suggests."""
    return respond("discovery", _discovery())


@open311_bp.get("/discovery.<ext>")
def discovery():
    return respond("discovery", _discovery())


# -- services ----------------------------------------------------------------------------------


@open311_bp.get("/services.<ext>")
@for_jurisdiction
def services(kelurahan):
    codes = service_codes(kelurahan)
    return respond("services", [service(kelurahan, name, code) for name, code in codes.items()])


@open311_bp.get("/services/<service_code>.<ext>")
@for_jurisdiction
def service_definition(kelurahan, service_code: str):
    if service_code not in service_codes(kelurahan).values():
        raise Open311Error(404, _("service_code %(code)s tidak ditemukan.", code=service_code))
    return respond("service_definition", {"service_code": service_code, "attributes": []})


# -- service requests --------------------------------------------------------------------------


@open311_bp.get("/requests.<ext>")
@for_jurisdiction
def requests(kelurahan):
    query = public_reports()
    raw_ids = _arg("service_request_id")
    if raw_ids:  # "This overrides all other arguments."
        query = query.where(Report.id.in_(_ids(raw_ids)))
    else:
        start, end = _date_range()
        statuses = _statuses()
        query = query.where(Report.created_at >= start)
        if end is not None:
            query = query.where(Report.created_at <= end)
        closed = [s.value for s in CLOSED]
        if statuses == {"open"}:
            query = query.where(Report.status.not_in(closed))
        elif statuses == {"closed"}:
            query = query.where(Report.status.in_(closed))
        wanted = {c.strip() for c in _arg("service_code").split(",") if c.strip()}
        if wanted:
            names = [n for n, c in all_service_codes(kelurahan).items() if c in wanted]
            query = query.where(Report.category.in_(names))
    query = query.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_REQUESTS)
    reports = db.session.execute(_with_photos(query)).scalars().all()
    return respond("service_requests", service_requests(reports, kelurahan))


@open311_bp.get("/requests/<service_request_id>.<ext>")
@for_jurisdiction
def request_detail(kelurahan, service_request_id: str):
    report = None
    report_id = parse_id(service_request_id)  # not isdigit(): "١٢٣" and 20 digits pass it
    if report_id is not None:
        report = db.session.execute(
            _with_photos(public_reports().where(Report.id == report_id))
        ).scalar_one_or_none()
    if report is None:
        raise Open311Error(
            404, _("service_request_id %(id)s tidak ditemukan.", id=service_request_id)
        )
    return respond("service_requests", service_requests([report], kelurahan))


@open311_bp.get("/tokens/<token_id>.<ext>")
@for_jurisdiction
def token_lookup(kelurahan, token_id: str):
    report_id = db.session.scalar(
        public_reports().with_only_columns(Report.id).where(Report.token == token_id)
    )
    if report_id is None:
        raise Open311Error(404, _("token %(token)s tidak ditemukan.", token=token_id))
    return respond("service_requests", [{"service_request_id": report_id, "token": token_id}])


def _post_limit() -> str:
    return current_app.config.get("KP_OPEN311_POST_LIMIT", POST_LIMIT)


def _api_key_bucket() -> str:
    """Posting is limited per api_key (by its hash); without one, per address."""
    raw = request.values.get("api_key") or ""
    return f"open311:key:{apikeys.hash_key(raw)}" if raw else user_key("open311")


def title_from(description: str, category: str) -> str:
    """A title for a report sent without one: its first line, cut at a word near 80."""
    first = next((line for line in description.splitlines() if line.strip()), "")
    title = " ".join(first.split())
    if len(title) > 80:
        title = title[:79].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    return title or category


def _location(errors: list[str]) -> tuple[float, float] | None:
    raw_lat, raw_lng = _arg("lat"), _arg("long")
    address = _arg("address_string")
    bounds = current_app.config["KP_BOUNDS"]
    if raw_lat or raw_lng:
        try:
            lat, lng = float(raw_lat), float(raw_lng)
        except ValueError:
            errors.append(_("lat dan long harus keduanya diisi dengan angka (WGS84)."))
            return None
        if not (math.isfinite(lat) and math.isfinite(lng)) or not in_bounds(lat, lng, bounds):
            errors.append(_("Lokasi (lat, long) berada di luar Kota Pekalongan."))
            return None
        return lat, lng
    if address:
        if errors:  # the outside geocoder is asked only for an otherwise valid request
            return None
        found = geocode(address, limit=1)
        if not found:
            errors.append(
                _("address_string tidak ditemukan di peta Kota Pekalongan: kirim lat dan long.")
            )
            return None
        return found[0]["lat"], found[0]["lng"]
    if _arg("address_id"):
        errors.append(_("address_id tidak didukung: kirim lat dan long, atau address_string."))
    else:
        errors.append(_("Lokasi wajib diisi: lat dan long, atau address_string."))
    return None


@csrf.exempt  # an API authenticated by its api_key, not by a browser session
@open311_bp.post("/requests.<ext>")
@limiter.limit(_post_limit, key_func=_api_key_bucket)
def create_request():
    key = find_active_key(request.values.get("api_key"))
    if key is None:
        raise Open311Error(
            403, _("api_key tidak ada, tidak sah, atau sudah dicabut: laporan tidak dibuat.")
        )
    kelurahan = jurisdiction()
    if key.kelurahan_id != kelurahan.id:
        raise Open311Error(
            403,
            _("api_key ini tidak berlaku untuk jurisdiction_id %(slug)s.", slug=kelurahan.slug),
        )
    if not apikeys.allows(key, WRITE_SCOPE):
        raise Open311Error(
            403, _("api_key ini tidak diizinkan mengirim laporan: laporan tidak dibuat.")
        )
    apikeys.touch(key)  # committed with the report
    with scoped_to(kelurahan.id):
        report = _file_request(kelurahan, key)
        filed = {
            "service_request_id": report.id,
            "token": report.token,
            "service_notice": _service_notice(report, kelurahan),
        }
    emit("reports.filed", {"report_id": filed["service_request_id"], "source": "open311"})
    return respond("service_requests", [filed], 201)


def _file_request(kelurahan, key) -> Report:
    """Validate a POSTed service request and save it as a report (committed)."""
    code = _arg("service_code")
    if not code:
        raise Open311Error(400, _("service_code wajib diisi."))
    by_code = {c: name for name, c in service_codes(kelurahan).items()}
    if code not in by_code:
        raise Open311Error(404, _("service_code %(code)s tidak ditemukan.", code=code))
    errors: list[str] = []
    description = (request.values.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description paling banyak 4000 karakter."))
    address = _arg("address_string")
    if len(address) > MAX_ADDRESS:
        errors.append(_("address_string paling banyak 300 karakter."))
    location = _location(errors)  # last: it may call the outside geocoder
    if errors:
        raise Open311Error(400, *errors)
    name = " ".join(p for p in (_arg("first_name"), _arg("last_name")) if p)
    # email, phone, device_id, account_id and media_url are not kept: nothing to leak.
    report = Report(
        kelurahan_id=kelurahan.id,
        category=by_code[code],
        title=title_from(description, by_code[code]),
        description=description,
        lat=location[0],
        lng=location[1],
        address=address or None,
        status=Status.BARU.value,
        reporter_name=name[:120] or None,
        hide_name=False,
        source="open311",
        api_key_id=key.id,
        token=secrets.token_hex(16),
    )
    report.updates.append(
        ReportUpdate(
            kelurahan_id=kelurahan.id, from_status=None, to_status=Status.BARU.value, note=""
        )
    )
    db.session.add(report)
    db.session.commit()
    return report
