"""The plugin host: loading, KP_PLUGINS, loud failures, typed settings, requirements."""

from __future__ import annotations

import pytest
from conftest import enable_plugin, kelurahan, make_app

from app.plugins import (
    DIMENSIONS,
    Manifest,
    PluginHost,
    PluginLoadError,
    Setting,
    SettingError,
    hookimpl,
    host,
)


def fixture_manifest(plugin_id, **kwargs):
    return Manifest(
        id=plugin_id,
        name=plugin_id,
        dimension=kwargs.pop("dimension", "living"),
        description="fixture",
        version="0.1",
        **kwargs,
    )


def test_each_app_has_its_own_plugin_manager(app, database_urls, tmp_path, backend):
    other = make_app(database_urls(backend), tmp_path / "other")
    assert host(app).pm is not host(other).pm
    assert isinstance(host(app), PluginHost)


def test_entry_point_plugin_is_loaded(app):
    assert "notices" in host(app).manifests
    assert host(app).pm.get_plugin("core") is not None


def test_kp_plugins_restricts_the_set(database_urls, tmp_path, backend):
    only_core = make_app(database_urls(backend), tmp_path, KP_PLUGINS=[])
    assert host(only_core).manifests == {}
    assert "notices" not in only_core.blueprints


def test_kp_plugins_naming_a_missing_plugin_stops_start_up(database_urls, tmp_path, backend):
    with pytest.raises(PluginLoadError, match="not installed: tidak-ada"):
        make_app(database_urls(backend), tmp_path, KP_PLUGINS=["notices", "tidak-ada"])


def test_misspelled_hook_fails_loudly(app):
    class Typo:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("typo")

        @hookimpl
        def kp_nav_item(self, kelurahan, user):  # the real hook is kp_nav_items
            return []

    with pytest.raises(PluginLoadError, match="typo"):
        host(app).add_plugin(Typo(), "typo")


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(id="lain"), "declares manifest id 'lain'"),
        (dict(dimension="smart-city"), "dimension must be one of"),
        (dict(requires=("tidak-ada",)), "needs plugins that are not installed"),
    ],
)
def test_malformed_manifest_is_refused(app, bad, message):
    plugin_id = "fixture"
    fields = {"id": plugin_id, "dimension": "living", **bad}

    class Fixture:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest(fields.pop("id"), **fields)

    with pytest.raises(PluginLoadError, match=message):
        host(app).add_plugin(Fixture(), plugin_id)
    host(app).remove_plugin(plugin_id)


def test_plugins_are_off_until_a_kelurahan_switches_them_on(app):
    kauman = kelurahan("kauman")
    with app.test_request_context():
        assert host(app).enabled_ids(kauman) == []
    enable_plugin(app, "notices", "kauman")
    with app.test_request_context():
        assert host(app).enabled_ids(kauman) == ["notices"]
        assert host(app).enabled_ids(kelurahan("medono")) == []


def test_a_plugin_needing_another_cannot_be_switched_on_alone(app, client, login_as):
    class Needy:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("needy", requires=("notices",))

    host(app).add_plugin(Needy(), "needy")
    try:
        login_as("admin", "kauman")
        page = client.post(
            "/k/kauman/admin/plugin/needy/status", data={"enabled": "1"}, follow_redirects=True
        ).get_data(as_text=True)
        assert "Aktifkan dahulu: Papan pengumuman" in page
        with app.test_request_context():
            assert not host(app).is_enabled(kelurahan("kauman"), "needy")
        enable_plugin(app, "notices", "kauman")
        client.post("/k/kauman/admin/plugin/needy/status", data={"enabled": "1"})
        page = client.post(
            "/k/kauman/admin/plugin/notices/status", data={"enabled": "0"}, follow_redirects=True
        ).get_data(as_text=True)
        assert "Fitur ini dipakai oleh: needy" in page
    finally:
        host(app).remove_plugin("needy")


def test_dimensions_are_the_six_of_the_programme():
    assert list(DIMENSIONS) == [
        "governance",
        "economy",
        "living",
        "society",
        "branding",
        "environment",
    ]


# -- typed settings ------------------------------------------------------------------------------


@pytest.fixture
def babel_app(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    "setting, raw, expected",
    [
        (Setting("n", "int", 3, "N", min=1, max=10), "7", 7),
        (Setting("n", "int", 3, "N"), 5, 5),
        (Setting("on", "bool", False, "On"), "1", True),
        (Setting("on", "bool", True, "On"), "", False),
        (
            Setting("cats", "lines", [], "Cats"),
            "Jalan rusak\n\n Sampah \n",
            ["Jalan rusak", "Sampah"],
        ),
        (Setting("mode", "choice", "a", "Mode", choices=(("a", "A"), ("b", "B"))), "b", "b"),
        (Setting("title", "str", "", "Title", max_length=10), "  Kauman ", "Kauman"),
    ],
)
def test_setting_parses_typed_values(babel_app, setting, raw, expected):
    assert setting.parse(raw) == expected


@pytest.mark.parametrize(
    "setting, raw, message",
    [
        (Setting("n", "int", 3, "N"), "abc", "bilangan bulat"),
        (Setting("n", "int", 3, "N"), "2.5", "bilangan bulat"),
        (Setting("n", "int", 3, "N", min=1, max=10), "0", "Nilai terkecil 1"),
        (Setting("n", "int", 3, "N", min=1, max=10), "11", "Nilai terbesar 10"),
        (Setting("cats", "lines", [], "Cats"), "  \n ", "minimal satu baris"),
        (Setting("mode", "choice", "a", "Mode", choices=(("a", "A"),)), "z", "Pilih salah satu"),
        (Setting("title", "str", "", "Title", max_length=5), "Kelurahan", "Paling banyak 5"),
    ],
)
def test_setting_refuses_wrong_values_in_indonesian(babel_app, setting, raw, message):
    with pytest.raises(SettingError) as info:
        setting.parse(raw)
    assert message in str(info.value.message)


def test_settings_fall_back_to_defaults(app):
    with app.test_request_context():
        assert host(app).settings(kelurahan("kauman"), "notices") == {
            "per_page": 10,
            "show_on_home": True,
        }
