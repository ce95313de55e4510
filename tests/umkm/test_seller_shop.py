"""A group member opens and edits the group's shop: who may, the Indonesian answers to bad
input (WhatsApp number, location, logo), staff being told, and the shop's review status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from PIL import Image
from sqlalchemy import select
from umkm_helpers import KAUMAN, jpeg_bytes, make_shop, upload

from app.extensions import db as _db
from app.models import Group, GroupMember, Media, PendingUpload
from app.phone import format_phone
from plugins.umkm.models import Shop

BASE = "/k/kauman/umkm"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


# -- helpers -----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def shop_data(group=None, **overrides) -> dict:
    data = {
        "name": "Batik Sekar Jagad",
        "description": "Batik tulis warna alam, dibuat ibu-ibu Kauman sejak 1998.",
        "whatsapp": "0812-3456-7890",
        "address": "Jl. Hayam Wuruk Gg. 3 No. 12",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "opening_hours": "Senin–Sabtu 08.00–16.00",
        "nib": "",
        "halal_number": "",
    }
    if group is not None:
        data["group"] = str(group.id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_shop(client, url, **data):
    return client.post(url, data=data, content_type="multipart/form-data")


def add_member(group, user, status="active", role="anggota") -> None:
    _db.session.add(
        GroupMember(
            kelurahan_id=group.kelurahan_id,
            group_id=group.id,
            user_id=user.id,
            role=role,
            status=status,
        )
    )
    _db.session.commit()


def big_jpeg(size=(1000, 800)) -> bytes:
    return jpeg_bytes(size=size)


# -- my shops ----------------------------------------------------------------------------------


def test_my_shops_page_explains_how_to_get_a_shop(client, login_as):
    login_as("warga", "kauman")
    response = client.get(f"{BASE}/toko-saya")
    assert response.status_code == 200
    body = text(response)
    assert "Belum ada toko" in body
    assert "diverifikasi petugas kelurahan" in body
    assert 'href="/k/kauman/kelompok/baru"' in body
    assert "/k/kauman/kelompok/?jenis=umkm" in body


def test_my_shops_needs_an_account(client):
    response = client.get(f"{BASE}/toko-saya")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_my_shops_lists_shops_and_groups_that_may_open_one(client, factory, login_as):
    user = login_as("warga", "kauman")
    with_shop = factory.group("kauman", leader=user, name="UMKM Sekar")
    shop = make_shop(
        factory,
        group=with_shop,
        name="Toko Sekar",
        status="suspended",
        status_reason="Foto produk bukan milik sendiri",
    )
    jlamprang = factory.group("kauman", leader=user, name="UMKM Jlamprang")
    factory.group("kauman", leader=user, name="PKK RW 3", kind="pkk")
    factory.group("kauman", leader=user, name="UMKM Belum Verif", verified=False)
    body = text(client.get(f"{BASE}/toko-saya"))
    assert "Toko Sekar" in body
    assert "Ditangguhkan" in body
    assert "Foto produk bukan milik sendiri" in body
    assert f"{BASE}/toko/{shop.id}/kelola" in body
    assert f"{BASE}/toko/{shop.id}/ubah" in body
    # Only the verified UMKM group without a shop is offered.
    offered = re.findall(r'href="/k/kauman/umkm/toko/buka\?group=(\d+)"', body)
    assert offered == [str(jlamprang.id)]
    assert "Belum ada toko" not in body


# -- opening a shop ------------------------------------------------------------------------------


def test_a_member_opens_a_shop_and_staff_are_told(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user, name="UMKM Sekar Jagad")
    petugas = factory.user("petugas", "kauman")
    admin = factory.user("admin", "kauman")
    other_staff = factory.user("petugas", "medono")

    form = client.get(f"{BASE}/toko/buka?group={group.id}")
    assert form.status_code == 200
    assert 'value="UMKM Sekar Jagad"' in text(form)  # the group's name as a start

    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group))
    assert response.status_code == 302
    shop = _db.session.execute(select(Shop)).scalar_one()
    assert response.headers["Location"].endswith(f"{BASE}/toko/{shop.id}/kelola")
    assert shop.group_id == group.id
    assert shop.kelurahan_id == factory.kelurahan("kauman").id
    assert shop.status == "pending"
    assert shop.whatsapp == "+6281234567890"
    assert (shop.lat, shop.lng) == KAUMAN
    assert shop.name == "Batik Sekar Jagad"
    assert shop.nib is None and shop.logo_id is None

    for staff in (petugas, admin):
        assert notes_for(staff) == ["Toko Batik Sekar Jagad menunggu persetujuan."]
    assert notes_for(other_staff) == []

    page = text(client.get(response.headers["Location"]))
    assert "Toko dibuka dan menunggu persetujuan" in page
    assert "Menunggu persetujuan" in page
    assert "belum tampil untuk umum" in page


def test_whatsapp_defaults_to_the_groups_number(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    group.contact_whatsapp = "+6281311112222"
    _db.session.commit()
    body = text(client.get(f"{BASE}/toko/buka?group={group.id}"))
    assert f'value="{format_phone("+6281311112222")}"' in body
    assert "0813" in format_phone("+6281311112222")


def test_a_member_with_one_group_need_not_choose(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    body = text(client.get(f"{BASE}/toko/buka"))
    assert f'<option selected value="{group.id}">' in body or (
        f'value="{group.id}" selected' in body
    )


def test_open_shop_without_any_group_goes_to_the_explanation(client, login_as):
    login_as("warga", "kauman")
    response = client.get(f"{BASE}/toko/buka")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/toko-saya")
    assert "Belum ada kelompok UMKM terverifikasi" in text(client.get(f"{BASE}/toko-saya"))


def _refused_group(case, factory, user):
    if case == "unverified":
        return factory.group("kauman", leader=user, verified=False)
    if case == "other kind":
        return factory.group("kauman", leader=user, kind="pokdarwis")
    if case == "not a member":
        return factory.group("kauman")
    if case == "only invited":
        group = factory.group("kauman")
        add_member(group, user, status="invited")
        return group
    if case == "only asked to join":
        group = factory.group("kauman")
        add_member(group, user, status="requested")
        return group
    if case == "already has a shop":
        group = factory.group("kauman", leader=user)
        make_shop(factory, group=group)
        return group
    if case == "another kelurahan":
        return factory.group("medono", leader=user)
    raise AssertionError(case)


REFUSED = [
    "unverified",
    "other kind",
    "not a member",
    "only invited",
    "only asked to join",
    "already has a shop",
    "another kelurahan",
]


@pytest.mark.parametrize("case", REFUSED)
def test_only_verified_umkm_groups_of_active_members_open_a_shop(client, factory, login_as, case):
    user = login_as("warga", "kauman")
    group = _refused_group(case, factory, user)
    shops = count(Shop)
    assert client.get(f"{BASE}/toko/buka?group={group.id}").status_code == 404
    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group))
    assert response.status_code == 422
    body = text(response)
    assert "Pilih kelompok UMKM Anda yang sudah diverifikasi kelurahan" in body
    assert 'value="Batik Sekar Jagad"' in body
    assert count(Shop) == shops


def test_a_group_gets_one_shop_only(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    assert post_shop(client, f"{BASE}/toko/buka", **shop_data(group)).status_code == 302
    again = post_shop(client, f"{BASE}/toko/buka", **shop_data(group, name="Toko Kedua"))
    assert again.status_code == 422
    assert count(Shop) == 1


def test_two_members_opening_the_same_shop_at_once_get_one_shop(
    client, factory, login_as, monkeypatch
):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    group_id = group.id
    make_shop(factory, group=group, name="Dibuka anggota lain")
    # As if the list of groups was read just before the other member's shop was saved.
    monkeypatch.setattr(
        "plugins.umkm.views_seller.groups_that_may_open_shop",
        lambda user: list(_db.session.execute(select(Group).where(Group.id == group_id)).scalars()),
    )
    response = post_shop(client, f"{BASE}/toko/buka", logo=upload("logo.jpg"), **shop_data(group))
    assert response.status_code == 422
    assert "Kelompok ini sudah punya toko." in text(response)
    assert count(Shop) == 1
    # The logo is kept for the form shown again (a pending upload), not given to a shop.
    assert count(Media) == count(PendingUpload) == 1


@pytest.mark.parametrize("number", ["12345", "0212345678", "+1 415 555 0100", "nomor saya"])
def test_invalid_whatsapp_is_refused_in_indonesian(client, factory, login_as, number):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group, whatsapp=number))
    assert response.status_code == 422
    body = text(response)
    assert "Nomor WhatsApp tidak valid. Tulis nomor HP Indonesia" in body
    assert "Periksa kembali isian yang ditandai." in body
    assert f'value="{number}"' in body
    assert 'value="Batik Sekar Jagad"' in body
    assert "Batik tulis warna alam, dibuat ibu-ibu Kauman sejak 1998." in body
    assert count(Shop) == 0


@pytest.mark.parametrize("number", ["081234567890", "6281234567890", "+6281234567890"])
def test_each_indonesian_form_of_the_number_is_stored_alike(client, factory, login_as, number):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group, whatsapp=number))
    assert response.status_code == 302
    assert _db.session.execute(select(Shop.whatsapp)).scalar_one() == "+6281234567890"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"lat": "-7.0500", "lng": "110.4200"}, "Lokasi berada di luar Kota Pekalongan"),
        ({"lat": "", "lng": ""}, "Tandai lokasi toko di peta."),
        ({"lat": "utara", "lng": "timur"}, "Koordinat harus berupa angka."),
    ],
)
def test_location_must_be_in_the_city(client, factory, login_as, where, message):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group, **where))
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert 'value="Jl. Hayam Wuruk Gg. 3 No. 12"' in body
    assert count(Shop) == 0


def test_bad_nib_is_refused(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(client, f"{BASE}/toko/buka", **shop_data(group, nib="12345"))
    assert response.status_code == 422
    assert "NIB terdiri dari 13 angka." in text(response)
    assert count(Shop) == 0


def test_logo_is_stored_small(client, app, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(
        client, f"{BASE}/toko/buka", logo=upload("logo.jpg", big_jpeg()), **shop_data(group)
    )
    assert response.status_code == 302
    shop = _db.session.execute(select(Shop)).scalar_one()
    assert shop.logo is not None
    assert max(shop.logo.width, shop.logo.height) <= 512
    path = Path(app.config["KP_MEDIA_ROOT"]) / shop.logo.relpath
    assert max(Image.open(path).size) <= 512


def test_a_logo_that_is_not_an_image_saves_nothing(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    response = post_shop(
        client,
        f"{BASE}/toko/buka",
        logo=upload("logo.jpg", b"bukan gambar sama sekali"),
        **shop_data(group),
    )
    assert response.status_code == 422
    body = text(response)
    assert "logo.jpg: Berkas ini bukan gambar" in body
    assert 'value="Batik Sekar Jagad"' in body
    assert count(Shop) == 0
    assert count(Media) == 0
    assert notes_for(user) == []


# -- editing a shop ------------------------------------------------------------------------------


def test_any_active_member_edits_the_shop_and_status_stays(client, factory, login_as):
    shop = make_shop(factory, status="approved", nib="1234567890123")
    member = login_as("warga", "kauman")
    add_member(shop.group, member)
    form = client.get(f"{BASE}/toko/{shop.id}/ubah")
    assert form.status_code == 200
    body = text(form)
    assert f'value="{shop.name}"' in body
    assert f'value="{format_phone("+6281234567890")}"' in body  # national format
    assert 'value="1234567890123"' in body

    response = post_shop(
        client,
        f"{BASE}/toko/{shop.id}/ubah",
        **shop_data(name="Batik Sekar Baru", whatsapp="+62 813-1111-2222"),
    )
    assert response.status_code == 302
    _db.session.refresh(shop)
    assert shop.name == "Batik Sekar Baru"
    assert shop.whatsapp == "+6281311112222"
    assert shop.nib is None
    assert shop.status == "approved"


def test_editing_a_pending_shop_keeps_it_pending_without_new_notes(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    shop = make_shop(factory, group=group, status="pending")
    petugas = factory.user("petugas", "kauman")
    response = post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data())
    assert response.status_code == 302
    _db.session.refresh(shop)
    assert shop.status == "pending"
    assert notes_for(petugas) == []


def test_editing_a_suspended_shop_asks_for_review_again(client, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    shop = make_shop(factory, group=group, status="suspended", status_reason="Nomor WA salah")
    petugas = factory.user("petugas", "kauman")
    form = text(client.get(f"{BASE}/toko/{shop.id}/ubah"))
    assert "Nomor WA salah" in form
    assert "diajukan ulang" in form
    response = post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data(name="Sekar Jaya"))
    assert response.status_code == 302
    _db.session.refresh(shop)
    assert shop.status == "pending"
    assert notes_for(petugas) == ["Toko Sekar Jaya menunggu persetujuan."]
    assert "diajukan ulang" in text(client.get(response.headers["Location"]))


def test_edit_keeps_or_replaces_the_logo(client, app, factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    post_shop(client, f"{BASE}/toko/buka", logo=upload("a.jpg"), **shop_data(group))
    shop = _db.session.execute(select(Shop)).scalar_one()
    first_logo = shop.logo_id
    assert first_logo is not None
    post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data())
    _db.session.refresh(shop)
    assert shop.logo_id == first_logo
    old_file = Path(app.config["KP_MEDIA_ROOT"]) / shop.logo.relpath
    response = post_shop(
        client, f"{BASE}/toko/{shop.id}/ubah", logo=upload("b.jpg", big_jpeg()), **shop_data()
    )
    assert response.status_code == 302
    _db.session.refresh(shop)
    assert shop.logo_id not in (None, first_logo)
    # The replaced logo is deleted, row and file.
    assert _db.session.get(Media, first_logo) is None and not old_file.exists()
    # A refused logo keeps the old one and the old values.
    bad = post_shop(
        client,
        f"{BASE}/toko/{shop.id}/ubah",
        logo=upload("c.jpg", b"%PDF-1.4"),
        **shop_data(name="Nama Yang Tidak Tersimpan"),
    )
    assert bad.status_code == 422
    assert 'value="Nama Yang Tidak Tersimpan"' in text(bad)
    _db.session.refresh(shop)
    assert shop.name == "Batik Sekar Jagad"


def test_edit_answers_422_and_keeps_the_shop_on_bad_input(client, factory, login_as):
    user = login_as("warga", "kauman")
    shop = make_shop(factory, group=factory.group("kauman", leader=user))
    response = post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data(whatsapp="12345"))
    assert response.status_code == 422
    assert "Nomor WhatsApp tidak valid" in text(response)
    _db.session.refresh(shop)
    assert shop.whatsapp == "+6281234567890"


def _outsider(case, factory, shop):
    if case == "resident":
        return factory.user("warga", "kauman")
    if case == "staff":
        return factory.user("petugas", "kauman")
    if case == "admin":
        return factory.user("admin", "kauman")
    if case == "member of another group":
        other = factory.group("kauman")
        make_shop(factory, group=other)
        return other.members[0].user
    if case == "asked to join":
        user = factory.user("warga", "kauman")
        add_member(shop.group, user, status="requested")
        return user
    if case == "another kelurahan":
        return factory.group("medono").members[0].user
    raise AssertionError(case)


OUTSIDERS = [
    "resident",
    "staff",
    "admin",
    "member of another group",
    "asked to join",
    "another kelurahan",
]


@pytest.mark.parametrize("case", OUTSIDERS)
def test_only_members_edit_a_shop(client, factory, case):
    shop = make_shop(factory, status="approved")
    act_as(client, _outsider(case, factory, shop))
    assert client.get(f"{BASE}/toko/{shop.id}/ubah").status_code == 404
    response = post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data(name="Diambil alih"))
    assert response.status_code == 404
    _db.session.refresh(shop)
    assert shop.name != "Diambil alih"


def test_a_shop_of_another_kelurahan_is_404_even_for_its_members(client, factory):
    shop = make_shop(factory, "medono")
    act_as(client, shop.group.members[0].user)
    assert client.get(f"/k/medono/umkm/toko/{shop.id}/ubah").status_code == 200
    assert client.get(f"{BASE}/toko/{shop.id}/ubah").status_code == 404
    response = post_shop(client, f"{BASE}/toko/{shop.id}/ubah", **shop_data(name="Lintas"))
    assert response.status_code == 404
    _db.session.refresh(shop)
    assert shop.name != "Lintas"
