"""The audit log reads as sentences ("Admin Siti mematikan Papan pengumuman"), for the core's
actions and the plugins' own; an unknown action still reads as a sentence; hostile values
stay escaped; the pages cost the same number of queries however many rows they show."""

from __future__ import annotations

import html
import re

import pytest
from conftest import StatementCounter, act_as, enable_plugin, kelurahan, make_group, make_user
from flask_babel import force_locale, get_translations

from app import audit
from app.extensions import db as _db
from app.models import GroupMember

ADMIN = "/k/kauman/admin"


def sentences(response) -> list[str]:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [html.unescape(s) for s in re.findall(r'<p class="audit-sentence">(.*?)</p>', page)]


def record(app, action, obj_type, obj_id=None, *, actor=None, slug="kauman", **details):
    with app.test_request_context():
        audit.record(action, obj_type, obj_id, kelurahan=kelurahan(slug), actor=actor, **details)
        _db.session.commit()


def make_shop(group, name: str):
    from plugins.umkm.models import Shop

    shop = Shop(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        name=name,
        whatsapp="+6281234567890",
        address="Jl. Hayam Wuruk",
        lat=-6.8899,
        lng=109.6728,
    )
    _db.session.add(shop)
    _db.session.commit()
    return shop


def test_core_actions_read_as_sentences(app, client, login_as):
    """Actions done through the pages read with the actor's role and the object's name."""
    siti = login_as("admin", "kauman", name="Siti")
    ani = make_user("warga", "kauman", name="Ani")
    client.post(f"{ADMIN}/warga/{ani.id}/verifikasi")
    client.post(f"{ADMIN}/warga/{ani.id}/peran", data={"role": "petugas"})
    client.post(f"{ADMIN}/plugin/notices/status", data={"enabled": "1"})
    client.post(f"{ADMIN}/plugin/notices/status", data={"enabled": "0", "confirm": "1"})
    group = make_group("kauman", name="Batik Lestari", verified=False)
    client.post(f"{ADMIN}/kelompok/{group.id}/verifikasi")
    record(
        app,
        "permission.granted",
        "permission",
        "notices.post",
        actor=siti,
        before={"role": "warga", "granted": False},
        after={"role": "warga", "granted": True},
    )
    member = _db.session.get(GroupMember, group.members[0].id)
    record(
        app,
        "group.member_role_changed",
        "group_member",
        member.id,
        actor=siti,
        before={"role": "anggota"},
        after={"role": "ketua", "group_id": group.id, "user_id": ani.id},
    )

    record(
        app,
        "plugin.settings_changed",
        "plugin",
        "notices",
        actor=siti,
        before={"per_page": 10, "show_on_home": True},
        after={"per_page": 25, "show_on_home": True},
    )

    lines = sentences(client.get(f"{ADMIN}/audit"))
    assert lines == [  # newest first
        "Admin Siti mengubah 1 pengaturan Papan pengumuman",
        "Admin Siti menjadikan Ani ketua di kelompok “Batik Lestari”",
        "Admin Siti memberi izin “Menulis pengumuman” kepada warga",
        "Admin Siti memverifikasi kelompok “Batik Lestari”",
        "Admin Siti mematikan Papan pengumuman",
        "Admin Siti menyalakan Papan pengumuman",
        "Admin Siti mengubah peran Ani dari warga menjadi petugas",
        "Admin Siti memverifikasi Ani sebagai warga",
    ]


def test_plugin_actions_read_as_sentences(app, client, login_as):
    """Reports and UMKM phrase their own actions (kp_audit_phrases); the system acts too."""
    budi = make_user("petugas", "kauman", name="Budi")
    ani = make_user("warga", "kauman", name="Ani")
    shop = make_shop(make_group("kauman"), "Toko Batik Sari")
    rows = [
        (
            "report.status_changed",
            "report",
            12,
            budi,
            {"status": "diproses"},
            {"status": "selesai", "note": "Sudah diaspal"},
        ),
        (
            "report.auto_hidden",
            "report_comment",
            5,
            None,
            {"hidden": False},
            {"hidden": True, "flags": 3, "threshold": 3},
        ),
        (
            "reports.api_key.issue",
            "reports_api_key",
            2,
            budi,
            None,
            {"label": "Aplikasi kota", "prefix": "kp_ab12"},
        ),
        ("report.assigned", "report", 12, budi, {"assignee": None}, {"assignee": budi.id}),
        ("report.forwarded", "report", 12, budi, None, {"agency": "DPUPR", "email": "x@y.id"}),
        ("report.confirmed_fixed", "report", 12, ani, None, {"status": "selesai"}),
        (
            "umkm.shop_approved",
            "umkm_shop",
            shop.id,
            budi,
            {"status": "pending"},
            {"status": "approved"},
        ),
        ("umkm.flags_dismissed", "umkm_product", 999, budi, {"open_flags": 2}, {"open_flags": 0}),
        ("place.created", "place", 4, budi, None, {"name": "Pasar Banjarsari", "kind": "pasar"}),
    ]
    for action, obj_type, obj_id, actor, before, after in rows:
        record(app, action, obj_type, obj_id, actor=actor, before=before, after=after)
    login_as("admin", "kauman")
    assert sentences(client.get(f"{ADMIN}/audit")) == [
        "Petugas Budi menambahkan tempat “Pasar Banjarsari” ke daftar rujukan",
        "Petugas Budi mengabaikan 2 tanda dari warga pada produk “#999”",
        "Petugas Budi menyetujui toko “Toko Batik Sari”",
        "Warga Ani memastikan laporan #12 sudah beres",
        "Petugas Budi meneruskan laporan #12 ke DPUPR",
        "Petugas Budi menugaskan Budi menangani laporan #12",
        "Petugas Budi membuat kunci API Open311 “Aplikasi kota” (kp_ab12…)",
        "Sistem menyembunyikan komentar #5 otomatis setelah 3 tanda dari warga",
        "Petugas Budi mengubah status laporan #12 menjadi Selesai",
    ]


def test_what_changed_is_behind_a_disclosure(app, client, login_as):
    budi = make_user("petugas", "kauman", name="Budi")
    record(
        app,
        "report.status_changed",
        "report",
        12,
        actor=budi,
        before={"status": "diproses"},
        after={"status": "selesai", "note": "Sudah diaspal"},
    )
    login_as("admin", "kauman")
    page = client.get(f"{ADMIN}/audit").get_data(as_text=True)
    details = page.split("<details>")[1].split("</details>")[0]
    assert "<summary>Rincian</summary>" in details
    assert "diproses → selesai" in details and "— → Sudah diaspal" in details
    # A sentence that says it all has no disclosure.
    record(app, "plugin.enabled", "plugin", "notices", actor=budi, after={"enabled": True})
    page = client.get(f"{ADMIN}/audit").get_data(as_text=True)
    assert page.count("<details>") == 1


def test_an_unknown_action_still_reads_as_a_sentence(app, client, login_as):
    """An action nobody phrased (a plugin since removed) names the actor, the action and the
    object, with its data behind the disclosure, never as raw JSON in the sentence."""
    siti = login_as("admin", "kauman", name="Siti")
    record(app, "mystery.thing", "widget_box", 5, actor=siti, after={"x": 1})
    (line,) = sentences(client.get(f"{ADMIN}/audit"))
    assert line == "Admin Siti mencatat tindakan “mystery.thing” pada widget box #5"
    assert "{" not in line


def test_hostile_values_stay_escaped(app, client, login_as):
    login_as("admin", "kauman")
    villain = make_user("petugas", "kauman", name="<script>alert(1)</script>")
    victim = make_user("warga", "kauman", name='<img src=x onerror="alert(2)">')
    record(app, "resident.verified", "user", victim.id, actor=villain)
    record(
        app,
        "report.status_changed",
        "report",
        3,
        actor=villain,
        before={"status": "<em>baru</em>"},
        after={"status": "<marquee>", "note": "<b>tebal</b>"},
    )
    shop = make_shop(make_group("kauman"), "<svg onload=alert(3)>")
    record(app, "umkm.shop_approved", "umkm_shop", shop.id, actor=villain)
    # Object ids no row can have are named by their id, without failing the page's queries.
    record(app, "umkm.shop_approved", "umkm_shop", "9" * 30, actor=villain)
    record(app, "resident.verified", "user", "١٢", actor=villain)
    record(app, "mystery.<i>", "<u>", "<s>", actor=villain, after={"<k>": "</td><script>"})
    page = client.get(f"{ADMIN}/audit").get_data(as_text=True)
    hostile = ("<script>alert", "<img src=x", "<b>tebal", "<em>", "<marquee>", "<svg", "<i>", "<u>")
    for raw in (*hostile, "<s>", "<k>"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    assert "&lt;b&gt;tebal&lt;/b&gt;" in page and "&lt;marquee&gt;" in page
    assert "toko “&lt;svg onload=alert(3)&gt;”" in page
    assert f"toko “#{'9' * 30}”" in page and "memverifikasi #١٢ sebagai warga" in page


def _fill(app, n: int, start: int) -> None:
    """n rows of each kind, each with its own actor and object."""
    from plugins.umkm.models import Shop  # noqa: F401 - the table exists

    for i in range(start, start + n):
        actor = make_user("petugas", "kauman", name=f"Petugas {i}")
        target = make_user("warga", "kauman", name=f"Warga {i}")
        group = make_group("kauman", target, name=f"Kelompok {i}")
        shop = make_shop(group, f"Toko {i}")
        with app.test_request_context():
            k = kelurahan("kauman")
            audit.record("resident.verified", "user", target.id, kelurahan=k, actor=actor)
            audit.record("group.verified", "group", group.id, kelurahan=k, actor=actor)
            audit.record("umkm.shop_approved", "umkm_shop", shop.id, kelurahan=k, actor=actor)
            audit.record(
                "report.status_changed",
                "report",
                i,
                kelurahan=k,
                actor=actor,
                after={"status": "selesai"},
            )
            audit.record(
                "group.member_role_changed",
                "group_member",
                i,
                kelurahan=k,
                actor=actor,
                after={"role": "ketua", "group_id": group.id, "user_id": target.id},
            )
            _db.session.commit()


@pytest.mark.parametrize("path", [f"{ADMIN}/audit", "/kota/audit"])
def test_query_count_does_not_grow_with_rows(app, client, path):
    viewer = make_user("admin", "kauman", name="Siti", city_admin=path.startswith("/kota"))
    act_as(client, viewer)
    _fill(app, 2, 0)
    client.get(path)  # warm the per-process caches
    with StatementCounter() as few:
        lines = sentences(client.get(path))
    assert len(lines) == 10
    _fill(app, 7, 100)
    client.get(path)  # new kelurahan data moved the config stamp: reload once more
    with StatementCounter() as many:
        lines = sentences(client.get(path))
    assert len(lines) == 45
    assert "Petugas Petugas 100 memverifikasi kelompok “Kelompok 100”" in lines
    assert many.n == few.n, many.statements


def test_sentences_follow_the_readers_language(app, client, login_as, monkeypatch):
    """A phrase is translated when the page is shown, in the reader's language, with the
    same placeholders (the English catalogue is the lead's: a stand-in translation here)."""
    siti = login_as("admin", "kauman", name="Siti")
    record(app, "plugin.disabled", "plugin", "notices", actor=siti)
    client.post("/bahasa", data={"lang": "en"})
    with app.test_request_context(), force_locale("en"):
        catalog = get_translations()._catalog
    monkeypatch.setitem(
        catalog, "%(actor)s mematikan %(object)s", "%(actor)s switched off %(object)s"
    )
    monkeypatch.setitem(catalog, "Admin %(name)s", "Administrator %(name)s")
    (line,) = sentences(client.get(f"{ADMIN}/audit"))
    assert line.startswith("Administrator Siti switched off ")
    # A translation that breaks a placeholder falls back to a readable sentence.
    monkeypatch.setitem(catalog, "%(actor)s mematikan %(object)s", "%(who)s switched off")
    (line,) = sentences(client.get(f"{ADMIN}/audit"))
    assert "Administrator Siti" in line and "plugin.disabled" in line
    client.post("/bahasa", data={"lang": "id"})
    (line,) = sentences(client.get(f"{ADMIN}/audit"))
    assert line == "Admin Siti mematikan Papan pengumuman"


def test_hook_phrases_reach_the_city_log(app, client, login_as):
    """The city's log shows every kelurahan's sentences, with the kelurahan beside them."""
    budi = make_user("petugas", "medono", name="Budi")
    record(
        app,
        "report.status_changed",
        "report",
        3,
        actor=budi,
        slug="medono",
        after={"status": "diproses"},
    )
    enable_plugin(app, "notices", "kauman")
    login_as("admin_kota", name="Rina")
    page = client.get("/kota/audit")
    lines = sentences(page)
    assert "Petugas Budi mengubah status laporan #3 menjadi Diproses" in lines
    assert "Medono" in page.get_data(as_text=True)
