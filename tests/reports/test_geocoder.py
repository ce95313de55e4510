"""The outside geocoder the server calls for residents' typed addresses (security review,
issue 9): only the city admin may point it somewhere, only at a public https service, and
the server never connects anywhere else, whatever is stored. Nothing here leaves the
machine: name lookups and connections are faked at the network's edge."""

from __future__ import annotations

import html
import socket

import pytest
from conftest import act_as, count, enable_plugin, make_user
from reports_helpers import PUBLIC_IP, fake_geocoder, set_city_settings
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, CitySetting, PluginState
from plugins.reports import geocoding

BASE = "/k/kauman/laporan"
ADMIN = "/k/kauman/admin"
CITY = "/kota/pengaturan"
FIELD = "reports.geocoder_url"
HAYAM_WURUK = [{"lat": "-6.8870", "lon": "109.6700", "display_name": "Jl. Hayam Wuruk"}]
INTERNAL = "menuju jaringan internal atau alamat khusus"

# What each name resolves to in these tests (the DNS of the outside world).
DNS = {
    "geocoder.example": ["93.184.216.34"],
    "intranet.example": ["10.1.2.3"],
    "half-inside.example": ["93.184.216.34", "192.168.1.20"],
    "v6-inside.example": ["fd00::5"],
    "metadata.example": ["169.254.169.254"],
    "cgnat.example": ["100.64.0.7"],
    "mapped.example": ["::ffff:127.0.0.1"],
}


@pytest.fixture
def app_overrides():
    return {"REPORTS_GEOCODER_LIMIT": "1000 per second"}


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


@pytest.fixture
def dns(monkeypatch):
    """Name lookups from DNS above; every lookup is recorded."""
    asked = []

    def lookup(host, port, **kwargs):
        asked.append(host)
        if host not in DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in ip], socket.SOCK_STREAM, 6, "", (ip, port)) for ip in DNS[host]]

    monkeypatch.setattr(geocoding, "lookup", lookup)
    return asked


@pytest.fixture
def no_connection(monkeypatch):
    """Fails the test if the server opens any connection for the geocoder."""
    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise AssertionError(f"the server must not connect: {args}")

    monkeypatch.setattr(geocoding, "connect_tcp", refuse)
    return opened


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def search(client, query="Jl. Hayam Wuruk"):
    return client.get(f"{BASE}/lokasi", query_string={"q": query}).get_json()["results"]


# -- the kelurahan admin cannot set it -------------------------------------------------------


@pytest.mark.parametrize("value", ["file:///etc/passwd", "http://127.0.0.1:6379/"])
def test_a_kelurahan_admin_is_not_offered_the_geocoder_and_cannot_post_it(
    client, login_as, value, dns, no_connection
):
    login_as("admin", "kauman")
    form = text(client.get(f"{ADMIN}/plugin/reports/pengaturan"))
    assert "Kategori laporan" in form
    assert "geocoder_url" not in form and "pencarian lokasi" not in form

    response = client.post(
        f"{ADMIN}/plugin/reports/pengaturan",
        data={
            "categories": "Sampah",
            "flag_threshold": "3",
            "flag_min_account_days": "0",
            "confirm_days": "14",
            "target_days": "7",
            "geocoder_url": value,
        },
    )
    assert response.status_code == 302
    state = _db.session.execute(
        select(PluginState).where(PluginState.plugin_id == "reports")
    ).scalar_one()
    assert state.settings["categories"] == ["Sampah"]
    assert "geocoder_url" not in state.settings
    assert count(CitySetting) == 0
    assert client.get(CITY).status_code == 403  # the city page is not theirs either


def test_an_old_per_kelurahan_value_is_ignored(client, factory, login_as, dns, no_connection):
    """A geocoder_url left in a kelurahan's settings from before is never called."""
    from reports_helpers import set_settings

    set_settings(factory, geocoder_url="http://127.0.0.1:6379/")
    set_city_settings(geocoder_url="")
    login_as("warga", "kauman")
    assert search(client) == []
    assert no_connection == [] and dns == []


# -- the city admin: https to a public host only, refused with a message -------------------------

REFUSED = {
    "file:///etc/passwd": "https://",
    "http://geocoder.example/search": "https://",
    "gopher://geocoder.example/": "https://",
    "https://127.0.0.1/": INTERNAL,
    "https://localhost/search": INTERNAL,
    "https://LOCALHOST./": INTERNAL,
    "https://[::1]/": INTERNAL,
    "https://[::ffff:127.0.0.1]/": INTERNAL,
    "https://[::ffff:a9fe:a9fe]/": INTERNAL,
    "https://0.0.0.0/": INTERNAL,
    "https://[::]/": INTERNAL,
    "https://2130706433/": INTERNAL,  # 127.0.0.1 in decimal
    "https://0177.0.0.1/": INTERNAL,  # in octal
    "https://0x7f.1/": INTERNAL,
    "https://10.0.0.8/": INTERNAL,
    "https://169.254.169.254/latest/meta-data/": INTERNAL,
    "https://224.0.0.1/": INTERNAL,
    "https://240.0.0.1/": INTERNAL,
    "https://intranet.example/search": INTERNAL,
    "https://half-inside.example/search": INTERNAL,
    "https://v6-inside.example/": INTERNAL,
    "https://metadata.example/": INTERNAL,
    "https://cgnat.example/": INTERNAL,
    "https://mapped.example/": INTERNAL,
    "https://nowhere.example/": "tidak ditemukan",
    "https://user:secret@geocoder.example/": "nama pengguna",
    "https://geocoder.example/search?format=xml": "? atau #",
    "https://geocoder.example:99999/": "tidak sah",
}


@pytest.mark.parametrize("value", REFUSED)
def test_the_city_admin_cannot_point_the_server_inside(client, login_as, value, dns, no_connection):
    login_as("admin_kota")
    response = client.post(CITY, data={FIELD: value})
    assert response.status_code == 422
    page = text(response)
    assert REFUSED[value] in page
    assert f'value="{value}"' in page  # what was typed stays, to be corrected
    assert count(CitySetting) == 0
    assert count(AuditEntry, AuditEntry.action == "city.settings_changed") == 0
    assert no_connection == []


def test_the_city_admin_sets_a_public_https_geocoder_audited_and_used_at_once(
    client, login_as, dns, monkeypatch
):
    admin = login_as("admin_kota")
    page = text(client.get(CITY))
    assert "Laporan warga" in page and "https://nominatim.openstreetmap.org/search" in page

    url = "https://geocoder.example/search"
    response = client.post(CITY, data={FIELD: url})
    assert response.status_code == 302
    assert _db.session.get(CitySetting, FIELD).value == url
    (entry,) = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "city.settings_changed")
    ).scalars()
    assert entry.actor_id == admin.id
    assert entry.before == {"geocoder_url": "https://nominatim.openstreetmap.org/search"}
    assert entry.after == {"geocoder_url": url}
    assert "Pengaturan kota disimpan." in text(client.get(CITY))

    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    act_as(client, make_user("warga", "kauman"))
    assert search(client) == [{"name": "Jl. Hayam Wuruk", "lat": -6.887, "lng": 109.67}]
    assert asked[0]["host"] == "geocoder.example" and asked[0]["path"].startswith("/search?")


def test_an_empty_address_switches_the_outside_geocoder_off(client, login_as, dns, no_connection):
    login_as("admin_kota")
    assert client.post(CITY, data={FIELD: ""}).status_code == 302
    act_as(client, make_user("warga", "kauman"))
    assert search(client) == []
    assert search(client, "batik kauman")[0]["name"] == "Kampung Batik Kauman"
    assert dns == [] and no_connection == []


# -- at call time: a bad stored value is never opened ------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://127.0.0.1/",
        "https://localhost/",
        "https://2130706433/",
        "https://[::ffff:7f00:1]/",
        "https://intranet.example/",
    ],
)
def test_a_bad_stored_value_is_never_opened(client, login_as, value, dns, no_connection):
    set_city_settings(geocoder_url=value)  # put there around the form
    login_as("warga", "kauman")
    assert search(client) == []
    assert no_connection == []


def test_the_connection_goes_to_the_address_that_was_checked(client, login_as, monkeypatch):
    """DNS rebinding: a second answer pointing inside is never asked for nor used."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    lookups, connected = [], []

    def lookup(host, port, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in next(answers)]

    def connect(address, timeout):
        connected.append((address, timeout))
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(geocoding, "lookup", lookup)
    monkeypatch.setattr(geocoding, "connect_tcp", connect)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    assert search(client) == []
    assert lookups == ["geocoder.example"]
    ((address, timeout),) = connected
    assert address == (PUBLIC_IP, 443)
    assert 0 < timeout <= geocoding.TIMEOUT_SECONDS


def test_a_redirect_is_not_followed(client, login_as, monkeypatch):
    asked = fake_geocoder(monkeypatch, status=302, body=b"")
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    assert search(client) == []
    assert len(asked) == 1


def test_an_answer_over_the_size_cap_is_dropped(client, login_as, monkeypatch):
    huge = b"[" + b'{"lat": "-6.887", "lon": "109.67"},' * 10_000 + b"{}]"
    assert len(huge) > geocoding.MAX_BYTES
    fake_geocoder(monkeypatch, body=huge)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    assert search(client) == []


# -- fewer outside calls: cache and throttle -----------------------------------------------------


def test_a_repeated_query_is_answered_from_the_cache(client, login_as, monkeypatch):
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    first = search(client, "Jl. Hayam Wuruk")
    assert search(client, "  jl.   HAYAM wuruk ") == first
    assert len(asked) == 1


def test_outside_calls_are_throttled_city_wide(app, client, login_as, monkeypatch):
    app.config["REPORTS_GEOCODER_LIMIT"] = "2 per minute"
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    for street in ("Jl. Hayam Wuruk", "Jl. Sultan Agung", "Jl. Merdeka"):
        search(client, street)
    act_as(client, make_user("warga", "kauman"))  # another resident: the same city quota
    assert search(client, "Jl. Diponegoro") == []
    assert len(asked) == 2
    assert search(client, "batik kauman")[0]["name"] == "Kampung Batik Kauman"  # still there


# -- a refused form does not call out -----------------------------------------------------------


def test_a_report_form_refused_for_another_field_never_calls_the_geocoder(
    client, login_as, monkeypatch
):
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    login_as("warga", "kauman")
    response = client.post(
        f"{BASE}/baru",
        data={"category": "Sampah", "title": "", "description": "x", "address": "Jl. Hayam Wuruk"},
    )
    assert response.status_code == 422
    assert asked == []


# -- the offline gazetteer first, the outside geocoder second (issue 10) -----------------------


def listed(slug, name, kind="jalan", at=(-6.8881, 109.6712)):
    """An entry of `slug`'s gazetteer, as the admin page stores it."""
    from app import gazetteer
    from app.models import Place
    from tests.conftest import kelurahan

    _db.session.add(
        Place(
            kelurahan_id=kelurahan(slug).id,
            kind=kind,
            name=name,
            search_key=gazetteer.normalise(name),
            lat=at[0] if at else None,
            lng=at[1] if at else None,
            source="staff",
        )
    )
    _db.session.commit()


def test_a_street_staff_entered_is_found_without_calling_out(client, login_as, monkeypatch):
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("admin", "kauman")
    added = client.post(
        f"{ADMIN}/tempat/",
        data={"kind": "jalan", "name": "Jl. Hayam Wuruk", "lat": "-6.8881", "lng": "109.6712"},
    )
    assert added.status_code == 302
    act_as(client, make_user("warga", "kauman"))
    expected = [{"name": "Jl. Hayam Wuruk", "lat": -6.8881, "lng": 109.6712}]
    assert search(client, "Jl. Hayam Wuruk") == expected
    assert search(client, "jalan hayam wuruk no. 12") == expected
    assert asked == [], "the outside geocoder must not be called when the gazetteer knows"


def test_an_rt_rw_is_found_in_its_own_kelurahan_only(app, client, login_as, monkeypatch):
    enable_plugin(app, "reports", "medono")
    asked = fake_geocoder(monkeypatch)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    listed("kauman", "RT 03 / RW 05", kind="rt_rw")
    listed("kauman", "RT 30 / RW 05", kind="rt_rw", at=(-6.8895, 109.6733))
    login_as("warga", "kauman")
    assert search(client, "RT 3 RW 5") == [
        {"name": "RT 03 / RW 05", "lat": -6.8881, "lng": 109.6712}
    ]
    assert asked == []
    act_as(client, make_user("warga", "medono"))
    assert client.get("/k/medono/laporan/lokasi", query_string={"q": "RT 3 RW 5"}).get_json() == {
        "results": []
    }  # Medono has no such entry; the outside found nothing
    assert len(asked) == 1


def test_an_entry_without_a_point_leaves_the_search_to_the_geocoder(client, login_as, monkeypatch):
    listed("kauman", "Jl. Hayam Wuruk", at=None)
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    assert search(client) == [{"name": "Jl. Hayam Wuruk", "lat": -6.887, "lng": 109.67}]
    assert len(asked) == 1


def test_a_report_typed_with_a_listed_street_is_placed_offline(client, login_as, monkeypatch):
    from plugins.reports.models import Report

    listed("kauman", "Gg. Kenanga", at=(-6.8893, 109.6722))
    asked = fake_geocoder(monkeypatch, HAYAM_WURUK)
    set_city_settings(geocoder_url="https://geocoder.example/search")
    login_as("warga", "kauman")
    response = client.post(
        f"{BASE}/baru",
        data={
            "category": "Sampah",
            "title": "Sampah menumpuk di gang",
            "description": "Sudah tiga hari tidak diangkut.",
            "lat": "",
            "lng": "",
            "address": "gang kenanga no 4",
        },
    )
    assert response.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert (report.lat, report.lng) == (-6.8893, 109.6722)
    assert asked == []


# -- the address check, unit by unit -------------------------------------------------------------


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),  # noqa: S104 - an address to refuse, nothing binds
        ("255.255.255.255", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
    ],
)
def test_is_public(address, public):
    import ipaddress

    assert geocoding.is_public(ipaddress.ip_address(address)) is public
