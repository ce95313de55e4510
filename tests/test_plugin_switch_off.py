"""Switching a plugin off: a confirmation page says what residents lose and who is told; only
the confirmed POST switches it off, tells those people and is audited. Switching on stays one
step."""

from __future__ import annotations

import pytest
from conftest import act_as, enable_plugin, fixture_manifest, kelurahan, make_group, notes_for
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, utcnow
from app.plugins import hookimpl, host
from app.switch_off import OffImpact

ADMIN = "/k/kauman/admin"
CONFIRM = f"{ADMIN}/plugin/notices/matikan"
STATUS = f"{ADMIN}/plugin/notices/status"


def text(response) -> str:
    return response.get_data(as_text=True)


def notices_on(app, slug: str = "kauman") -> bool:
    with app.test_request_context():
        return host(app).is_enabled(kelurahan(slug), "notices")


def audit_actions() -> list[str]:
    return list(_db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


@pytest.fixture
def noticeboard(app, extra_plugin):
    """The example notice board switched on in Kauman, plus a small plugin that says what it
    loses there (a sentence and a group whose leader is told)."""

    class Counter:
        group = None

        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("counter")

        @hookimpl
        def kp_plugin_off_impact(self, kelurahan):
            return [
                "7 papan tidak lagi tampil untuk warga",
                OffImpact("1 kelompok kehilangan etalasenya", groups=(self.group,)),
            ]

    counter = extra_plugin(Counter(), "counter")
    counter.group = make_group("kauman", name="Batik Lestari")
    enable_plugin(app, "notices", "kauman")
    return counter


def test_matikan_leads_to_a_confirmation_page(app, client, login_as, factory, noticeboard):
    """The row's "Matikan" is a link (works without JavaScript) to a page listing the pages,
    menu entries, map layers and widgets that disappear, and the people who will be told."""
    admin = login_as("admin", "kauman", name="Siti")
    other_admin = factory.user("admin", "kauman", name="Rahmat")
    petugas = factory.user("petugas", "kauman", name="Budi")
    factory.user("warga", "kauman", name="Ani")
    factory.user("petugas", "medono", name="Petugas Medono")
    factory.user(None, "kauman", name="Dinas Kominfo", city_admin=True)

    row = text(client.get(f"{ADMIN}/plugin")).split('id="plugin-notices"')[1].split("</li>")[0]
    assert f'href="{CONFIRM}"' in row and ">Matikan</a>" in row

    page = text(client.get(CONFIRM))
    assert "Matikan Papan pengumuman?" in page
    assert "/k/kauman/pengumuman/ tidak dapat dibuka lagi" in page
    assert "Menu: Pengumuman." in page
    assert "Lapisan peta: Pengumuman." in page
    assert "Panel di beranda: Pengumuman terbaru." in page
    assert "Tidak ada data yang dihapus" in page
    told = page.split("Yang diberi tahu")[1]
    assert f"{petugas.display_name}, {other_admin.display_name}" in told  # by name
    assert "Dinas Kominfo" in told
    assert "Ani" not in told and "Petugas Medono" not in told and admin.display_name not in told
    assert 'name="confirm" value="1"' in page and "Ya, matikan Papan pengumuman" in page
    # Nothing changed by looking.
    assert notices_on(app) and "plugin.disabled" not in audit_actions()


def test_plugin_says_what_it_loses(app, client, login_as, noticeboard):
    """A plugin's own sentences (kp_plugin_off_impact) are listed, and the leaders of the
    groups it names are among those told."""
    enable_plugin(app, "counter", "kauman")
    login_as("admin", "kauman")
    page = text(client.get(f"{ADMIN}/plugin/counter/matikan"))
    assert "7 papan tidak lagi tampil untuk warga" in page
    assert "1 kelompok kehilangan etalasenya" in page
    leader = noticeboard.group.members[0].user
    assert leader.display_name in page.split("Ketua kelompok yang terdampak")[1]


def test_a_post_without_confirmation_does_not_switch_off(app, client, login_as, noticeboard):
    """The old one-click form (or a forged one without the confirm field) only leads to the
    confirmation page; with htmx, the browser is sent there too."""
    login_as("admin", "kauman")
    response = client.post(STATUS, data={"enabled": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith(CONFIRM)
    response = client.post(STATUS, data={"enabled": "0"}, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].endswith(CONFIRM)
    assert notices_on(app)
    assert client.get("/k/kauman/pengumuman/").status_code == 200
    assert "plugin.disabled" not in audit_actions()


def test_confirming_switches_off_tells_people_and_is_audited(
    app, client, login_as, factory, noticeboard
):
    enable_plugin(app, "counter", "kauman")
    admin = login_as("admin", "kauman", name="Siti")
    petugas = factory.user("petugas", "kauman", name="Budi")
    resident = factory.user("warga", "kauman")
    city = factory.user(None, "kauman", name="Dinas Kominfo", city_admin=True)
    elsewhere = factory.user("admin", "medono")

    response = client.post(STATUS, data={"enabled": "0", "confirm": "1"})
    assert response.status_code == 302
    assert "Papan pengumuman dimatikan." in text(client.get(response.headers["Location"]))
    assert not notices_on(app)
    assert client.get("/k/kauman/pengumuman/").status_code == 404

    for user in (petugas, city):
        (note,) = notes_for(user)
        assert "Siti mematikan fitur Papan pengumuman di Kelurahan Kauman" in note
        assert "tidak dihapus" in note
    assert notes_for(resident) == notes_for(elsewhere) == notes_for(admin) == []

    (entry,) = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "plugin.disabled")
    ).scalars()
    assert (entry.actor_id, entry.object_id, entry.after) == (
        admin.id,
        "notices",
        {"enabled": False},
    )
    assert "Admin Siti mematikan Papan pengumuman" in text(client.get(f"{ADMIN}/audit"))

    # The plugin's groups are told when it is the one switched off.
    client.post(f"{ADMIN}/plugin/counter/status", data={"enabled": "0", "confirm": "1"})
    leader = noticeboard.group.members[0].user
    (note,) = notes_for(leader)
    assert "Kelurahan Kauman mematikan fitur Counter" in note


def test_switching_on_stays_one_step(app, client, login_as):
    login_as("admin", "kauman")
    response = client.post(STATUS, data={"enabled": "1"})
    assert response.status_code == 302 and notices_on(app)


def test_another_kelurahans_admin_cannot(app, client, login_as, noticeboard):
    login_as("admin", "medono")
    assert client.get(CONFIRM).status_code == 403
    assert client.post(STATUS, data={"enabled": "0", "confirm": "1"}).status_code == 403
    assert notices_on(app) and "plugin.disabled" not in audit_actions()


def test_residents_and_staff_cannot(app, client, login_as, factory, noticeboard):
    for role in ("warga", "petugas"):
        act_as(client, factory.user(role, "kauman"))
        assert client.get(CONFIRM).status_code == 403
        assert client.post(STATUS, data={"enabled": "0", "confirm": "1"}).status_code == 403
    assert notices_on(app)


def test_a_failing_impact_hook_does_not_break_the_page(app, client, login_as, extra_plugin):
    """The plugin's own sentences are left out; the page, the core's list and the switch
    still work."""
    app.config["KP_RAISE_PLUGIN_ERRORS"] = False

    class Broken:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("broken")

        @hookimpl
        def kp_plugin_off_impact(self, kelurahan):
            raise RuntimeError("boom")

    extra_plugin(Broken(), "broken")
    enable_plugin(app, "broken", "kauman")
    login_as("admin", "kauman")
    response = client.get(f"{ADMIN}/plugin/broken/matikan")
    assert response.status_code == 200
    assert "Tidak ada data yang dihapus" in text(response)
    assert "boom" not in text(response)
    response = client.post(f"{ADMIN}/plugin/broken/status", data={"enabled": "0", "confirm": "1"})
    assert response.status_code == 302
    with app.test_request_context():
        assert not host(app).is_enabled(kelurahan("kauman"), "broken")


def test_confirmation_of_a_plugin_already_off_goes_back_to_the_list(client, login_as):
    login_as("admin", "kauman")
    response = client.get(CONFIRM)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/plugin#plugin-notices"
    )
    assert client.get(f"{ADMIN}/plugin/tidak-ada/matikan").status_code == 404


def test_a_plugin_others_depend_on_cannot_be_confirmed(app, client, login_as, extra_plugin):
    class Needy:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("needy", requires=("notices",))

    extra_plugin(Needy(), "needy")
    enable_plugin(app, "notices", "kauman")
    enable_plugin(app, "needy", "kauman")
    login_as("admin", "kauman")
    page = text(client.get(CONFIRM))
    assert "Fitur ini dipakai oleh: Needy" in page
    assert 'name="confirm"' not in page
    client.post(STATUS, data={"enabled": "0", "confirm": "1"})
    assert notices_on(app)


def test_shipped_plugins_count_their_live_data(app, client, login_as, factory):
    """Reports counts the open and closed reports residents stop seeing; UMKM its public
    shops and names their groups' leaders among those told. Medono's data is not counted."""
    from plugins.reports.models import Report
    from plugins.umkm.models import Shop

    def report(slug, status, hidden=False):
        _db.session.add(
            Report(
                kelurahan_id=kelurahan(slug).id,
                category="Sampah",
                title="Sampah menumpuk",
                description="Di ujung gang.",
                lat=-6.8899,
                lng=109.6728,
                status=status,
                hidden_at=utcnow() if hidden else None,
            )
        )

    for status in ("baru", "diproses", "diproses", "selesai"):
        report("kauman", status)
    report("kauman", "baru", hidden=True)
    report("medono", "baru")
    leader = factory.user("warga", "kauman", name="Bu Ketua Batik")
    group = make_group("kauman", leader, name="Batik Lestari")
    for slug, grp, status in (("kauman", group, "approved"), ("medono", None, "approved")):
        grp = grp or make_group(slug)
        _db.session.add(
            Shop(
                kelurahan_id=grp.kelurahan_id,
                group_id=grp.id,
                name=f"Toko {grp.name}",
                whatsapp="+6281234567890",
                address="Jl. Hayam Wuruk",
                lat=-6.8899,
                lng=109.6728,
                status=status,
            )
        )
    _db.session.commit()
    for plugin_id in ("reports", "umkm"):
        enable_plugin(app, plugin_id, "kauman")
    login_as("admin", "kauman")

    page = text(client.get(f"{ADMIN}/plugin/reports/matikan"))
    assert "3 laporan terbuka dan 1 laporan yang sudah ditutup tidak lagi tampil" in page
    assert "Menu: Laporan" in page

    page = text(client.get(f"{ADMIN}/plugin/umkm/matikan"))
    assert "1 toko dan 0 produk tidak lagi tampil" in page
    assert "Bu Ketua Batik" in page.split("Ketua kelompok yang terdampak")[1]
    client.post(f"{ADMIN}/plugin/umkm/status", data={"enabled": "0", "confirm": "1"})
    (note,) = notes_for(leader)
    assert "Kelurahan Kauman mematikan fitur Pasar UMKM" in note
