"""Open311 GeoReport v2 conformance, written from the specification
(wiki.open311.org/GeoReport_v2 and /Service_Discovery), in both formats.

The endpoint is city-wide at /open311/v2/; jurisdiction_id is the kelurahan slug. Every test
that takes `fmt` runs once with .json and once with .xml; XML is read with ElementTree and
compared through the same `records()` view as JSON (the Spark convention: a list becomes
repeated elements, null an empty element).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from conftest import count, enable_plugin
from reports_helpers import fake_geocoder
from sqlalchemy import select

from app.apikeys import issue_key, revoke_key
from app.extensions import db as _db
from app.formatting import WIB
from app.models import Media, PluginState, utcnow
from plugins.reports import open311
from plugins.reports.models import Report, ReportPhoto, ReportUpdate

BASE = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
KAUMAN = (-6.8899, 109.6728)
MEDONO = (-6.8890, 109.6560)
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
# GET Service Requests / GET Service Request: the response fields, in the specification's order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
OPEN_STATUSES = ["baru", "diverifikasi", "diproses"]
CLOSED_STATUSES = ["selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"]
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


@pytest.fixture(params=["json", "xml"])
def fmt(request):
    return request.param


@pytest.fixture
def world(app, factory):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")
    kauman, medono = factory.kelurahan("kauman"), factory.kelurahan("medono")
    key, plaintext = issue_key(kauman, "Aplikasi Lapor", ["reports.write"])
    _db.session.commit()
    return SimpleNamespace(kauman=kauman, medono=medono, key=key, api_key=plaintext)


def make_report(slug="kauman", *, age=timedelta(days=1), notes=(), **fields) -> Report:
    from conftest import kelurahan

    k = kelurahan(slug)
    created = (utcnow() - age).replace(microsecond=0)
    at = KAUMAN if slug == "kauman" else MEDONO
    values = {
        "category": "Jalan rusak",
        "title": "Lubang besar di jalan",
        "description": "Lubangnya dalam, berbahaya bagi motor.",
        "lat": at[0],
        "lng": at[1],
        "status": "baru",
        "created_at": created,
        "updated_at": created,
        **fields,
    }
    report = Report(kelurahan_id=k.id, **values)
    report.updates.append(
        ReportUpdate(kelurahan_id=k.id, to_status="baru", note="", created_at=created)
    )
    for note in notes:
        report.updates.append(
            ReportUpdate(kelurahan_id=k.id, to_status=report.status, note=note, created_at=created)
        )
    _db.session.add(report)
    _db.session.commit()
    return report


# -- reading answers in either format --------------------------------------------------------------


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def body(response, fmt):
    """The parsed answer: JSON data, or the XML root element."""
    assert response.headers["Content-Type"] == CONTENT_TYPES[fmt]
    raw = response.get_data(as_text=True)
    if fmt == "json":
        return json.loads(raw)
    assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.get_data())  # noqa: S314 - our own answer


def records(response, fmt, root: str, item: str) -> list[dict]:
    """A list answer as [{field: text or None}], whatever the format."""
    data = body(response, fmt)
    if fmt == "json":
        assert isinstance(data, list)
        return [{k: _text(v) for k, v in row.items()} for row in data]
    assert data.tag == root
    assert all(child.tag == item for child in data)
    return [{field.tag: field.text for field in child} for child in data]


def errors(response, fmt, status: int) -> list[str]:
    """The descriptions of an error answer, after checking its status and shape."""
    assert response.status_code == status
    rows = records(response, fmt, "errors", "error")
    assert rows, "an error answer lists at least one error"
    for row in rows:
        assert list(row) == ["code", "description"]
        assert row["code"] == str(status)
        assert row["description"]
    return [row["description"] for row in rows]


def get(client, path, fmt, **params):
    return client.get(f"{BASE}/{path}.{fmt}", query_string=params)


def requests_(client, fmt, **params):
    params.setdefault("jurisdiction_id", "kauman")
    response = get(client, "requests", fmt, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return records(response, fmt, "service_requests", "request")


def ids(rows) -> list[int]:
    return [int(r["service_request_id"]) for r in rows]


def post(client, fmt, **fields):
    return client.post(f"{BASE}/requests.{fmt}", data=fields)


def valid_post(world, **overrides):
    fields = {
        "api_key": world.api_key,
        "jurisdiction_id": "kauman",
        "service_code": "jalan-rusak",
        "lat": str(KAUMAN[0]),
        "long": str(KAUMAN[1]),
        "description": "Jalan berlubang di depan Masjid Jami.\nSudah dua minggu.",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


# -- discovery -------------------------------------------------------------------------------------


def test_discovery_names_the_georeport_v2_endpoint_and_both_formats(client, world, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "discovery"
        endpoints = data.find("endpoints").findall("endpoint")
        top = {child.tag: child.text for child in data if child.tag != "endpoints"}
        endpoints = [
            {
                **{c.tag: c.text for c in e if c.tag != "formats"},
                "formats": [f.text for f in e.find("formats").findall("format")],
            }
            for e in endpoints
        ]
    else:
        top = {k: v for k, v in data.items() if k != "endpoints"}
        endpoints = data["endpoints"]
    assert set(top) == {"changeset", "contact", "key_service"}
    assert all(top.values())
    (endpoint,) = endpoints
    assert endpoint["specification"] == SPEC
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] in {"production", "test"}
    assert endpoint["changeset"]
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_the_root_of_the_endpoint_answers_with_discovery(client, world):
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    data = body(response, "json")
    assert data["endpoints"][0]["specification"] == SPEC
    assert data == json.loads(client.get(f"{BASE}/discovery.json").get_data())


# -- services --------------------------------------------------------------------------------------


def test_services_lists_the_kelurahan_categories_with_stable_slug_codes(client, world, fmt):
    response = get(client, "services", fmt, jurisdiction_id="kauman")
    assert response.status_code == 200
    rows = records(response, fmt, "services", "service")
    assert [r["service_code"] for r in rows] == [
        "jalan-rusak",
        "drainase-banjir",
        "sampah",
        "penerangan-jalan",
        "fasilitas-umum",
        "keamanan-ketertiban",
        "lainnya",
    ]
    assert rows[1]["service_name"] == "Drainase / banjir"
    for row in rows:
        assert list(row) == SERVICE_FIELDS
        assert row["metadata"] == "false"
        assert row["type"] == "realtime"
        assert row["group"] == "Smart Society"
        assert row["description"] and "Kauman" in row["description"]
        assert row["keywords"]


def test_services_follow_the_kelurahan_settings(client, world, fmt):
    state = _db.session.execute(
        select(PluginState).where(
            PluginState.kelurahan_id == world.kauman.id, PluginState.plugin_id == "reports"
        )
    ).scalar_one()
    state.settings = {**(state.settings or {}), "categories": ["Pohon tumbang", "Jalan rusak"]}
    _db.session.commit()
    rows = records(
        get(client, "services", fmt, jurisdiction_id="kauman"), fmt, "services", "service"
    )
    assert [(r["service_code"], r["service_name"]) for r in rows] == [
        ("pohon-tumbang", "Pohon tumbang"),
        ("jalan-rusak", "Jalan rusak"),
    ]
    medono = records(
        get(client, "services", fmt, jurisdiction_id="medono"), fmt, "services", "service"
    )
    assert len(medono) == 7


def test_service_definition_of_a_known_code(client, world, fmt):
    response = get(client, "services/drainase-banjir", fmt, jurisdiction_id="kauman")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "service_definition"
        assert data.findtext("service_code") == "drainase-banjir"
        assert data.find("attributes") is not None and len(data.find("attributes")) == 0
    else:
        assert data == {"service_code": "drainase-banjir", "attributes": []}


def test_unknown_service_code_is_404(client, world, fmt):
    response = get(client, "services/pohon-tumbang", fmt, jurisdiction_id="kauman")
    assert "pohon-tumbang" in errors(response, fmt, 404)[0]


@pytest.mark.parametrize(
    "path", ["services", "services/sampah", "requests", "requests/1", "tokens/abc"]
)
def test_jurisdiction_id_is_required_and_must_be_known(client, world, fmt, path):
    assert "jurisdiction_id" in errors(get(client, path, fmt), fmt, 400)[0]
    assert (
        "jurisdiction_id" in errors(get(client, path, fmt, jurisdiction_id="atlantis"), fmt, 404)[0]
    )


def test_kelurahan_without_the_reports_plugin_is_not_a_jurisdiction(client, world, fmt):
    # Sapuro Kebulen exists, but has not switched the plugin on.
    response = get(client, "services", fmt, jurisdiction_id="sapuro-kebulen")
    errors(response, fmt, 404)
    enable_plugin(client.application, "reports", "medono", enabled=False)
    errors(get(client, "requests", fmt, jurisdiction_id="medono"), fmt, 404)


@pytest.mark.parametrize(
    "path", ["discovery.csv", "services.html", "requests.yaml", "requests/1.txt"]
)
def test_unknown_format_extension_is_404(client, world, path):
    response = client.get(f"{BASE}/{path}", query_string={"jurisdiction_id": "kauman"})
    assert response.status_code == 404
    assert json.loads(response.get_data())[0]["code"] == 404


# -- GET requests ----------------------------------------------------------------------------------


def test_requests_have_exactly_the_specified_fields(client, world, fmt):
    report = make_report(address="Jl. Hayam Wuruk No. 5", notes=["Sudah dicek petugas."])
    (row,) = requests_(client, fmt)
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] == str(report.id)
    assert row["status"] == "open"
    assert row["status_notes"] == "Sudah dicek petugas."
    assert row["service_name"] == "Jalan rusak"
    assert row["service_code"] == "jalan-rusak"
    assert row["description"] == "Lubang besar di jalan\n\nLubangnya dalam, berbahaya bagi motor."
    assert row["agency_responsible"] == "Kelurahan Kauman"
    assert f"/k/kauman/laporan/{report.id}" in row["service_notice"]
    assert row["expected_datetime"] is None
    assert row["address"].startswith("Jl. Hayam Wuruk No. 5, Kelurahan Kauman")
    assert row["address_id"] is None
    assert row["zipcode"] == "51127"
    assert float(row["lat"]) == KAUMAN[0] and float(row["long"]) == KAUMAN[1]
    assert row["media_url"] is None


def test_datetimes_are_w3c_with_the_wib_offset(client, world, fmt):
    created = datetime(2026, 1, 10, 15, 5, tzinfo=WIB)  # 08:05 UTC
    closed = created + timedelta(days=2, hours=3)
    report = make_report(
        age=timedelta(0),
        created_at=created,
        updated_at=closed,
        closed_at=closed,
        status="selesai",
    )
    (row,) = requests_(client, fmt, service_request_id=str(report.id))
    assert row["requested_datetime"] == "2026-01-10T15:05:00+07:00"
    assert row["updated_datetime"] == "2026-01-12T18:05:00+07:00"
    for field in ("requested_datetime", "updated_datetime"):
        assert W3C.match(row[field])
    assert datetime.fromisoformat(row["requested_datetime"]) == created


@pytest.mark.parametrize(
    "status,open311",
    [(s, "open") for s in OPEN_STATUSES] + [(s, "closed") for s in CLOSED_STATUSES],
)
def test_each_of_the_seven_statuses_maps_to_open_or_closed(client, world, fmt, status, open311):
    report = make_report(status=status)
    (row,) = records(
        get(client, f"requests/{report.id}", fmt, jurisdiction_id="kauman"),
        fmt,
        "service_requests",
        "request",
    )
    assert row["status"] == open311


def test_status_filter_open_closed_and_both(client, world, fmt):
    by_status = {s: make_report(status=s).id for s in OPEN_STATUSES + CLOSED_STATUSES}
    open_ids = {by_status[s] for s in OPEN_STATUSES}
    closed_ids = {by_status[s] for s in CLOSED_STATUSES}
    assert set(ids(requests_(client, fmt, status="open"))) == open_ids
    assert set(ids(requests_(client, fmt, status="closed"))) == closed_ids
    assert set(ids(requests_(client, fmt, status="open,closed"))) == open_ids | closed_ids
    assert set(ids(requests_(client, fmt))) == open_ids | closed_ids
    assert (
        "status"
        in errors(get(client, "requests", fmt, jurisdiction_id="kauman", status="baru"), fmt, 400)[
            0
        ]
    )


def test_service_code_filter_one_or_several(client, world, fmt):
    road = make_report(category="Jalan rusak").id
    rubbish = make_report(category="Sampah").id
    flood = make_report(category="Drainase / banjir").id
    assert ids(requests_(client, fmt, service_code="sampah")) == [rubbish]
    assert set(ids(requests_(client, fmt, service_code="jalan-rusak,drainase-banjir"))) == {
        road,
        flood,
    }
    assert requests_(client, fmt, service_code="tidak-ada") == []


def test_service_request_id_list_overrides_the_other_arguments(client, world, fmt):
    old = make_report(age=timedelta(days=200), status="selesai").id
    recent = make_report().id
    make_report()
    rows = requests_(
        client, fmt, service_request_id=f"{old}, {recent}", status="open", service_code="sampah"
    )
    assert set(ids(rows)) == {old, recent}
    response = get(client, "requests", fmt, jurisdiction_id="kauman", service_request_id="1,dua")
    assert "service_request_id" in errors(response, fmt, 400)[0]


def test_default_window_is_the_latest_90_days(client, world, fmt):
    recent = make_report(age=timedelta(days=89)).id
    make_report(age=timedelta(days=91))
    assert ids(requests_(client, fmt)) == [recent]


def test_default_limit_is_1000_newest_first(client, world, fmt, monkeypatch):
    assert open311.MAX_REQUESTS == 1000
    made = [make_report(age=timedelta(days=d)).id for d in (5, 1, 3, 2, 4)]
    monkeypatch.setattr(open311, "MAX_REQUESTS", 3)
    # newest first: 1, 2 and 3 days old
    assert ids(requests_(client, fmt)) == [made[1], made[3], made[2]]


def test_start_and_end_date_select_by_requested_datetime(client, world, fmt):
    jan = make_report(created_at=datetime(2026, 1, 15, 9, 0, tzinfo=WIB)).id
    feb = make_report(created_at=datetime(2026, 2, 15, 9, 0, tzinfo=WIB)).id
    mar = make_report(created_at=datetime(2026, 3, 15, 9, 0, tzinfo=WIB)).id
    rows = requests_(
        client, fmt, start_date="2026-02-01T00:00:00+07:00", end_date="2026-02-28T23:59:59Z"
    )
    assert ids(rows) == [feb]
    # UTC and offsets both accepted; "+" sent unescaped arrives as a space and still works
    rows = requests_(
        client, fmt, start_date="2026-01-15T01:00:00Z", end_date="2026-02-15T09:00:00 07:00"
    )
    assert ids(rows) == [feb, jan]
    # a start alone covers the 90 days after it, an end alone the 90 days before it
    assert ids(requests_(client, fmt, start_date="2026-02-10")) == [mar, feb]
    assert ids(requests_(client, fmt, end_date="2026-02-20")) == [feb, jan]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "kemarin"},
        {"start_date": "2026-02-30"},
        {"end_date": "2026-02-01T10:00:00"},  # a time without a timezone
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
    ],
)
def test_bad_dates_are_400(client, world, fmt, params):
    response = get(client, "requests", fmt, jurisdiction_id="kauman", **params)
    assert errors(response, fmt, 400)


def test_a_range_over_90_days_is_400(client, world, fmt):
    ok = get(
        client,
        "requests",
        fmt,
        jurisdiction_id="kauman",
        start_date="2026-01-01T00:00:00+07:00",
        end_date="2026-03-31T23:59:59+07:00",
    )
    assert ok.status_code == 200
    response = get(
        client,
        "requests",
        fmt,
        jurisdiction_id="kauman",
        start_date="2026-01-01T00:00:00+07:00",
        end_date="2026-04-01T00:00:01+07:00",
    )
    assert "90" in errors(response, fmt, 400)[0]


def test_requests_stay_inside_their_jurisdiction(client, world, fmt):
    mine = make_report("kauman").id
    theirs = make_report("medono").id
    assert ids(requests_(client, fmt)) == [mine]
    assert ids(requests_(client, fmt, jurisdiction_id="medono")) == [theirs]
    assert requests_(client, fmt, service_request_id=str(theirs)) == []
    response = get(client, f"requests/{theirs}", fmt, jurisdiction_id="kauman")
    errors(response, fmt, 404)


def test_single_request_with_photo_and_latest_public_note(client, world, fmt):
    report = make_report(status="diproses", notes=["Diverifikasi.", "Perbaikan dijadwalkan Senin."])
    media = Media(
        relpath="reports/kauman/lubang.jpg",
        width=800,
        height=600,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=world.kauman.id,
    )
    _db.session.add(media)
    _db.session.flush()
    _db.session.add(
        ReportPhoto(kelurahan_id=world.kauman.id, report_id=report.id, media_id=media.id)
    )
    _db.session.commit()
    response = get(client, f"requests/{report.id}", fmt, jurisdiction_id="kauman")
    (row,) = records(response, fmt, "service_requests", "request")
    assert list(row) == REQUEST_FIELDS
    assert row["status_notes"] == "Perbaikan dijadwalkan Senin."
    assert row["media_url"] == "http://localhost/media/reports/kauman/lubang.jpg"


@pytest.mark.parametrize("request_id", ["999999", "abc"])
def test_unknown_request_id_is_404(client, world, fmt, request_id):
    response = get(client, f"requests/{request_id}", fmt, jurisdiction_id="kauman")
    errors(response, fmt, 404)


def test_hidden_reports_never_appear(client, world, fmt):
    shown = make_report().id
    hidden = make_report(hidden_at=utcnow(), hidden_reason="Spam", token="a" * 32).id
    assert ids(requests_(client, fmt)) == [shown]
    assert requests_(client, fmt, service_request_id=str(hidden)) == []
    errors(get(client, f"requests/{hidden}", fmt, jurisdiction_id="kauman"), fmt, 404)
    errors(get(client, f"tokens/{'a' * 32}", fmt, jurisdiction_id="kauman"), fmt, 404)


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(client, world):
    report = make_report(
        title="<b>Awas</b> & hati-hati", description='Ada <script>x</script>\x07 & "kutip"'
    )
    response = get(client, f"requests/{report.id}", "xml", jurisdiction_id="kauman")
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    (row,) = records(response, "xml", "service_requests", "request")
    assert row["description"] == '<b>Awas</b> & hati-hati\n\nAda <script>x</script> & "kutip"'


# -- POST requests ---------------------------------------------------------------------------------


def test_post_creates_a_report_shown_like_any_other(client, world, fmt):
    response = post(
        client,
        fmt,
        **valid_post(
            world,
            first_name="Siti",
            last_name="Aminah",
            email="siti@contoh.id",
            phone="081234567890",
            address_string="Depan Masjid Jami Kauman",
            media_url="https://contoh.id/foto.jpg",
            device_id="hp-1",
        ),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    (row,) = records(response, fmt, "service_requests", "request")
    assert set(row) == {"service_request_id", "token", "service_notice"}
    report = _db.session.get(Report, int(row["service_request_id"]))
    assert report.kelurahan_id == world.kauman.id
    assert report.source == "open311"
    assert report.api_key_id == world.key.id
    assert report.token == row["token"] and re.fullmatch(r"[0-9a-f]{32}", report.token)
    assert report.reporter_id is None and report.reporter_name == "Siti Aminah"
    assert report.category == "Jalan rusak"
    assert report.title == "Jalan berlubang di depan Masjid Jami."
    assert report.description == "Jalan berlubang di depan Masjid Jami.\nSudah dua minggu."
    assert (report.lat, report.lng) == KAUMAN
    assert report.address == "Depan Masjid Jami Kauman"
    assert report.status == "baru" and [u.to_status for u in report.updates] == ["baru"]
    assert f"/k/kauman/laporan/{report.id}" in row["service_notice"]

    page = client.get(f"/k/kauman/laporan/{report.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "melalui Open311" in html and "Siti Aminah" in html
    assert "Sudah dua minggu." in html
    assert "siti@contoh.id" not in html and "081234567890" not in html
    listed = requests_(client, fmt, service_request_id=str(report.id))
    assert listed[0]["service_code"] == "jalan-rusak" and listed[0]["status"] == "open"


def test_post_with_an_address_string_only_is_located_on_the_map(client, world, fmt):
    response = post(
        client, fmt, **valid_post(world, lat=None, long=None, address_string="Museum Batik")
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    (row,) = records(response, fmt, "service_requests", "request")
    report = _db.session.get(Report, int(row["service_request_id"]))
    assert (report.lat, report.lng) == (-6.87867, 109.67537)
    assert report.address == "Museum Batik"


def test_post_answers_token_lookup(client, world, fmt):
    response = post(client, fmt, **valid_post(world))
    (created,) = records(response, fmt, "service_requests", "request")
    token = created["token"]
    found = get(client, f"tokens/{token}", fmt, jurisdiction_id="kauman")
    assert found.status_code == 200
    assert records(found, fmt, "service_requests", "request") == [
        {"service_request_id": created["service_request_id"], "token": token}
    ]
    errors(get(client, f"tokens/{token}", fmt, jurisdiction_id="medono"), fmt, 404)
    errors(
        get(client, "tokens/0123456789abcdef0123456789abcdef", fmt, jurisdiction_id="kauman"),
        fmt,
        404,
    )


def test_post_needs_a_valid_active_api_key(client, world, fmt):
    for key in (None, "", "bukan-kunci", world.api_key[:-1] + "x"):
        response = post(client, fmt, **valid_post(world, api_key=key))
        assert "api_key" in errors(response, fmt, 403)[0]
    revoke_key(world.key)
    _db.session.commit()
    errors(post(client, fmt, **valid_post(world)), fmt, 403)
    assert count(Report) == 0


def test_a_key_of_kauman_cannot_post_into_medono(client, world, fmt):
    response = post(
        client,
        fmt,
        **valid_post(world, jurisdiction_id="medono", lat=str(MEDONO[0]), long=str(MEDONO[1])),
    )
    errors(response, fmt, 403)
    assert count(Report) == 0
    medono_key, plaintext = issue_key(world.medono, "Aplikasi Medono", ["reports.write"])
    _db.session.commit()
    response = post(
        client,
        fmt,
        **valid_post(
            world,
            api_key=plaintext,
            jurisdiction_id="medono",
            lat=str(MEDONO[0]),
            long=str(MEDONO[1]),
        ),
    )
    assert response.status_code == 201
    assert _db.session.execute(select(Report.kelurahan_id)).scalar_one() == world.medono.id


@pytest.mark.parametrize(
    "overrides,status,needle",
    [
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "atlantis"}, 404, "jurisdiction_id"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "pohon-tumbang"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"long": None}, 400, "lat"),
        ({"lat": "utara"}, 400, "lat"),
        ({"lat": "-7.2", "long": "110.4"}, 400, "luar Kota Pekalongan"),  # Semarang
        ({"lat": "nan", "long": "109.67"}, 400, "luar Kota Pekalongan"),
        ({"lat": None, "long": None, "address_id": "12345"}, 400, "address_id"),
        ({"description": "x" * 4001}, 400, "4000"),
    ],
)
def test_post_bad_input_is_refused_and_creates_nothing(
    client, world, fmt, overrides, status, needle
):
    response = post(client, fmt, **valid_post(world, **overrides))
    assert any(needle in d for d in errors(response, fmt, status))
    assert count(Report) == 0


def test_post_lists_every_field_error_at_once(client, world, fmt):
    response = post(client, fmt, **valid_post(world, lat=None, long=None, description="x" * 4001))
    found = errors(response, fmt, 400)
    assert len(found) == 2


def test_post_address_the_map_cannot_find_is_400(client, world, fmt, monkeypatch):
    asked = fake_geocoder(monkeypatch, [])
    response = post(
        client, fmt, **valid_post(world, lat=None, long=None, address_string="Jl. Entah Di Mana")
    )
    assert "address_string" in errors(response, fmt, 400)[0]
    assert count(Report) == 0
    assert len(asked) == 1


def test_a_post_refused_for_another_field_never_calls_the_geocoder(client, world, fmt, monkeypatch):
    """Each outside call costs the city's quota: only a request otherwise valid may make one."""
    asked = fake_geocoder(monkeypatch, [{"lat": "-6.8870", "lon": "109.6700"}])
    bad = valid_post(
        world, lat=None, long=None, address_string="Jl. Hayam Wuruk", description="x" * 4001
    )
    assert "description" in errors(post(client, fmt, **bad), fmt, 400)[0]
    assert asked == []
    assert count(Report) == 0


def test_description_of_exactly_4000_characters_is_accepted(client, world):
    response = post(client, "json", **valid_post(world, description="y" * 4000))
    assert response.status_code == 201
    assert len(_db.session.execute(select(Report.description)).scalar_one()) == 4000


def test_post_is_exempt_from_csrf_but_get_pages_are_not_affected(client, world):
    client.application.config["WTF_CSRF_ENABLED"] = True
    response = post(client, "json", **valid_post(world))
    assert response.status_code == 201


def test_posting_is_rate_limited_per_api_key(client, world, fmt):
    client.application.config["KP_OPEN311_POST_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert post(client, fmt, **valid_post(world)).status_code == 201
    refused = post(client, fmt, **valid_post(world))
    errors(refused, fmt, 429)
    assert int(refused.headers["Retry-After"]) > 0
    other, plaintext = issue_key(world.kauman, "Aplikasi lain", ["reports.write"])
    _db.session.commit()
    assert post(client, fmt, **valid_post(world, api_key=plaintext)).status_code == 201
    assert count(Report) == 3


def test_the_default_post_limit_is_60_per_hour():
    assert open311.POST_LIMIT == "60 per hour"


# -- privacy ---------------------------------------------------------------------------------------


def test_no_name_email_or_phone_ever_leaves_through_open311(client, world, factory, fmt):
    resident = factory.user("warga", "kauman", email="rahasia@contoh.id", name="Budi Rahasia")
    resident.phone = "+6281298765432"
    _db.session.commit()
    hidden_name = make_report(reporter_id=resident.id, hide_name=True, token="b" * 32)
    shown_name = make_report(reporter_id=resident.id, hide_name=False)
    created = post(
        client,
        fmt,
        **valid_post(
            world,
            first_name="Citra",
            last_name="Lestari",
            email="citra@contoh.id",
            phone="0812-1111-2222",
        ),
    )
    assert created.status_code == 201
    (row,) = records(created, fmt, "service_requests", "request")
    bodies = [
        created.get_data(as_text=True),
        get(client, "requests", fmt, jurisdiction_id="kauman").get_data(as_text=True),
        get(client, f"requests/{hidden_name.id}", fmt, jurisdiction_id="kauman").get_data(
            as_text=True
        ),
        get(client, f"requests/{shown_name.id}", fmt, jurisdiction_id="kauman").get_data(
            as_text=True
        ),
        get(
            client, f"requests/{row['service_request_id']}", fmt, jurisdiction_id="kauman"
        ).get_data(as_text=True),
        get(client, f"tokens/{'b' * 32}", fmt, jurisdiction_id="kauman").get_data(as_text=True),
        get(client, f"tokens/{row['token']}", fmt, jurisdiction_id="kauman").get_data(as_text=True),
    ]
    assert len(requests_(client, fmt)) == 3
    for text in bodies:
        for secret in (
            "rahasia@contoh.id",
            "6281298765432",
            "Budi Rahasia",
            "citra@contoh.id",
            "0812-1111-2222",
            "Citra",
            "Lestari",
        ):
            assert secret not in text
    # nothing of the e-mail or phone is kept either
    report = _db.session.get(Report, int(row["service_request_id"]))
    stored = " ".join(str(getattr(report, c.key)) for c in Report.__table__.columns)
    assert "citra@contoh.id" not in stored and "0812-1111-2222" not in stored
