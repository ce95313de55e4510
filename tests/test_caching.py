"""Fast hooks that are never stale: what is cached, and what renews it.

* Kelurahan identity and plugin switches are kept in memory by each worker; a switch or an
  identity change made through one worker is seen by every other at once. Two apps on one
  database and one stamp store stand in for two gunicorn workers (or hosts, with Redis).
* Home widgets, dimension metrics and map-layer answers are cached per kelurahan; the event
  a change emits renews them, so nobody sees a stale figure after their own change.

To show that something *is* cached, a test changes a row behind the app's back (straight
through the engine, announcing nothing) and sees the old answer; then announces the change
as the app would and sees the new one.
"""

from __future__ import annotations

import os
import secrets

import pytest
from conftest import (
    StatementCounter,
    act_as,
    enable_plugin,
    fixture_manifest,
    kelurahan,
    make_app,
    make_group,
    make_user,
    require,
)
from kp_notices import Notice
from sqlalchemy import insert, update

from app import caching
from app.extensions import db as _db
from app.kit import emit, hookimpl
from app.models import Group, Kelurahan


def behind_the_apps_back(statement) -> None:
    """Write without the ORM session: no event, no stamp; caches keep what they had."""
    with _db.engine.begin() as conn:
        conn.execute(statement)


@pytest.fixture
def second_worker(app, backend, database_urls, tmp_path):
    """Another app on the same database and stamp store: a second gunicorn worker."""
    other = make_app(database_urls(backend), tmp_path, **_shared_with(app))
    yield other
    with other.app_context():
        _db.engine.dispose()


def _shared_with(app) -> dict:
    keys = ("KP_STAMP_DIR", "REDIS_URL", "CACHE_TYPE", "CACHE_REDIS_URL", "KP_REDIS_PREFIX")
    return {k: app.config[k] for k in keys if k in app.config}


def signed_in_client(application, user):
    client = application.test_client()
    act_as(client, user)
    return client


# -- switches and identity, cached per worker ------------------------------------------------


def test_a_switch_made_on_one_worker_is_seen_by_another_at_once(app, client, second_worker):
    admin = make_user("admin", "kauman")
    worker_a = signed_in_client(app, admin)
    worker_b = signed_in_client(second_worker, admin)
    assert worker_b.get("/k/kauman/pengumuman/").status_code == 404  # B has it in memory now

    worker_a.post("/k/kauman/admin/plugin/notices/status", data={"enabled": "1"})
    assert worker_b.get("/k/kauman/pengumuman/").status_code == 200
    worker_a.post("/k/kauman/admin/plugin/notices/status", data={"enabled": "0", "confirm": "1"})
    assert worker_b.get("/k/kauman/pengumuman/").status_code == 404


def test_identity_changed_on_one_worker_shows_on_another(app, second_worker):
    admin = make_user("admin", "kauman")
    worker_b = signed_in_client(second_worker, admin)
    assert "Kampung batik di jantung kota" not in worker_b.get("/k/kauman/").get_data(as_text=True)
    worker_a = signed_in_client(app, admin)
    response = worker_a.post(
        "/k/kauman/admin/identitas",
        data={"description": "Kampung batik di jantung kota.", "lat": "", "lng": ""},
    )
    assert response.status_code == 302
    assert "Kampung batik di jantung kota" in worker_b.get("/k/kauman/").get_data(as_text=True)


def test_the_kelurahan_is_not_read_from_the_database_on_each_request(app, client):
    client.get("/k/kauman/kelompok/")
    with StatementCounter() as counter:
        client.get("/k/kauman/kelompok/")
    assert not any("FROM kelurahan" in s for s in counter.statements), counter.statements


def test_settings_saved_on_one_worker_apply_on_another(app, second_worker, login_as, client):
    enable_plugin(app, "notices", "kauman")
    _db.session.add(Notice(kelurahan_id=kelurahan("kauman").id, title="Posyandu", body="Rabu"))
    _db.session.commit()
    admin = make_user("admin", "kauman")
    worker_b = signed_in_client(second_worker, admin)
    assert "Pengumuman terbaru" in worker_b.get("/k/kauman/").get_data(as_text=True)
    signed_in_client(app, admin).post(
        "/k/kauman/admin/plugin/notices/pengaturan", data={"per_page": "10"}
    )  # show_on_home unticked
    assert "Pengumuman terbaru" not in worker_b.get("/k/kauman/").get_data(as_text=True)


# -- hook answers, cached per kelurahan ------------------------------------------------------


def test_the_home_page_reuses_rendered_widgets(app, client):
    enable_plugin(app, "notices", "kauman")
    client.get("/k/kauman/")
    with StatementCounter() as counter:
        page = client.get("/k/kauman/").get_data(as_text=True)
    assert "Kelompok masyarakat" in page and "Pengumuman terbaru" in page
    assert not any("community_group" in s or "notices_notice" in s for s in counter.statements)


def test_a_verified_group_appears_at_once_on_the_cached_home(app, client, login_as):
    group = make_group("kauman", name="Batik Tulis Pesindon", verified=False)
    assert "Batik Tulis Pesindon" not in client.get("/k/kauman/").get_data(as_text=True)
    login_as("petugas", "kauman")
    client.post(f"/k/kauman/admin/kelompok/{group.id}/verifikasi")
    assert "Batik Tulis Pesindon" in client.get("/k/kauman/").get_data(as_text=True)


def test_an_unannounced_change_waits_and_an_event_renews_only_its_kelurahan(app, client):
    kauman, medono = kelurahan("kauman"), kelurahan("medono")
    for k in (kauman, medono):
        make_group(k.slug, name=f"Lama {k.name}")
    client.get("/k/kauman/")
    client.get("/k/medono/")
    behind_the_apps_back(update(Group).values(name="Baru"))
    assert "Lama Kauman" in client.get("/k/kauman/").get_data(as_text=True)  # cached
    with app.test_request_context():
        emit("group.renamed", kelurahan=kauman)
    assert "Baru" in client.get("/k/kauman/").get_data(as_text=True)
    assert "Lama Medono" in client.get("/k/medono/").get_data(as_text=True)


def test_widgets_are_cached_per_language_and_role(app, client, login_as):
    enable_plugin(app, "notices", "kauman")
    assert "Pengumuman terbaru" in client.get("/k/kauman/").get_data(as_text=True)
    client.set_cookie("kp_lang", "en")
    assert "Latest notices" in client.get("/k/kauman/").get_data(as_text=True)


def test_dashboard_figures_are_cached_until_an_event(app, client):
    enable_plugin(app, "notices", "kauman")
    kauman = kelurahan("kauman")
    _db.session.add(Notice(kelurahan_id=kauman.id, title="Satu", body="..."))
    _db.session.commit()

    def governance():
        page = client.get("/k/kauman/dasbor").get_data(as_text=True)
        return page[page.index("Smart Governance") : page.index("Smart Economy")]

    assert "<dd>1</dd>" in governance()
    behind_the_apps_back(
        insert(Notice).values(kelurahan_id=kauman.id, title="Dua", body="...", created_at=_now())
    )
    assert "<dd>1</dd>" in governance()
    with app.test_request_context():
        emit("notices.posted", kelurahan=kauman)
    assert "<dd>2</dd>" in governance()


def _now():
    from app.models import utcnow

    return utcnow()


def test_a_map_layer_answer_is_renewed_by_its_plugins_event(app, client, extra_plugin):
    class Other:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("lain")

    extra_plugin(Other(), "lain")
    enable_plugin(app, "notices", "kauman")
    kauman = kelurahan("kauman")
    url = "/k/kauman/peta/notices.geojson"
    assert client.get(url).get_json()["total"] == 0
    behind_the_apps_back(
        insert(Notice).values(
            kelurahan_id=kauman.id,
            title="Titik kumpul",
            body="...",
            lat=-6.89,
            lng=109.67,
            created_at=_now(),
        )
    )
    assert client.get(url).get_json()["total"] == 0  # cached
    with app.test_request_context():
        emit("lain.changed", kelurahan=kauman)  # another plugin's event leaves it be
    assert client.get(url).get_json()["total"] == 0
    with app.test_request_context():
        emit("notices.posted", kelurahan=kauman)
    data = client.get(url).get_json()
    assert data["total"] == 1 and data["features"][0]["properties"]["title"] == "Titik kumpul"


def test_a_new_kelurahan_row_is_found_after_the_seed(app, client):
    """A kelurahan added by the seed (or renamed) is served without restarting workers."""
    assert client.get("/k/medono/").status_code == 200
    rename = update(Kelurahan).where(Kelurahan.slug == "medono").values(slug="medono-baru")
    behind_the_apps_back(rename)
    assert client.get("/k/medono-baru/").status_code == 404  # still the old list in memory
    with app.app_context():
        caching.bump(caching.CONFIG)  # what seed_kelurahan does after its commit
    assert client.get("/k/medono-baru/").status_code == 200


# -- stamps in Redis: several hosts ----------------------------------------------------------


@pytest.fixture
def redis_url():
    url = os.environ.get("KP_TEST_REDIS_URL")
    require(bool(url), "KP_TEST_REDIS_URL is not set (Redis tests)")
    return url


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_with_redis_two_hosts_share_switches_and_cached_answers(
    backend, database_urls, tmp_path, redis_url
):
    shared = {
        "REDIS_URL": redis_url,
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "KP_REDIS_PREFIX": f"kp-test-{secrets.token_hex(4)}:",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    from conftest import _reset

    host_a = make_app(database_urls(backend), tmp_path / "a", **shared)
    host_b = make_app(database_urls(backend), tmp_path / "b", **shared)  # no shared stamp dir
    assert isinstance(host_a.extensions["kp_stamps"], caching.RedisStamps)
    with host_a.app_context():
        _reset(host_a)
        admin = make_user("admin", "kauman")
        user_id = admin.id
        _db.session.remove()
    try:
        with host_a.app_context():
            admin = _db.session.get(type(admin), user_id)
            worker_a, worker_b = signed_in_client(host_a, admin), signed_in_client(host_b, admin)
        assert worker_b.get("/k/kauman/pengumuman/").status_code == 404
        worker_a.post("/k/kauman/admin/plugin/notices/status", data={"enabled": "1"})
        assert worker_b.get("/k/kauman/pengumuman/").status_code == 200
        assert "Pengumuman terbaru" in worker_b.get("/k/kauman/").get_data(as_text=True)
    finally:
        for application in (host_a, host_b):
            with application.app_context():
                caching.cache.clear()
                _db.engine.dispose()


def test_the_stamp_store_failing_does_not_fail_the_page(app, client):
    class Down:
        def read(self, names):
            raise ConnectionError("redis down")

        def bump(self, names):
            raise ConnectionError("redis down")

    app.extensions["kp_stamps"] = Down()
    assert client.get("/k/kauman/").status_code == 200
