"""City-wide plugin settings (`Setting(scope="city")`): one value for every kelurahan, set
by the city admin at /kota/pengaturan (CSRF, audited, validated in Indonesian, what was typed
kept on error), never on a kelurahan's settings form, read by plugins with
`kit.city_settings` and seen at once by every worker."""

from __future__ import annotations

import html

import pytest
from conftest import act_as, count, enable_plugin, fixture_manifest, make_app, make_user
from sqlalchemy import select

import app.kit as kit
from app.extensions import db as _db
from app.models import AuditEntry, CitySetting, PluginState
from app.plugins import SettingError, host

CITY = "/kota/pengaturan"
BAD_NAME = "Nama layanan tidak boleh memuat kata 'internal'."


def refuse_internal(value: str) -> None:
    if "internal" in value:
        raise SettingError(BAD_NAME)


class Weather:
    """A fixture plugin with one setting per kelurahan and two for the whole city."""

    @kit.hookimpl
    def kp_plugin_manifest(self):
        return fixture_manifest(
            "weather",
            settings=(
                kit.Setting("show_on_home", "bool", True, "Tampilkan di beranda"),
                kit.Setting(
                    "service_name",
                    "str",
                    "bmkg",
                    "Nama layanan cuaca",
                    scope="city",
                    check=refuse_internal,
                ),
                kit.Setting(
                    "refresh_minutes",
                    "int",
                    30,
                    "Menit antar pembaruan",
                    min=5,
                    max=120,
                    scope="city",
                ),
            ),
        )


@pytest.fixture
def weather(app, extra_plugin):
    extra_plugin(Weather(), "weather")
    enable_plugin(app, "weather", "kauman")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def city_form(**values) -> dict:
    """The whole city form as a browser sends it (every plugin's fields, unchanged ones too)."""
    data = {
        "reports.geocoder_url": "https://nominatim.openstreetmap.org/search",
        "core.open_data_licence": "CC BY 4.0",
        "core.open_data_licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "weather.service_name": "bmkg",
        "weather.refresh_minutes": "30",
    }
    data.update({f"weather.{k}": v for k, v in values.items()})
    return data


def read_city_settings(app) -> dict:
    with app.test_request_context():
        return kit.city_settings("weather")


def test_defaults_until_the_city_admin_changes_them(app, weather):
    assert read_city_settings(app) == {"service_name": "bmkg", "refresh_minutes": 30}
    manifest = host(app).manifests["weather"]
    assert [s.key for s in manifest.kelurahan_settings] == ["show_on_home"]
    assert [s.key for s in manifest.city_settings] == ["service_name", "refresh_minutes"]
    with app.test_request_context():
        kauman = host(app).kelurahan_by_slug("kauman")
        assert kit.plugin_settings("weather", kauman) == {"show_on_home": True}


def test_the_kelurahan_form_shows_only_kelurahan_settings(client, login_as, weather):
    login_as("admin", "kauman")
    page = text(client.get("/k/kauman/admin/plugin/weather/pengaturan"))
    assert "Tampilkan di beranda" in page
    assert "Nama layanan cuaca" not in page and "Menit antar pembaruan" not in page
    response = client.post(
        "/k/kauman/admin/plugin/weather/pengaturan",
        data={"show_on_home": "1", "service_name": "internal", "refresh_minutes": "5"},
    )
    assert response.status_code == 302
    state = _db.session.execute(
        select(PluginState).where(PluginState.plugin_id == "weather")
    ).scalar_one()
    assert state.settings == {"show_on_home": True}
    assert count(CitySetting) == 0


def test_the_city_admin_saves_them_audited_and_every_worker_sees_them_at_once(
    app, client, login_as, weather, backend, database_urls, tmp_path
):
    # Another worker of the same host (same database and stamps) has read them already.
    other = make_app(database_urls(backend), tmp_path)
    other_host = host(other)
    other_host.add_plugin(Weather(), "weather")
    try:
        admin = login_as("admin_kota")
        page = text(client.get(CITY))
        assert "Nama layanan cuaca" in page and 'value="bmkg"' in page
        assert "Tampilkan di beranda" not in page
        assert read_city_settings(other)["service_name"] == "bmkg"  # kept in its memory

        response = client.post(CITY, data=city_form(service_name="bmkg-2"))
        assert response.status_code == 302
        assert "Pengaturan kota disimpan." in text(client.get(CITY))
        assert read_city_settings(app) == {"service_name": "bmkg-2", "refresh_minutes": 30}
        assert read_city_settings(other)["service_name"] == "bmkg-2"
    finally:
        other_host.remove_plugin("weather")
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()

    (entry,) = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "city.settings_changed")
    ).scalars()
    assert (entry.actor_id, entry.object_id) == (admin.id, "weather")
    assert entry.before == {"service_name": "bmkg"}
    assert entry.after == {"service_name": "bmkg-2"}
    assert entry.kelurahan_id is None

    # Saving again without a change writes no audit entry.
    assert client.post(CITY, data=city_form(service_name="bmkg-2")).status_code == 302
    assert count(AuditEntry, AuditEntry.action == "city.settings_changed") == 1


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("refresh_minutes", "sering", "Isi dengan bilangan bulat, misalnya 10."),
        ("refresh_minutes", "500", "Nilai terbesar 120."),
        ("service_name", "layanan-internal", BAD_NAME),
    ],
)
def test_a_refused_value_is_explained_and_kept(client, login_as, weather, field, typed, message):
    login_as("admin_kota")
    response = client.post(CITY, data=city_form(**{field: typed}))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "Periksa kembali isian yang ditandai." in page
    assert typed in page
    assert count(CitySetting) == 0
    assert count(AuditEntry, AuditEntry.action == "city.settings_changed") == 0


@pytest.mark.parametrize("role", ["warga", "petugas", "admin"])
def test_only_the_city_admin_may_see_or_change_them(client, login_as, weather, role):
    login_as(role, "kauman")
    assert client.get(CITY).status_code == 403
    assert client.post(CITY, data=city_form(service_name="x")).status_code == 403
    assert count(CitySetting) == 0


def test_visitors_are_sent_to_sign_in(client, weather):
    response = client.get(CITY)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_the_form_needs_its_csrf_token(app, client, login_as, weather):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("admin_kota")
    assert client.post(CITY, data=city_form(service_name="tanpa-token")).status_code == 400
    assert count(CitySetting) == 0


def test_the_city_menu_links_the_page(client, login_as):
    login_as("admin_kota")
    assert 'href="/kota/pengaturan"' in text(client.get("/kota/"))
    act_as(client, make_user("admin", "kauman"))
    assert client.get(CITY).status_code == 403
