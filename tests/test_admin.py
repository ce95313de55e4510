"""The kelurahan back office: verification, roles, identity and logo, plugins and settings."""

from __future__ import annotations

import functools
import io
import itertools
import re

import pytest
from conftest import StatementCounter, act_as, count, notes_for
from PIL import ExifTags, Image
from sqlalchemy import select

from app.extensions import db as _db
from app.models import (
    AuditEntry,
    Group,
    GroupMember,
    Kelurahan,
    Media,
    PluginState,
    RoleAssignment,
    User,
    utcnow,
)
from app.plugins import DIMENSIONS, host

ADMIN = "/k/kauman/admin"


def audit_entries(action: str) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def role_of(user, slug: str = "kauman") -> RoleAssignment | None:
    return _db.session.execute(
        select(RoleAssignment)
        .join(Kelurahan, Kelurahan.id == RoleAssignment.kelurahan_id)
        .where(RoleAssignment.user_id == user.id, Kelurahan.slug == slug)
    ).scalar_one()


def text(response) -> str:
    return response.get_data(as_text=True)


# -- verifying groups and residents -------------------------------------------------------------


def test_petugas_verifies_group(client, factory, login_as):
    """After verification the group page says "Terverifikasi", the ketua is told, and the
    audit log records the change from unverified to verified."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader, name="PKK Kenanga", verified=False)
    petugas = login_as("petugas", "kauman")
    assert "Belum diverifikasi" in text(client.get(f"/k/kauman/kelompok/{group.id}"))

    response = client.post(f"{ADMIN}/kelompok/{group.id}/verifikasi")
    assert response.status_code == 302
    assert _db.session.get(Group, group.id).verified_at is not None
    assert "Terverifikasi" in text(client.get(f"/k/kauman/kelompok/{group.id}"))
    assert any("PKK Kenanga sudah diverifikasi" in m for m in notes_for(leader))
    (entry,) = audit_entries("group.verified")
    assert (entry.actor_id, entry.object_id) == (petugas.id, str(group.id))
    assert (entry.before, entry.after) == ({"verified": False}, {"verified": True})


def test_petugas_verifies_resident(client, factory, login_as):
    """The resident shows as verified on the residents page; the audit log says who did it."""
    resident = factory.user("warga", "kauman", name="Bu Sumarni")
    petugas = login_as("petugas", "kauman")
    response = client.post(f"{ADMIN}/warga/{resident.id}/verifikasi")
    assert response.status_code == 302
    row = role_of(resident)
    assert row.verified_at is not None and row.verified_by_id == petugas.id
    page = text(client.get(f"{ADMIN}/warga"))
    row_html = page.split(f'id="warga-{resident.id}"')[1].split("</tr>")[0]
    assert "Terverifikasi" in row_html
    (entry,) = audit_entries("resident.verified")
    assert (entry.before, entry.after) == ({"verified": False}, {"verified": True})


@pytest.mark.parametrize(
    "path",
    ["/", "/warga", "/kelompok", "/identitas", "/plugin", "/audit"],
)
def test_warga_cannot_open_the_back_office(client, login_as, path):
    """A resident gets 403 on every back-office page."""
    login_as("warga", "kauman")
    assert client.get(ADMIN + path).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, factory):
    """A visitor who is not signed in is asked to sign in, for pages and actions alike."""
    group = factory.group("kauman", verified=False)
    for response in (
        client.get(f"{ADMIN}/"),
        client.post(f"{ADMIN}/kelompok/{group.id}/verifikasi"),
        client.post(f"{ADMIN}/plugin/notices/status", data={"enabled": "1"}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk")
    assert _db.session.get(Group, group.id).verified_at is None
    assert count(PluginState) == 0


def test_petugas_can_verify_but_not_administer(client, factory, login_as):
    """Staff reach residents and groups, not identity, plugins or the audit log."""
    login_as("petugas", "kauman")
    for path in ("/", "/warga", "/kelompok"):
        assert client.get(ADMIN + path).status_code == 200, path
    for path in ("/identitas", "/plugin", "/plugin/notices/pengaturan", "/audit"):
        assert client.get(ADMIN + path).status_code == 403, path


# -- roles --------------------------------------------------------------------------------------


def test_admin_changes_role(client, factory, login_as):
    """The new role is stored, the person is told, and the audit log keeps before and after."""
    resident = factory.user("warga", "kauman")
    admin = login_as("admin", "kauman")
    response = client.post(f"{ADMIN}/warga/{resident.id}/peran", data={"role": "petugas"})
    assert response.status_code == 302
    assert role_of(resident).role == "petugas"
    assert "Peran Anda di Kelurahan Kauman kini: petugas." in notes_for(resident)
    (entry,) = audit_entries("role.changed")
    assert entry.actor_id == admin.id and entry.object_id == str(resident.id)
    assert (entry.before, entry.after) == ({"role": "warga"}, {"role": "petugas"})
    # The new petugas can now open the back office.
    act_as(client, resident)
    assert client.get(f"{ADMIN}/").status_code == 200


def test_notification_speaks_the_recipients_language(client, factory, login_as, db):
    """An English-speaking resident is told in English, whatever language the admin uses."""
    resident = factory.user("warga", "kauman")
    resident.locale = "en"
    db.session.commit()
    login_as("admin", "kauman")
    client.post(f"{ADMIN}/warga/{resident.id}/peran", data={"role": "petugas"})
    assert "Your role in Kelurahan Kauman is now: staff." in notes_for(resident)


def test_unknown_role_is_refused(client, factory, login_as):
    """A role that does not exist is refused with a message; nothing changes."""
    resident = factory.user("warga", "kauman")
    login_as("admin", "kauman")
    response = client.post(
        f"{ADMIN}/warga/{resident.id}/peran", data={"role": "lurah"}, follow_redirects=True
    )
    assert "Peran tidak dikenal." in text(response)
    assert role_of(resident).role == "warga"
    assert count(AuditEntry) == 0


def test_admin_cannot_demote_themself(client, login_as):
    """An admin cannot lock themself out by lowering their own role."""
    admin = login_as("admin", "kauman")
    response = client.post(
        f"{ADMIN}/warga/{admin.id}/peran", data={"role": "warga"}, follow_redirects=True
    )
    assert "Anda tidak dapat menurunkan peran Anda sendiri." in text(response)
    assert role_of(admin).role == "admin"


def test_petugas_cannot_change_roles(client, factory, login_as):
    """Staff get 403 when trying to promote anyone, themselves included; nothing changes."""
    resident = factory.user("warga", "kauman")
    petugas = login_as("petugas", "kauman")
    for user in (resident, petugas):
        response = client.post(f"{ADMIN}/warga/{user.id}/peran", data={"role": "admin"})
        assert response.status_code == 403
    assert (role_of(resident).role, role_of(petugas).role) == ("warga", "petugas")
    assert count(AuditEntry) == 0


def test_admin_cannot_reach_another_kelurahan(client, factory, login_as):
    """A Kauman admin gets 404 for Medono's residents and groups through Kauman's URLs, and 403
    for Medono's back office, where they hold no role. Nothing in Medono changes."""
    medono_resident = factory.user("warga", "medono")
    medono_group = factory.group("medono", verified=False)
    login_as("admin", "kauman")

    for response in (
        client.post(f"{ADMIN}/warga/{medono_resident.id}/verifikasi"),
        client.post(f"{ADMIN}/warga/{medono_resident.id}/peran", data={"role": "admin"}),
        client.post(f"{ADMIN}/kelompok/{medono_group.id}/verifikasi"),
        client.get(f"/k/kauman/kelompok/{medono_group.id}"),
    ):
        assert response.status_code == 404

    medono = "/k/medono/admin"
    for response in (
        client.get(f"{medono}/"),
        client.get(f"{medono}/warga"),
        client.post(f"{medono}/warga/{medono_resident.id}/verifikasi"),
        client.post(f"{medono}/warga/{medono_resident.id}/peran", data={"role": "admin"}),
        client.post(f"{medono}/kelompok/{medono_group.id}/verifikasi"),
        client.post(f"{medono}/plugin/notices/status", data={"enabled": "1"}),
    ):
        assert response.status_code == 403

    row = role_of(medono_resident, "medono")
    assert (row.role, row.verified_at) == ("warga", None)
    assert _db.session.get(Group, medono_group.id).verified_at is None
    assert count(AuditEntry) == 0
    assert count(PluginState) == 0


def test_residents_page_lists_only_this_kelurahan(client, factory, login_as):
    """Kauman's residents page shows Kauman's residents, not Medono's."""
    factory.user("warga", "kauman", name="Warga Kauman Asli")
    factory.user("warga", "medono", name="Warga Medono Asli")
    login_as("petugas", "kauman")
    page = text(client.get(f"{ADMIN}/warga"))
    assert "Warga Kauman Asli" in page
    assert "Warga Medono Asli" not in page


# -- identity -----------------------------------------------------------------------------------

IDENTITY = {
    "description": "Kampung batik di jantung kota.",
    "address": "Jl. Hayam Wuruk No. 1, Pekalongan",
    "phone": "(0285) 421234",
    "whatsapp": "0812-3456-7890",
    "email": "Kauman@Pekalongankota.go.id",
    "opening_hours": "Senin–Kamis 08.00–15.00",
    "lat": "-6.8879",
    "lng": "109.6781",
}


def post_identity(client, **changes):
    data = dict(IDENTITY, **changes)
    return client.post(f"{ADMIN}/identitas", data=data, content_type="multipart/form-data")


def kauman() -> Kelurahan:
    return _db.session.execute(select(Kelurahan).where(Kelurahan.slug == "kauman")).scalar_one()


def identity_of(k: Kelurahan) -> tuple:
    return (
        k.description,
        k.address,
        k.phone,
        k.whatsapp,
        k.email,
        k.opening_hours,
        k.lat,
        k.lng,
        k.logo_id,
    )


def test_admin_edits_identity_shown_on_home(client, login_as):
    """Every field is saved, the audit log records it, and the home page shows it all."""
    login_as("admin", "kauman")
    response = post_identity(client)
    assert response.status_code == 302
    k = kauman()
    assert k.whatsapp == "+6281234567890"
    assert k.email == "kauman@pekalongankota.go.id"
    assert (k.lat, k.lng) == (-6.8879, 109.6781)
    assert k.centre_is_approximate is False
    (entry,) = audit_entries("kelurahan.identity_updated")
    assert entry.after["address"] == IDENTITY["address"] and entry.before["address"] is None

    home = text(client.get("/k/kauman/"))
    for shown in (
        "Kampung batik di jantung kota.",
        "Jl. Hayam Wuruk No. 1, Pekalongan",
        "(0285) 421234",
        "0812-3456-7890",
        "https://wa.me/6281234567890",
        "kauman@pekalongankota.go.id",
        "Senin–Kamis 08.00–15.00",
        'data-center="-6.8879,109.6781"',
    ):
        assert shown in home, shown


def test_invalid_whatsapp_is_refused(client, login_as):
    """A WhatsApp number that is not an Indonesian mobile is explained; nothing is saved."""
    login_as("admin", "kauman")
    before = identity_of(kauman())
    response = post_identity(client, whatsapp="12345")
    assert response.status_code == 422
    assert "Nomor HP tidak valid" in text(response)
    assert 'value="12345"' in text(response)
    assert identity_of(kauman()) == before


@pytest.mark.parametrize(
    "lat, lng",
    [("-7.5", "110.4"), ("-6.2088", "106.8456"), ("-6.8879", "")],
    ids=["central-java", "jakarta", "half-a-point"],
)
def test_map_centre_outside_the_city_is_refused(client, login_as, lat, lng):
    """A centre outside Kota Pekalongan is refused; no other field is saved either, and the
    form keeps everything that was typed."""
    login_as("admin", "kauman")
    before = identity_of(kauman())
    response = post_identity(client, lat=lat, lng=lng, address="Alamat yang belum tersimpan")
    assert response.status_code == 422
    page = text(response)
    if lng:
        assert "di luar Kota Pekalongan" in page
    assert "Alamat yang belum tersimpan" in page
    assert f'value="{lat}"' in page
    assert identity_of(kauman()) == before
    assert count(AuditEntry) == 0


@pytest.mark.parametrize("lat, lng", [("enam", "109.67"), ("-6.88", "109,67,1")])
def test_non_numeric_coordinates_are_refused(client, login_as, lat, lng):
    """Coordinates that are not numbers get an Indonesian message; nothing is saved."""
    login_as("admin", "kauman")
    before = identity_of(kauman())
    response = post_identity(client, lat=lat, lng=lng)
    assert response.status_code == 422
    assert "Koordinat harus berupa angka" in text(response)
    assert identity_of(kauman()) == before


def test_comma_decimal_coordinates_are_accepted(client, login_as):
    """Indonesian decimal commas (-6,8879) are understood."""
    login_as("admin", "kauman")
    assert post_identity(client, lat="-6,8879", lng="109,6781").status_code == 302
    assert (kauman().lat, kauman().lng) == (-6.8879, 109.6781)


# -- logo ---------------------------------------------------------------------------------------


def photo_with_gps(fmt: str) -> bytes:
    """A small image with a GPS position in its EXIF, as a phone would write it."""
    image = Image.new("RGB", (320, 200), (180, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 53.0, 17.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (109.0, 40.0, 41.0)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


@functools.cache
def pixel_flood() -> bytes:
    """A tiny PNG that would need 400 million pixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_logo_upload_is_served_without_metadata(client, login_as, fmt):
    """The logo appears on the home page as a JPEG under /media/, with nosniff and no GPS."""
    login_as("admin", "kauman")
    logo = (io.BytesIO(photo_with_gps(fmt)), f"logo.{fmt.lower()}")
    response = post_identity(client, logo=logo)
    assert response.status_code == 302
    k = kauman()
    assert k.logo_id is not None
    media = _db.session.get(Media, k.logo_id)
    assert media.kelurahan_id == k.id

    home = text(client.get("/k/kauman/"))
    src = re.search(r'<img class="logo" src="(/media/[^"]+)"', home).group(1)
    assert src == f"/media/{media.relpath}"
    served = client.get(src)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "JPEG" and image.size == (320, 200)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"TestPhone" not in served.data and b"Exif" not in served.data


@pytest.mark.parametrize(
    "make_upload, message",
    [
        (lambda: b"Ini bukan gambar, hanya teks.\n", "Berkas ini bukan gambar."),
        (
            lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024),
            "Ukuran berkas melebihi 10 MB.",
        ),
        (pixel_flood, "Gambar terlalu besar (resolusinya terlalu tinggi)."),
    ],
    ids=["text-file", "over-10-mb", "pixel-flood"],
)
def test_bad_logo_is_refused(client, login_as, make_upload, message):
    """A file that is not a fit image is refused with an Indonesian message (422); the logo,
    the media table and every other field stay as they were, and the form keeps the typing."""
    login_as("admin", "kauman")
    before = identity_of(kauman())
    response = post_identity(
        client,
        logo=(io.BytesIO(make_upload()), "logo.png"),
        address="Alamat yang diketik",
        opening_hours="Setiap hari 07.00–12.00",
    )
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "Alamat yang diketik" in page and "Setiap hari 07.00–12.00" in page
    assert count(Media) == 0
    assert identity_of(kauman()) == before
    assert count(AuditEntry) == 0


# -- plugins ------------------------------------------------------------------------------------


def set_notices(client, enabled: bool):
    """On in one step; off as the confirmation page does (see test_plugin_switch_off.py)."""
    data = {"enabled": "1"} if enabled else {"enabled": "0", "confirm": "1"}
    return client.post(f"{ADMIN}/plugin/notices/status", data=data)


def notices_visible(client, slug: str = "kauman") -> dict[str, bool]:
    """What a visitor notices of the example plugin in one kelurahan."""
    home = text(client.get(f"/k/{slug}/"))
    return {
        "page": client.get(f"/k/{slug}/pengumuman/").status_code == 200,
        "nav": f'href="/k/{slug}/pengumuman/"' in home.split('<main id="main">')[0],
        "widget": "Pengumuman terbaru" in home,
        "layer": f"/k/{slug}/peta/notices.geojson" in home,
    }


def test_plugins_page_lists_plugins_by_dimension(client, login_as, app):
    """Each of the six dimensions has a heading, and every installed plugin is listed under its
    own dimension (the example notice board under Smart Governance), switched off at first."""
    login_as("admin", "kauman")
    page = text(client.get(f"{ADMIN}/plugin"))
    sections = {
        label: page.split(f"<h2>{label}</h2>")[1].split("<h2>")[0] for label in DIMENSIONS.values()
    }
    manifests = host(app).manifests
    assert "notices" in manifests
    for manifest in manifests.values():
        with app.test_request_context():
            name = str(manifest.name)
        assert f'id="plugin-{manifest.id}"' in sections[DIMENSIONS[manifest.dimension]]
        assert name in sections[DIMENSIONS[manifest.dimension]]
    governance = sections["Smart Governance"]
    assert "Papan pengumuman" in governance
    notices = governance.split('id="plugin-notices"')[1].split("</li>")[0]
    assert "Nonaktif" in notices and "Aktifkan" in notices


def test_enabling_and_disabling_a_plugin(client, login_as):
    """Switching the notice board on shows its page, menu entry, widget and map layer in Kauman
    only; switching it off removes them. Both changes appear in the audit log."""
    login_as("admin", "kauman")
    all_off = {"page": False, "nav": False, "widget": False, "layer": False}
    assert notices_visible(client) == all_off

    response = set_notices(client, True)
    assert response.status_code == 302
    assert "Papan pengumuman diaktifkan." in text(client.get(response.headers["Location"]))
    assert notices_visible(client) == {"page": True, "nav": True, "widget": True, "layer": True}
    nav = text(client.get("/k/kauman/")).split('<main id="main">')[0]
    assert ">Pengumuman</a>" in nav
    assert notices_visible(client, "medono") == all_off
    assert "Aktif" in text(client.get(f"{ADMIN}/plugin")).split('id="plugin-notices"')[1]

    assert set_notices(client, False).status_code == 302
    assert notices_visible(client) == all_off

    (on,) = audit_entries("plugin.enabled")
    (off,) = audit_entries("plugin.disabled")
    assert (on.object_id, on.before, on.after) == ("notices", {"enabled": False}, {"enabled": True})
    assert (off.before, off.after) == ({"enabled": True}, {"enabled": False})
    log = text(client.get(f"{ADMIN}/audit"))
    assert "menyalakan Papan pengumuman" in log and "mematikan Papan pengumuman" in log


def test_unknown_plugin_is_not_found(client, login_as):
    """Switching or configuring a plugin that is not installed answers 404."""
    login_as("admin", "kauman")
    assert client.post(f"{ADMIN}/plugin/tidak-ada/status", data={"enabled": "1"}).status_code == 404
    assert client.get(f"{ADMIN}/plugin/tidak-ada/pengaturan").status_code == 404
    assert count(PluginState) == 0


@pytest.mark.parametrize(
    "typed, message",
    [
        ("abc", "Isi dengan bilangan bulat"),
        ("0", "Nilai terkecil 1."),
        ("999", "Nilai terbesar 50."),
    ],
)
def test_bad_plugin_setting_is_refused(client, login_as, typed, message):
    """A wrong per-page value is explained next to its field and kept; nothing is stored."""
    login_as("admin", "kauman")
    response = client.post(
        f"{ADMIN}/plugin/notices/pengaturan", data={"per_page": typed, "show_on_home": "1"}
    )
    assert response.status_code == 422
    page = text(response)
    error = re.search(r'<p class="error" id="setting-per_page-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert f'name="per_page" value="{typed}"' in page
    assert count(PluginState) == 0
    assert count(AuditEntry) == 0


def test_plugin_settings_are_stored_typed(client, login_as):
    """A valid number is stored as an integer; unticking "Tampilkan di beranda" hides the widget."""
    login_as("admin", "kauman")
    set_notices(client, True)
    response = client.post(f"{ADMIN}/plugin/notices/pengaturan", data={"per_page": " 25 "})
    assert response.status_code == 302
    state = _db.session.execute(select(PluginState)).scalar_one()
    assert state.settings == {"per_page": 25, "show_on_home": False}
    assert type(state.settings["per_page"]) is int
    assert 'value="25"' in text(client.get(f"{ADMIN}/plugin/notices/pengaturan"))
    visible = notices_visible(client)
    assert visible["page"] and visible["nav"] and not visible["widget"]
    (entry,) = audit_entries("plugin.settings_changed")
    assert entry.after == {"per_page": 25, "show_on_home": False}

    client.post(f"{ADMIN}/plugin/notices/pengaturan", data={"per_page": "25", "show_on_home": "1"})
    assert notices_visible(client)["widget"]


@pytest.mark.parametrize("role", ["warga", "petugas"])
def test_non_admins_cannot_manage_plugins(client, login_as, role):
    """Residents and staff get 403 for the plugins page, switches and settings."""
    login_as(role, "kauman")
    assert client.get(f"{ADMIN}/plugin").status_code == 403
    assert set_notices(client, True).status_code == 403
    response = client.post(f"{ADMIN}/plugin/notices/pengaturan", data={"per_page": "5"})
    assert response.status_code == 403
    assert count(PluginState) == 0
    assert notices_visible(client)["page"] is False


# -- query counts -------------------------------------------------------------------------------


def queries_for(client, url: str) -> int:
    with StatementCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.n


_bulk = itertools.count(1)


def add_groups_and_residents(n: int, slug: str = "kauman") -> None:
    """n residents (half verified), each leading a verified group that the previous one has
    joined or asked to join. Inserted in one go: these accounts never sign in."""
    k = _db.session.execute(select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()
    previous = None
    for i in range(n):
        serial = next(_bulk)
        user = User(
            email=f"massal{serial}@contoh.id" if i % 2 else None,
            phone=None if i % 2 else f"+62812{serial:07d}",
            display_name=f"Warga Massal {serial}",
            password_hash="!",
            home_kelurahan=k,
        )
        user.roles.append(RoleAssignment(kelurahan=k, verified_at=utcnow() if i % 2 else None))
        _db.session.add(user)
        _db.session.flush()
        group = Group(
            kelurahan_id=k.id,
            name=f"Kelompok Massal {serial}",
            slug=f"kelompok-massal-{serial}",
            kind="pkk" if i % 2 else "umkm",
            created_by_id=user.id,
            verified_at=utcnow(),
        )
        group.members.append(GroupMember(kelurahan_id=k.id, user=user, role="ketua"))
        if previous is not None:
            status = "requested" if i % 3 else "active"
            group.members.append(GroupMember(kelurahan_id=k.id, user=previous, status=status))
        _db.session.add(group)
        previous = user
    _db.session.commit()


@pytest.mark.parametrize(
    "path", ["/k/kauman/", "/k/kauman/kelompok/", f"{ADMIN}/warga", f"{ADMIN}/kelompok"]
)
def test_page_query_count_does_not_grow_with_data(client, login_as, path):
    """The page costs the same number of queries with 2 groups and residents as with 40."""
    login_as("admin", "kauman")
    client.get(path)  # warm-up: per-process caches
    add_groups_and_residents(2)
    small = queries_for(client, path)
    add_groups_and_residents(38)
    large = queries_for(client, path)
    assert large == small


def test_residents_page_paginates(client, login_as):
    """With more residents than fit on one page, both pages open and link to each other."""
    login_as("petugas", "kauman")
    add_groups_and_residents(60)
    first = client.get(f"{ADMIN}/warga")
    assert first.status_code == 200
    assert "Halaman 1 dari 2" in text(first)
    second = client.get(f"{ADMIN}/warga?page=2")
    assert second.status_code == 200
    assert "Halaman 2 dari 2" in text(second) and "Sebelumnya" in text(second)
    names = set(re.findall(r"Warga Massal \d+", text(first) + text(second)))
    assert len(names) == 60


def test_plugin_switch_with_htmx_answers_with_the_row_only(client, login_as):
    """With htmx the switch swaps its own row (and says so); without, the page reloads."""
    login_as("admin", "kauman")
    response = client.post(
        f"{ADMIN}/plugin/notices/status", data={"enabled": "1"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<li id="plugin-notices"')
    assert "Papan pengumuman diaktifkan." in html and "Matikan" in html
    assert "HX-Request" in response.headers["Vary"]
    assert client.get("/k/kauman/pengumuman/").status_code == 200
    plain = client.post(f"{ADMIN}/plugin/notices/status", data={"enabled": "0", "confirm": "1"})
    assert plain.status_code == 302
    assert client.get("/k/kauman/pengumuman/").status_code == 404
