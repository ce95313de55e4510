"""Every kelurahan's page is useful before its admin fills anything in: the reference data
(kecamatan, Kemendagri code, postal code), the office contact where filled and a clear line
where not, and where to complain (the city's channel and SP4N-LAPOR!) while no plugin that
takes reports is on. The kelurahan admin sees a setup checklist until the identity is
complete; nobody else does."""

from __future__ import annotations

import html
import io
import re

import pytest
from conftest import enable_plugin, kelurahan
from PIL import Image
from test_admin import IDENTITY, post_identity

from app import city_settings
from app.directory import all_kelurahan
from app.extensions import db as _db
from app.models import CitySetting

LAPOR = "https://www.lapor.go.id"
CITY = "/kota/pengaturan"
CHANNEL = {
    "complaint_name": "Aduan Diskominfo Kota Pekalongan",
    "complaint_url": "https://aduan.pekalongankota.go.id/lapor",
    "complaint_phone": "(0285) 421093",
}
CHECKLIST = "Lengkapi halaman kelurahan"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def visitor_page(app, slug: str) -> str:
    """The page as someone who is not signed in sees it (served from the page cache)."""
    response = app.test_client().get(f"/k/{slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def city_form(app, **core) -> dict:
    """The whole city settings form as a browser sends it, with the core's fields changed."""
    with app.test_request_context():
        data = {
            f"{m.id}.{key}": value
            for m in city_settings.manifests_with_city_settings()
            for key, value in city_settings.form_values(m).items()
        }
    data.update({f"core.{key}": value for key, value in core.items()})
    return data


def set_city(app, client, login_as, **core) -> None:
    login_as("admin_kota")
    assert client.post(CITY, data=city_form(app, **core)).status_code == 302


# -- where to complain -------------------------------------------------------------------------


def test_without_a_reporting_plugin_the_page_names_lapor_and_then_the_city_channel(
    app, client, login_as
):
    page = visitor_page(app, "medono")
    assert "Ke mana mengadu" in page and "SP4N-LAPOR!" in page and f'href="{LAPOR}"' in page
    assert "Aduan Diskominfo" not in page

    set_city(app, client, login_as, **CHANNEL)
    assert "Aduan Diskominfo Kota Pekalongan" in text(client.get("/kota/audit"))
    # The cached page is renewed at once: the city admin's save moves the config stamp.
    page = visitor_page(app, "medono")
    box = page[page.index('id="mengadu"') :]
    assert "Aduan Diskominfo Kota Pekalongan" in box
    assert 'href="https://aduan.pekalongankota.go.id/lapor"' in box
    assert 'href="tel:0285421093"' in box and "(0285) 421093" in box
    assert f'href="{LAPOR}"' in box
    # The office has no phone yet: the city's channel stands in for it.
    office = page[page.index('id="kantor"') : page.index('id="mengadu"')]
    assert "Telepon dan WhatsApp kantor belum diisi oleh kelurahan." in office
    assert "Aduan Diskominfo Kota Pekalongan" in office


def test_with_reports_switched_on_the_page_offers_its_form_instead(app, client):
    enable_plugin(app, "reports", "kauman")
    page = visitor_page(app, "kauman")
    box = page[page.index('id="mengadu"') :]
    assert 'href="/k/kauman/laporan/baru"' in box and "Buat laporan warga" in box
    assert LAPOR not in page and "SP4N-LAPOR!" not in page
    # Other kelurahan keep the outside channels.
    assert f'href="{LAPOR}"' in visitor_page(app, "medono")
    enable_plugin(app, "reports", "kauman", enabled=False)
    assert f'href="{LAPOR}"' in visitor_page(app, "kauman")


@pytest.mark.parametrize(
    "field, typed, message",
    [
        (
            "complaint_url",
            "javascript:alert(1)",
            "Isi alamat web lengkap, misalnya https://aduan.pekalongankota.go.id.",
        ),
        ("complaint_url", "aduan.pekalongankota.go.id", "Isi alamat web lengkap"),
        ("complaint_phone", "hubungi kami", "Isi nomor telepon"),
    ],
)
def test_the_city_channel_is_checked_and_what_was_typed_kept(
    app, client, login_as, field, typed, message
):
    login_as("admin_kota")
    response = client.post(CITY, data=city_form(app, **{field: typed}))
    assert response.status_code == 422
    page = text(response)
    assert message in page and typed in page
    assert _db.session.get(CitySetting, f"core.{field}") is None


def test_only_the_city_admin_sets_the_city_channel(app, client, login_as):
    login_as("admin", "kauman")
    assert client.post(CITY, data=city_form(app, complaint_name="Palsu")).status_code == 403
    assert _db.session.get(CitySetting, "core.complaint_name") is None


# -- the office --------------------------------------------------------------------------------


def test_every_kelurahan_page_shows_its_reference_data_and_says_what_is_missing(app):
    with app.test_request_context():
        rows = [(k.slug, k.code, k.kecamatan_name, k.postal_code) for k in all_kelurahan()]
    assert len(rows) == 27
    client = app.test_client()
    for slug, code, kecamatan_name, postal_code in rows:
        page = html.unescape(client.get(f"/k/{slug}/").get_data(as_text=True))
        assert code in page and kecamatan_name in page, slug
        assert postal_code and postal_code in page, slug
        assert "Alamat kantor belum diisi oleh kelurahan." in page, slug
        assert "Jam pelayanan belum diisi oleh kelurahan." in page, slug
        assert 'href="tel:' not in page, slug  # no phone number is made up


def test_the_city_default_hours_show_until_the_kelurahan_sets_its_own(app, client, login_as):
    set_city(app, client, login_as, office_hours="Senin–Jumat 07.30–15.30")
    page = html.unescape(visitor_page(app, "kauman"))
    assert "Senin–Jumat 07.30–15.30" in page
    assert "Kelurahan ini belum mengisi jamnya sendiri." in page
    assert "Jam pelayanan belum diisi oleh kelurahan." not in page

    login_as("admin", "kauman")
    assert post_identity(client).status_code == 302
    page = html.unescape(visitor_page(app, "kauman"))
    assert IDENTITY["opening_hours"] in page and "Senin–Jumat 07.30–15.30" not in page


def test_a_filled_identity_shows_call_whatsapp_and_mail_links(app, client, login_as):
    login_as("admin", "kauman")
    assert post_identity(client).status_code == 302
    page = visitor_page(app, "kauman")
    office = html.unescape(page[page.index('id="kantor"') : page.index('id="mengadu"')])
    assert IDENTITY["address"] in office
    assert 'href="tel:0285421234"' in office and "(0285) 421234" in office
    assert 'href="https://wa.me/6281234567890"' in office
    assert 'href="mailto:kauman@pekalongankota.go.id"' in office
    assert "belum diisi" not in office
    # The office is now a way to complain too.
    assert "Kantor kelurahan: datang atau hubungi lewat kontak di atas." in page


def test_hostile_identity_values_are_escaped(app, client, login_as):
    login_as("admin", "kauman")
    hostile = {
        "address": "<script>alert('alamat')</script>",
        "phone": '"><svg onload=1>',
        "opening_hours": "<img src=x onerror=alert(1)>",
        "description": "</p><iframe src=//evil.example>",
    }
    assert post_identity(client, **hostile).status_code == 302
    page = visitor_page(app, "kauman")
    for value in hostile.values():
        assert value not in page
    assert "&lt;script&gt;alert(" in page and "&lt;iframe" in page
    # The call link keeps only the digits of what was typed.
    assert re.findall(r'href="tel:([^"]*)"', page) == ["1"]


# -- the setup checklist -----------------------------------------------------------------------


def png_logo() -> tuple[io.BytesIO, str]:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (11, 110, 79)).save(out, "PNG")
    out.seek(0)
    return out, "logo.png"


def test_the_admin_sees_the_checklist_until_everything_is_done(app, client, login_as):
    login_as("admin", "kauman")
    page = text(client.get("/k/kauman/admin/"))
    assert CHECKLIST in page and "0 dari 7 sudah lengkap." in page
    for anchor in ("address", "phone", "opening_hours", "centre-picker", "logo", "description"):
        assert f'href="/k/kauman/admin/identitas#{anchor}"' in page
    assert 'href="/k/kauman/admin/plugin"' in page

    assert post_identity(client, logo=png_logo()).status_code == 302
    page = text(client.get("/k/kauman/admin/"))
    assert "6 dari 7 sudah lengkap." in page
    assert 'href="/k/kauman/admin/identitas#address"' not in page

    enable_plugin(app, "reports", "kauman")
    page = text(client.get("/k/kauman/admin/"))
    assert CHECKLIST not in page
    assert "Warga" in page  # the rest of the admin home is still there


def test_a_map_centre_left_at_the_seed_estimate_is_not_done(app, client, login_as):
    login_as("admin", "kauman")
    k = kelurahan("kauman")
    assert k.centre_is_approximate
    post_identity(client, lat=str(k.lat), lng=str(k.lng))  # saved, but not moved
    page = text(client.get("/k/kauman/admin/"))
    item = page[page.index("Lokasi kantor di peta") - 200 : page.index("Lokasi kantor di peta")]
    assert 'href="/k/kauman/admin/identitas#centre-picker"' in item


def test_staff_and_residents_never_see_the_checklist(app, client, login_as):
    login_as("petugas", "kauman")
    response = client.get("/k/kauman/admin/")
    assert response.status_code == 200 and CHECKLIST not in text(response)
    assert CHECKLIST not in text(client.get("/k/kauman/"))
    login_as("warga", "kauman")
    assert client.get("/k/kauman/admin/").status_code == 403
    assert CHECKLIST not in text(client.get("/k/kauman/"))
    assert CHECKLIST not in visitor_page(app, "kauman")
    # The admin of another kelurahan cannot open this one's back office.
    login_as("admin", "medono")
    assert client.get("/k/kauman/admin/").status_code in (403, 404)
