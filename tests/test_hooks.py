"""Every hook in app/hookspecs.py is documented and has a test of its own here, named
`test_hook_<name>`; test_every_hook_is_documented_and_tested fails when one is missing.

Most tests use the example plugin (tests/example_plugin, plugin id `notices`), installed
through its entry point exactly as an external package would be.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
from conftest import enable_plugin, fixture_manifest, kelurahan
from flask import url_for

from app import hookspecs
from app.extensions import db as _db
from app.plugins import Dataset, NavItem, PluginLoadError, hookimpl, host

# -- the rule itself -------------------------------------------------------------------------


def test_every_hook_is_documented_and_tested():
    """A hook without a docstring, an example, typed parameters or a test fails here."""
    assert hookspecs.HOOK_NAMES, "no hookspecs found"
    problems = []
    for name in hookspecs.HOOK_NAMES:
        spec = getattr(hookspecs, name)
        doc = inspect.getdoc(spec) or ""
        if len(doc) < 80:
            problems.append(f"{name}: docstring missing or too short")
        if "Example" not in doc:
            problems.append(f"{name}: docstring has no example")
        signature = inspect.signature(spec)
        untyped = [p for p in signature.parameters.values() if p.annotation is inspect._empty]
        if untyped or signature.return_annotation is inspect._empty:
            problems.append(f"{name}: parameters or return value not typed")
        if f"test_hook_{name}" not in globals():
            problems.append(f"{name}: no test_hook_{name} in tests/test_hooks.py")
    assert not problems, "\n".join(problems)


def test_every_hook_is_a_kp_hook_in_one_module():
    names = [n for n, v in vars(hookspecs).items() if callable(v) and n.startswith("kp_")]
    assert sorted(names) == sorted(hookspecs.HOOK_NAMES)


# -- helpers ----------------------------------------------------------------------------------


def add_notice(slug: str, title: str, lat=-6.8899, lng=109.6728):
    from kp_notices import Notice

    notice = Notice(
        kelurahan_id=kelurahan(slug).id, title=title, body=f"Isi {title}", lat=lat, lng=lng
    )
    _db.session.add(notice)
    _db.session.commit()
    return notice


manifest = fixture_manifest


# -- start-up hooks --------------------------------------------------------------------------


def test_hook_kp_plugin_manifest(app, login_as, client):
    """The example plugin's manifest puts it under Smart Governance on the plugins page."""
    notices = host(app).manifests["notices"]
    assert notices.dimension == "governance"
    assert notices.setting("per_page").type == "int"
    login_as("admin", "kauman")
    page = client.get("/k/kauman/admin/plugin").get_data(as_text=True)
    governance = page.index("Smart Governance")
    assert page.index("Papan pengumuman") > governance
    assert page.index("Papan pengumuman") < page.index("Smart Economy")


def test_hook_kp_plugin_manifest_is_required(app, extra_plugin):
    class NoManifest:
        @hookimpl
        def kp_nav_items(self, kelurahan, user):
            return []

    with pytest.raises(PluginLoadError, match="no kp_plugin_manifest"):
        extra_plugin(NoManifest(), "nomanifest")


def test_hook_kp_init_app(app, client):
    """The example plugin's blueprint is registered and owned by the plugin."""
    assert host(app).blueprint_owner["notices"] == "notices"
    enable_plugin(app, "notices", "kauman")
    assert client.get("/k/kauman/pengumuman/").status_code == 200


def test_hook_kp_migration_dirs(app):
    """Flask-Migrate sees the plugin's own Alembic branch."""
    from app.extensions import migrate

    dirs = host(app).migration_dirs()
    expected = Path(__import__("kp_notices").__file__).parent / "migrations"
    assert str(expected) in dirs
    config = migrate.get_config()
    locations = config.get_main_option("version_locations").split(os.pathsep)
    assert str(expected) in locations
    assert any(loc.endswith("migrations/versions") for loc in locations)


# -- page hooks ------------------------------------------------------------------------------


def test_hook_kp_nav_items(app, client):
    enable_plugin(app, "notices", "kauman")
    assert 'href="/k/kauman/pengumuman/"' in client.get("/k/kauman/").get_data(as_text=True)
    assert "/pengumuman/" not in client.get("/k/medono/").get_data(as_text=True)


def test_hook_kp_nav_items_staff_entry_only_for_staff(app, client, login_as):
    """The core's own nav hook shows "Kelola" to staff of this kelurahan only."""
    assert "Kelola" not in client.get("/k/kauman/").get_data(as_text=True)
    login_as("petugas", "kauman")
    assert "Kelola" in client.get("/k/kauman/").get_data(as_text=True)
    assert "Kelola" not in client.get("/k/medono/").get_data(as_text=True)


def test_hook_kp_home_widgets(app, client):
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Posyandu balita Rabu")
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert "Pengumuman terbaru" in page and "Posyandu balita Rabu" in page


def test_a_top_home_widget_comes_before_the_kelurahan_identity(app, client, extra_plugin):
    """An urgent panel (a flood alert) is the first thing on the page, above the identity
    card and every other panel."""
    from app.plugins import HomeWidget

    class Urgent:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("urgent")

        @hookimpl
        def kp_home_widgets(self, kelurahan, user):
            return [
                HomeWidget(
                    "urgent-alert",
                    "Peringatan banjir",
                    "notices/_widget.html",
                    {"notices": []},
                    top=True,
                )
            ]

    extra_plugin(Urgent(), "urgent")
    enable_plugin(app, "urgent", "kauman")
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Posyandu balita Rabu")
    page = client.get("/k/kauman/").get_data(as_text=True)
    alert = page.index('id="widget-urgent-alert"')
    assert alert < page.index('class="identity card"') < page.index("Pengumuman terbaru")
    assert 'class="card widget urgent"' in page


def test_hook_kp_home_widgets_broken_plugin_does_not_break_the_page(app, client, extra_plugin):
    """A plugin whose widget raises is skipped; the core page and other widgets still show."""
    app.config["KP_RAISE_PLUGIN_ERRORS"] = False

    class Broken:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("broken")

        @hookimpl
        def kp_home_widgets(self, kelurahan, user):
            raise RuntimeError("boom")

        @hookimpl
        def kp_nav_items(self, kelurahan, user):
            raise RuntimeError("boom")

    extra_plugin(Broken(), "broken")
    enable_plugin(app, "broken", "kauman")
    enable_plugin(app, "notices", "kauman")
    response = client.get("/k/kauman/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Pengumuman terbaru" in page and "Kelompok masyarakat" in page


def test_hook_kp_map_layers(app, client):
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Titik kumpul", lat=-6.89, lng=109.67)
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert "/k/kauman/peta/notices.geojson" in page
    data = client.get("/k/kauman/peta/notices.geojson").get_json()
    assert data["type"] == "FeatureCollection"
    assert data["features"][0]["geometry"]["coordinates"] == [109.67, -6.89]  # lng, lat


def test_hook_kp_dimension_metrics(app, client, factory):
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Satu")
    add_notice("kauman", "Dua")
    factory.group("kauman")
    page = client.get("/k/kauman/dasbor").get_data(as_text=True)
    governance = page[page.index("Smart Governance") : page.index("Smart Economy")]
    assert "Pengumuman baru" in governance and "<dd>2</dd>" in governance
    society = page[page.index("Smart Society") : page.index("Smart Branding")]
    assert "Kelompok masyarakat" in society and "<dd>1</dd>" in society


def test_hook_kp_search(app, client, factory):
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Fogging demam berdarah")
    add_notice("medono", "Fogging di Medono")
    factory.group("kauman", name="Batik Jlamprang Lestari")
    page = client.get("/k/kauman/cari?q=fogging").get_data(as_text=True)
    assert "Fogging demam berdarah" in page and "Medono" not in page
    page = client.get("/k/kauman/cari?q=jlamprang").get_data(as_text=True)
    assert "Batik Jlamprang Lestari" in page


def test_hook_kp_open_data(app, client, factory):
    enable_plugin(app, "notices", "kauman")
    add_notice("kauman", "Jadwal vaksinasi")
    leader = factory.user("warga", "kauman", email="ketua-batik@contoh.id")
    factory.group("kauman", leader, name="Batik Kauman")
    page = client.get("/k/kauman/data-terbuka").get_data(as_text=True)
    assert "Pengumuman" in page and "Kelompok masyarakat terverifikasi" in page
    notices_csv = client.get("/k/kauman/data-terbuka/pengumuman.csv")
    assert notices_csv.mimetype == "text/csv"
    assert "Jadwal vaksinasi" in notices_csv.get_data(as_text=True)
    groups_csv = client.get("/k/kauman/data-terbuka/kelompok.csv").get_data(as_text=True)
    assert "Batik Kauman" in groups_csv and "ketua-batik@contoh.id" not in groups_csv
    assert client.get("/k/kauman/data-terbuka/tidak-ada.csv").status_code == 404


def test_open_data_serves_an_icalendar_dataset(app, client, extra_plugin):
    """A dataset with an `ics` exporter is offered and served as text/calendar; a format
    it does not have answers 404."""

    class Agenda:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("agenda")

        @hookimpl
        def kp_open_data(self, kelurahan):
            body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
            return [Dataset("agenda", "Agenda kelurahan", ics=lambda: body)]

    extra_plugin(Agenda(), "agenda")
    enable_plugin(app, "agenda", "kauman")
    page = client.get("/k/kauman/data-terbuka").get_data(as_text=True)
    assert "/k/kauman/data-terbuka/agenda.ics" in page and "iCalendar" in page
    feed = client.get("/k/kauman/data-terbuka/agenda.ics")
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    assert feed.get_data().startswith(b"BEGIN:VCALENDAR")
    assert client.get("/k/kauman/data-terbuka/agenda.csv").status_code == 404


def test_hook_kp_complaint_channels(app, client, extra_plugin):
    """A plugin's complaint form replaces the outside channels where it is switched on."""

    class Complaints:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("complaints")

        @hookimpl
        def kp_complaint_channels(self, kelurahan):
            return [NavItem("Kirim pengaduan", f"/k/{kelurahan.slug}/pengaduan-uji", order=10)]

    extra_plugin(Complaints(), "complaints")
    enable_plugin(app, "complaints", "kauman")
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert 'href="/k/kauman/pengaduan-uji"' in page and "Kirim pengaduan" in page
    assert "lapor.go.id" not in page
    page = client.get("/k/medono/").get_data(as_text=True)
    assert "pengaduan-uji" not in page and "https://www.lapor.go.id" in page


# -- the city and staff ----------------------------------------------------------------------


def test_hook_kp_city_nav_items(app, client, extra_plugin):
    """City pages link to a plugin's city-wide page once it is on in some kelurahan."""

    class Catalogue:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("katalog")

        @hookimpl
        def kp_city_nav_items(self, user):
            return [NavItem("Katalog se-kota", "/katalog/", order=10)]

    extra_plugin(Catalogue(), "katalog")
    assert "Katalog se-kota" not in client.get("/").get_data(as_text=True)
    enable_plugin(app, "katalog", "medono")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/katalog/">Katalog se-kota</a>' in home
    assert 'href="/katalog/"' in client.get("/masuk").get_data(as_text=True)  # city header
    # Inside a kelurahan the header is the kelurahan's menu.
    assert 'href="/katalog/"' not in client.get("/k/kauman/").get_data(as_text=True)


def test_hook_kp_staff_tasks(app, client, login_as):
    """The example plugin's queue (notices without a place) shows on staff's page."""
    from kp_notices import Notice

    enable_plugin(app, "notices", "kauman")
    _db.session.add(Notice(kelurahan_id=kelurahan("kauman").id, title="Tanpa titik", body="-"))
    _db.session.commit()
    login_as("petugas", "kauman")
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    queue = page.split('id="task-notices-unplaced"')[1].split("</li>")[0]
    assert "Pengumuman tanpa lokasi" in queue and '<span class="count">1</span>' in queue
    # Its permission decides: with `notices.post` revoked from petugas, no queue.
    from app.permissions import set_grant

    with app.test_request_context():
        set_grant(kelurahan("kauman"), "notices.post", "petugas", False)
        _db.session.commit()
    assert "task-notices-unplaced" not in client.get("/k/kauman/tugas/").get_data(as_text=True)


def test_hooks_run_inside_the_kelurahan_scope(app, client, factory, extra_plugin):
    """A plugin's hooks see only the kelurahan they are called for, and rows they add
    belong to it, whatever scope the caller was in."""
    from sqlalchemy import func, select

    from app.models import Group
    from app.plugins import Event, Metric

    seen = {}

    class Counter:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("penghitung")

        @hookimpl
        def kp_dimension_metrics(self, kelurahan, since):
            n = _db.session.scalar(select(func.count()).select_from(Group))
            return [Metric("society", "n", "Kelompok", n)]

        @hookimpl
        def kp_on_event(self, event):
            seen[event.kelurahan.slug] = _db.session.scalar(select(func.count()).select_from(Group))

    extra_plugin(Counter(), "penghitung")
    for slug in ("kauman", "medono"):
        enable_plugin(app, "penghitung", slug)
    factory.group("kauman")
    factory.group("kauman")
    factory.group("medono")
    # The test body reads across kelurahan; the hook still sees one.
    with app.test_request_context():
        metrics = host(app).collect(
            "kp_dimension_metrics",
            kelurahan("kauman"),
            kelurahan=kelurahan("kauman"),
            since=None,
            until=None,
        )
        assert [m.value for m in metrics if m.key == "n"] == [2]
        host(app).emit(Event("group.created", kelurahan=kelurahan("medono")))
    assert seen == {"medono": 1}


# -- operations ------------------------------------------------------------------------------


def test_hook_kp_demo_data(app):
    """`flask kp seed --demo` fills the plugin's demo content where it is switched on only,
    and a second run adds nothing."""
    from kp_notices import Notice

    enable_plugin(app, "notices", "kauman")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    count = _db.session.query(Notice).filter_by(kelurahan_id=kelurahan("kauman").id).count()
    assert count == 1
    assert _db.session.query(Notice).filter_by(kelurahan_id=kelurahan("medono").id).count() == 0
    runner.invoke(args=["kp", "seed", "--demo"])
    assert _db.session.query(Notice).count() == 1


def test_hook_kp_on_event(app, client, login_as, extra_plugin):
    """Events reach plugins switched on in that kelurahan only."""

    class Recorder:
        events: list = []

        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("recorder")

        @hookimpl
        def kp_on_event(self, event):
            self.events.append((event.name, event.kelurahan.slug))

    recorder = extra_plugin(Recorder(), "recorder")
    enable_plugin(app, "recorder", "kauman")
    login_as("admin", "kauman")
    client.post("/k/kauman/admin/plugin/notices/status", data={"enabled": "1"})
    assert ("plugin.enabled", "kauman") in recorder.events
    # The example plugin reacts to its own switch-on with a welcome notice.
    page = client.get("/k/kauman/pengumuman/").get_data(as_text=True)
    assert "Papan pengumuman dibuka" in page
    # A sign-up in Medono, where the recorder is off, is not reported to it; one in Kauman
    # is. Each goes through the confirmation link the new contact receives.
    from test_accounts import CaptureSender, signup_link

    app.extensions["kp_sender"] = CaptureSender(app)
    for n, slug in enumerate(("medono", "kauman")):
        client.post("/keluar")
        response = client.post(
            "/daftar",
            data={
                "identifier": f"baru{n}@contoh.id",
                "display_name": "Warga Baru",
                "home_kelurahan": str(kelurahan(slug).id),
                "password": "Jambu-Perahu-Senja-27",
            },
        )
        assert response.headers["Location"].endswith("/daftar/periksa")
        response = client.post(signup_link(app))
        assert response.headers["Location"].endswith(f"/k/{slug}/")
    assert not any(slug == "medono" for _name, slug in recorder.events)
    assert ("user.joined", "kauman") in recorder.events


def test_hook_kp_media_visible(app, client, login_as, extra_plugin):
    """A non-public upload is served (privately) only when a plugin switched on in its
    kelurahan says True for this viewer; None from every plugin, or a plugin switched off
    there, is a 404. Public uploads never ask."""
    from app.models import Media

    asked = []

    class Gallery:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("gallery")

        @hookimpl
        def kp_media_visible(self, media, kelurahan, user):
            asked.append((media.id, kelurahan.slug, user is not None))
            if media.relpath != "galeri/rahasia.jpg":
                return None
            return user is not None and user.display_name == "Pemilik"

    extra_plugin(Gallery(), "gallery")
    enable_plugin(app, "gallery", "kauman")
    root = Path(app.config["KP_MEDIA_ROOT"]) / "galeri"
    root.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, public in (("rahasia", False), ("lain", False), ("umum", True)):
        (root / f"{name}.jpg").write_bytes(b"\xff\xd8\xff\xd9")
        rows[name] = Media(
            relpath=f"galeri/{name}.jpg",
            width=1,
            height=1,
            content_type="image/jpeg",
            size_bytes=4,
            kelurahan_id=kelurahan("kauman").id,
            public=public,
        )
        _db.session.add(rows[name])
    _db.session.commit()

    assert client.get("/media/galeri/umum.jpg").status_code == 200
    assert asked == []  # public files never ask
    assert client.get("/media/galeri/rahasia.jpg").status_code == 404  # a visitor
    assert asked == [(rows["rahasia"].id, "kauman", False)]
    login_as("warga", "kauman", name="Pemilik")
    response = client.get("/media/galeri/rahasia.jpg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/media/galeri/lain.jpg").status_code == 404  # every plugin said None
    enable_plugin(app, "gallery", "kauman", enabled=False)
    assert client.get("/media/galeri/rahasia.jpg").status_code == 404


# -- switching off and the audit log (more in test_plugin_switch_off.py, test_audit_sentences.py)


def test_hook_kp_plugin_off_impact(app, client, login_as, extra_plugin):
    """Asked of the plugin being switched off only, in its kelurahan's scope; its sentences
    are on the confirmation page."""
    calls = []

    class Shelf:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("shelf")

        @hookimpl
        def kp_plugin_off_impact(self, kelurahan):
            calls.append(kelurahan.slug)
            return [f"4 rak di {kelurahan.name} tidak lagi tampil"]

    extra_plugin(Shelf(), "shelf")
    enable_plugin(app, "shelf", "kauman")
    enable_plugin(app, "notices", "kauman")
    login_as("admin", "kauman")
    assert client.get("/k/kauman/admin/plugin/notices/matikan").status_code == 200
    assert calls == []  # another plugin's confirmation does not ask it
    page = client.get("/k/kauman/admin/plugin/shelf/matikan").get_data(as_text=True)
    assert "4 rak di Kauman tidak lagi tampil" in page and calls == ["kauman"]


def test_hook_kp_audit_phrases(app, client, login_as, extra_plugin):
    """A plugin phrases its actions and names its objects, looked up once for the page."""
    from app import audit

    lookups = []

    def shelf_names(ids):
        lookups.append(ids)
        return {i: f"Rak {i}" for i in ids}

    class Shelf:
        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("shelf")

        @hookimpl
        def kp_audit_phrases(self):
            return [
                audit.AuditObject("shelf", "rak “%(name)s”", shelf_names),
                audit.AuditPhrase("shelf.emptied", "%(actor)s mengosongkan %(object)s"),
            ]

    extra_plugin(Shelf(), "shelf")
    admin = login_as("admin", "kauman", name="Siti")
    with app.test_request_context():
        for shelf_id in (1, 2, 3):
            audit.record(
                "shelf.emptied", "shelf", shelf_id, kelurahan=kelurahan("kauman"), actor=admin
            )
        _db.session.commit()
    page = client.get("/k/kauman/admin/audit").get_data(as_text=True)
    assert "Admin Siti mengosongkan rak “Rak 3”" in page
    assert lookups == [["1", "2", "3"]]


# -- the example plugin, switched off in one kelurahan ---------------------------------------


def test_disabling_example_plugin_removes_all_five_there_only(app, client):
    """Page, menu entry, home widget, map layer and its table's content vanish from Kauman
    when switched off there, and stay in Medono; the data is kept for switching back on."""
    from kp_notices import Notice

    for slug in ("kauman", "medono"):
        enable_plugin(app, "notices", slug)
        add_notice(slug, f"Pengumuman {slug}")

    def visible(slug):
        home = client.get(f"/k/{slug}/").get_data(as_text=True)
        return {
            "page": client.get(f"/k/{slug}/pengumuman/").status_code == 200,
            "menu": f'href="/k/{slug}/pengumuman/"' in home,
            "widget": "Pengumuman terbaru" in home,
            "layer": f"/k/{slug}/peta/notices.geojson" in home,
            "table": client.get(f"/k/{slug}/peta/notices.geojson").status_code == 200
            and f"Pengumuman {slug}"
            in client.get(f"/k/{slug}/cari?q=pengumuman").get_data(as_text=True),
        }

    assert all(visible("kauman").values()) and all(visible("medono").values())
    enable_plugin(app, "notices", "kauman", enabled=False)
    assert not any(visible("kauman").values()), visible("kauman")
    assert all(visible("medono").values())
    assert _db.session.query(Notice).count() == 2
    enable_plugin(app, "notices", "kauman")
    assert all(visible("kauman").values())


def test_nav_item_type_is_public_api():
    """Plugins build menu entries with NavItem; its order decides the position."""
    items = sorted([NavItem("B", "/b", 20), NavItem("A", "/a", 10)], key=lambda i: i.order)
    assert [i.label for i in items] == ["A", "B"]


def test_url_for_fills_in_current_kelurahan(app):
    with app.test_request_context("/k/kauman/"):
        app.preprocess_request()
        assert url_for("groups.index") == "/k/kauman/kelompok/"


def test_events_held_while_seeding_renew_caches_once_and_reach_no_plugin(app, client, extra_plugin):
    """Host.held_events (the demo seed): a plugin's page that visitors get from the cache
    shows the demo's rows once the block ends, and no plugin hears the demo's events."""
    from app import caching
    from app.plugins import Event, host

    class Recorder:
        events: list = []

        @hookimpl
        def kp_plugin_manifest(self):
            return manifest("recorder")

        @hookimpl
        def kp_on_event(self, event):
            self.events.append(event.name)

    extra_plugin(Recorder(), "recorder")
    enable_plugin(app, "recorder", "kauman")
    kauman = kelurahan("kauman")
    stamp = caching.plugin_stamp(kauman.id, "notices")
    before = caching.read(stamp)
    with app.test_request_context(), host().held_events():
        for _ in range(3):
            host().emit(Event("notices.posted", kelurahan=kauman))
        assert caching.read(stamp) == before  # nothing renewed while the demo writes
    assert caching.read(stamp) != before
    assert "notices.posted" not in Recorder.events


def test_hook_kp_report_link(app, client, extra_plugin):
    """A plugin that takes reports offers its form for another plugin's place; the asker is
    never asked about its own places, and without a taker there is no link (the caller then
    keeps the message itself)."""
    from app import kit, tenancy

    class Complaints:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("complaints")

        @hookimpl
        def kp_report_link(self, kelurahan, place):
            return f"/k/{kelurahan.slug}/pengaduan-uji?judul={place.title}&dari={place.source}"

    extra_plugin(Complaints(), "complaints")
    kauman, medono = kelurahan("kauman"), kelurahan("medono")
    enable_plugin(app, "complaints", "kauman")
    with app.test_request_context("/k/kauman/"), tenancy.all_kelurahan():
        link = kit.report_link("Balai RW 03", -6.89, 109.67, source="facilities", kelurahan=kauman)
        assert link == "/k/kauman/pengaduan-uji?judul=Balai RW 03&dari=facilities"
        own = kit.report_link("Pengaduan", None, None, source="complaints", kelurahan=kauman)
        assert own is None
        assert kit.report_link("Balai", None, None, source="facilities", kelurahan=medono) is None


def test_the_reports_form_opens_prefilled_from_a_report_link(app, client, login_as):
    """The reports plugin answers kp_report_link with its own form, which opens with the
    place's name, address and point filled in; unusable values are left out, never a 500."""
    from app import kit, tenancy

    enable_plugin(app, "reports", "kauman")
    with app.test_request_context("/k/kauman/"), tenancy.all_kelurahan():
        link = kit.report_link(
            "Kerusakan: Balai RW 03",
            -6.889931,
            109.672811,
            source="facilities",
            address="Jl. Hayam Wuruk",
            kelurahan=kelurahan("kauman"),
        )
    assert link.startswith("/k/kauman/laporan/baru?")
    login_as("warga", "kauman")
    page = client.get(link).get_data(as_text=True)
    assert 'value="Kerusakan: Balai RW 03"' in page
    assert 'value="Jl. Hayam Wuruk"' in page and 'value="-6.889931"' in page
    hostile = client.get("/k/kauman/laporan/baru?lat=nan&lng=inf&title=" + "x" * 5000)
    assert hostile.status_code == 200
    assert 'value="nan"' not in hostile.get_data(as_text=True)
