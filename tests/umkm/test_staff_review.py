"""Staff of the kelurahan review shops (approve, suspend, each with a reason, the group told
and the audit log written), hide and show products, and work through the queue of flagged
products. Residents are refused; staff of another kelurahan never reach this one's objects."""

from __future__ import annotations

import re

import pytest
from conftest import StatementCounter, act_as, count, enable_plugin, make_user, notes_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import AuditEntry, GroupMember, Notification, utcnow
from plugins.umkm.models import Product, ProductFlag, Shop

BASE = "/k/kauman/umkm"
STAFF = f"{BASE}/petugas"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, obj):
    _db.session.expire_all()
    return _db.session.get(model, obj.id)


def audit(action: str) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def add_member(group, user, status: str = "active") -> None:
    _db.session.add(
        GroupMember(
            kelurahan_id=group.kelurahan_id,
            group_id=group.id,
            user_id=user.id,
            role="anggota",
            status=status,
        )
    )
    _db.session.commit()


def flag(product, reason: str = "penipuan", note: str = "", *, name: str | None = None):
    user = make_user("warga", "kauman", name=name)
    row = ProductFlag(
        kelurahan_id=product.kelurahan_id,
        product_id=product.id,
        user_id=user.id,
        reason=reason,
        note=note,
    )
    _db.session.add(row)
    _db.session.commit()
    return row


def open_flags(product) -> int:
    return count(
        ProductFlag, ProductFlag.product_id == product.id, ProductFlag.resolved_at.is_(None)
    )


def searchable(client, word: str, name: str) -> bool:
    return name in text(client.get("/k/kauman/cari", query_string={"q": word}))


# -- the review list ---------------------------------------------------------------------------


def test_pending_shops_are_listed_with_what_staff_need(client, factory, login_as):
    group = factory.group("kauman", name="Kelompok Batik Gang Tujuh")
    shop = make_shop(
        factory,
        group=group,
        status="pending",
        name="Batik Sekar Melati",
        whatsapp="+6281311112222",
        address="Jl. Kauman Gang 7 No. 3",
        nib="9120201851234",
        halal_number="ID33110000872310823",
    )
    for _ in range(3):
        make_product(shop)
    make_shop(factory, name="Toko Sudah Disetujui")
    make_shop(factory, name="Toko Ditangguhkan", status="suspended", status_reason="Nomor palsu")
    login_as("petugas", "kauman")

    response = client.get(f"{STAFF}/toko")
    assert response.status_code == 200
    body = text(response)
    item = body[body.index(f'id="toko-{shop.id}"') :]
    item = item[: item.index("</li>")]
    for shown in (
        "Batik Sekar Melati",
        "Kelompok Batik Gang Tujuh",
        "0813-1111-2222",
        "Jl. Kauman Gang 7 No. 3",
        "9120201851234",
        "ID33110000872310823",
        f'href="{BASE}/toko/{shop.id}"',
        f'href="/k/kauman/kelompok/{group.id}"',
        f'action="{STAFF}/toko/{shop.id}/setujui"',
        f'action="{STAFF}/toko/{shop.id}/tangguhkan"',
    ):
        assert shown in item, shown
    assert re.search(r"<dt>Produk</dt><dd>3</dd>", item)
    assert "Toko Sudah Disetujui" not in body and "Toko Ditangguhkan" not in body
    # The sub-nav counts shops per status.
    assert "Menunggu (1)" in body and "Disetujui (1)" in body and "Ditangguhkan (1)" in body

    body = text(client.get(f"{STAFF}/toko?status=suspended"))
    assert "Toko Ditangguhkan" in body and "Nomor palsu" in body
    assert "Batik Sekar Melati" not in body
    assert f"{STAFF}/toko/{shop.id}/" not in body
    # An unknown status falls back to the pending list.
    assert "Batik Sekar Melati" in text(client.get(f"{STAFF}/toko?status=semua"))


def test_review_list_shows_only_this_kelurahan(client, factory, login_as):
    make_shop(factory, "medono", status="pending", name="Toko Medono Menunggu")
    login_as("petugas", "kauman")
    body = text(client.get(f"{STAFF}/toko"))
    assert "Toko Medono Menunggu" not in body
    assert "Tidak ada toko yang menunggu persetujuan." in body


# -- approve and suspend -----------------------------------------------------------------------


def test_approving_tells_every_member_and_is_audited(app, client, factory, login_as):
    group = factory.group("kauman", name="UMKM Megono Gang 3")
    leader = group.members[0].user
    member, english = make_user("warga", "kauman"), make_user("warga", "kauman")
    english.locale = "en"
    asking = make_user("warga", "kauman")  # asked to join, not a member yet
    add_member(group, member)
    add_member(group, english)
    add_member(group, asking, status="requested")
    shop = make_shop(factory, group=group, status="pending", name="Megono Bu Ratna")
    staff = login_as("petugas", "kauman")

    response = client.post(
        f"{STAFF}/toko/{shop.id}/setujui",
        data={"reason": "Dokumen lengkap, selamat berjualan."},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{STAFF}/toko?status=pending")
    shop = fresh(Shop, shop)
    assert shop.status == "approved"
    assert shop.status_reason == "Dokumen lengkap, selamat berjualan."
    assert shop.reviewed_by_id == staff.id and shop.reviewed_at is not None

    expected = (
        "Toko “Megono Bu Ratna” disetujui petugas dan kini tampil untuk publik. "
        "Catatan petugas: Dokumen lengkap, selamat berjualan."
    )
    assert notes_for(leader) == [expected]
    assert notes_for(member) == [expected]
    message = _l(
        "Toko “%(name)s” disetujui petugas dan kini tampil untuk publik. "
        "Catatan petugas: %(reason)s",
        name="Megono Bu Ratna",
        reason="Dokumen lengkap, selamat berjualan.",
    )
    with app.test_request_context(), force_locale("en"):
        in_english = str(message)
    assert notes_for(english) == [in_english]  # in the member's own language
    assert notes_for(asking) == [] and notes_for(staff) == []
    urls = set(
        _db.session.execute(
            select(Notification.url).where(Notification.user_id == leader.id)
        ).scalars()
    )
    assert urls == {f"{BASE}/toko/{shop.id}/kelola"}

    (entry,) = audit("umkm.shop_approved")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        staff.id,
        "umkm_shop",
        str(shop.id),
    )
    assert entry.kelurahan_id == shop.kelurahan_id
    assert entry.before == {"status": "pending", "reason": None}
    assert entry.after == {"status": "approved", "reason": "Dokumen lengkap, selamat berjualan."}


def test_approving_without_a_note(client, factory, login_as):
    shop = make_shop(factory, status="pending", name="Batik Tanpa Catatan")
    leader = shop.group.members[0].user
    login_as("petugas", "kauman")
    assert client.post(f"{STAFF}/toko/{shop.id}/setujui", data={"reason": ""}).status_code == 302
    assert fresh(Shop, shop).status_reason is None
    assert notes_for(leader) == [
        "Toko “Batik Tanpa Catatan” disetujui petugas dan kini tampil untuk publik."
    ]


def test_suspending_needs_a_reason(client, factory, login_as):
    shop = make_shop(factory, name="Batik Jlamprang Asri")
    leader = shop.group.members[0].user
    login_as("petugas", "kauman")
    response = client.post(f"{STAFF}/toko/{shop.id}/tangguhkan", data={"reason": "   "})
    assert response.status_code == 422
    body = text(response)
    assert "Alasan wajib diisi." in body
    assert 'aria-invalid="true"' in body and "Batik Jlamprang Asri" in body
    assert fresh(Shop, shop).status == "approved"
    assert audit("umkm.shop_suspended") == [] and notes_for(leader) == []


def test_a_reason_too_long_is_refused_and_kept(client, factory, login_as):
    shop = make_shop(factory, status="pending")
    login_as("petugas", "kauman")
    reason = "Alamat tidak ditemukan. " + "x" * 500
    response = client.post(f"{STAFF}/toko/{shop.id}/tangguhkan", data={"reason": reason})
    assert response.status_code == 422
    body = text(response)
    assert "Paling banyak 500 karakter." in body and reason in body
    assert fresh(Shop, shop).status == "pending"


def test_suspending_takes_the_shop_down_and_tells_the_group(client, factory, login_as):
    shop = make_shop(factory, name="Batik Parang Kusumo")
    product = make_product(shop, name="Kain batik parang kusumo")
    leader = shop.group.members[0].user
    assert searchable(client, "kusumo", "Kain batik parang kusumo")
    staff = login_as("petugas", "kauman")

    response = client.post(
        f"{STAFF}/toko/{shop.id}/tangguhkan",
        data={"reason": "Nomor WhatsApp tidak aktif.", "next": f"{STAFF}/toko?status=approved"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{STAFF}/toko?status=approved")
    shop = fresh(Shop, shop)
    assert (shop.status, shop.status_reason, shop.reviewed_by_id) == (
        "suspended",
        "Nomor WhatsApp tidak aktif.",
        staff.id,
    )
    assert notes_for(leader) == [
        "Toko “Batik Parang Kusumo” ditangguhkan petugas dan tidak tampil untuk publik. "
        "Alasan: Nomor WhatsApp tidak aktif."
    ]
    (entry,) = audit("umkm.shop_suspended")
    assert entry.before == {"status": "approved", "reason": None}
    assert entry.after == {"status": "suspended", "reason": "Nomor WhatsApp tidak aktif."}

    client.post("/keluar")
    assert not searchable(client, "kusumo", "Kain batik parang kusumo")
    assert client.get(f"{BASE}/produk/{product.id}").status_code == 404
    assert client.get(f"{BASE}/toko/{shop.id}").status_code == 404


def test_approving_again_or_suspending_again_changes_nothing(client, factory, login_as):
    approved = make_shop(factory, name="Batik Sudah Tampil")
    suspended = make_shop(factory, status="suspended", status_reason="Alasan lama")
    login_as("petugas", "kauman")
    response = client.post(
        f"{STAFF}/toko/{approved.id}/setujui", data={"reason": "lagi"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Toko “Batik Sudah Tampil” sudah disetujui." in text(response)
    response = client.post(
        f"{STAFF}/toko/{suspended.id}/tangguhkan", data={"reason": "lagi"}, follow_redirects=True
    )
    assert "sudah ditangguhkan" in text(response)
    assert fresh(Shop, approved).status_reason is None
    assert fresh(Shop, suspended).status_reason == "Alasan lama"
    assert count(AuditEntry, AuditEntry.action.like("umkm.%")) == 0
    assert count(Notification) == 0


def test_a_suspended_shop_can_be_approved_again(client, factory, login_as):
    shop = make_shop(factory, status="suspended", status_reason="Foto tidak sesuai")
    login_as("admin", "kauman")
    client.post(f"{STAFF}/toko/{shop.id}/setujui", data={"reason": "Sudah diperbaiki"})
    shop = fresh(Shop, shop)
    assert (shop.status, shop.status_reason) == ("approved", "Sudah diperbaiki")
    (entry,) = audit("umkm.shop_approved")
    assert entry.before == {"status": "suspended", "reason": "Foto tidak sesuai"}


def test_redirects_only_within_the_site(client, factory, login_as):
    shop = make_shop(factory, status="pending")
    login_as("petugas", "kauman")
    response = client.post(
        f"{STAFF}/toko/{shop.id}/setujui", data={"next": "https://contoh.example/curang"}
    )
    assert response.headers["Location"].endswith(f"{STAFF}/toko?status=pending")
    response = client.post(
        f"{STAFF}/toko/{shop.id}/tangguhkan", data={"reason": "x", "next": "//x"}
    )
    assert response.headers["Location"].endswith(f"{STAFF}/toko?status=approved")


# -- who may review ----------------------------------------------------------------------------

STAFF_POSTS = [
    ("toko/{shop}/setujui", {"reason": "ok"}),
    ("toko/{shop}/tangguhkan", {"reason": "tidak"}),
    ("produk/{product}/sembunyikan", {"reason": "tidak"}),
    ("produk/{product}/tampilkan", {}),
    ("produk/{product}/abaikan-tanda", {}),
]


@pytest.fixture
def pending_world(factory):
    shop = make_shop(factory, status="pending", name="Toko Kauman Menunggu")
    product = make_product(shop, name="Produk Kauman Ditandai")
    flag(product, note="Curiga")
    return shop, product


def _unchanged(shop, product) -> None:
    shop, product = fresh(Shop, shop), fresh(Product, product)
    assert shop.status == "pending" and shop.reviewed_at is None
    assert product.staff_hidden_at is None
    assert open_flags(product) == 1
    assert count(AuditEntry, AuditEntry.action.like("umkm.%")) == 0


@pytest.mark.parametrize(("path", "data"), STAFF_POSTS)
def test_residents_may_not_review(client, login_as, pending_world, path, data):
    shop, product = pending_world
    url = f"{STAFF}/" + path.format(shop=shop.id, product=product.id)
    login_as("warga", "kauman")
    assert client.post(url, data=data).status_code == 403
    client.post("/keluar")
    response = client.post(url, data=data)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    _unchanged(shop, product)


@pytest.mark.parametrize("page", ["toko", "toko?status=approved", "tanda"])
def test_staff_pages_are_for_staff(client, login_as, page):
    assert "/masuk" in client.get(f"{STAFF}/{page}").headers["Location"]
    login_as("warga", "kauman")
    assert client.get(f"{STAFF}/{page}").status_code == 403
    login_as("petugas", "kauman")
    assert client.get(f"{STAFF}/{page}").status_code == 200


@pytest.mark.parametrize(("path", "data"), STAFF_POSTS)
def test_staff_of_another_kelurahan_get_404(client, login_as, pending_world, path, data):
    shop, product = pending_world
    login_as("petugas", "medono")
    own_url = f"{STAFF}/" + path.format(shop=shop.id, product=product.id)
    assert client.post(own_url, data=data).status_code == 403  # not staff in Kauman
    foreign = "/k/medono/umkm/petugas/" + path.format(shop=shop.id, product=product.id)
    assert client.post(foreign, data=data).status_code == 404
    _unchanged(shop, product)


def test_staff_pages_of_another_kelurahan_do_not_list_this_ones(client, login_as, pending_world):
    login_as("petugas", "medono")
    assert "Toko Kauman Menunggu" not in text(client.get("/k/medono/umkm/petugas/toko"))
    assert "Produk Kauman Ditandai" not in text(client.get("/k/medono/umkm/petugas/tanda"))


# -- hiding and showing products ---------------------------------------------------------------


def test_staff_hide_a_product_from_every_public_page(client, factory, login_as):
    shop = make_shop(factory, name="Batik Pesisir Jaya")
    product = make_product(shop, name="Obat kuat cap batik", description="Dijamin manjur.")
    keep = make_product(shop, name="Kain batik cap obat nyamuk")
    first, second = flag(product, note="Bukan batik"), flag(product, "terlarang")
    leader = shop.group.members[0].user
    assert searchable(client, "obat", "Obat kuat cap batik")
    staff = login_as("petugas", "kauman")

    response = client.post(
        f"{STAFF}/produk/{product.id}/sembunyikan", data={"reason": "Obat tanpa izin edar."}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{STAFF}/tanda")
    product = fresh(Product, product)
    assert product.staff_hidden_at is not None
    assert product.staff_hidden_reason == "Obat tanpa izin edar."
    assert product.hidden_at is None  # the seller's own switch is left alone
    for row in (fresh(ProductFlag, first), fresh(ProductFlag, second)):
        assert (row.resolution, row.resolved_by_id) == ("hidden", staff.id)
        assert row.resolved_at is not None
    (entry,) = audit("umkm.product_hidden")
    assert entry.before == {"staff_hidden": False, "reason": None}
    assert entry.after == {
        "staff_hidden": True,
        "reason": "Obat tanpa izin edar.",
        "flags_resolved": 2,
    }
    assert notes_for(leader) == [
        "Produk “Obat kuat cap batik” dari toko “Batik Pesisir Jaya” disembunyikan petugas "
        "dan tidak tampil untuk publik. Alasan: Obat tanpa izin edar."
    ]
    # Staff still find it in their list, with the reason and a way back.
    body = text(client.get(f"{STAFF}/tanda"))
    hidden = body[body.index('id="hidden-title"') :]
    assert "Obat kuat cap batik" in hidden and "Obat tanpa izin edar." in hidden
    assert f'action="{STAFF}/produk/{product.id}/tampilkan"' in hidden

    client.post("/keluar")
    assert not searchable(client, "obat", "Obat kuat cap batik")
    assert searchable(client, "obat", keep.name)
    assert client.get(f"{BASE}/produk/{product.id}").status_code == 404
    assert "Obat kuat cap batik" not in text(client.get(f"{BASE}/"))


def test_hiding_needs_a_reason(client, factory, login_as):
    product = make_product(make_shop(factory))
    flag(product)
    login_as("petugas", "kauman")
    response = client.post(f"{STAFF}/produk/{product.id}/sembunyikan", data={"reason": ""})
    assert response.status_code == 422
    body = text(response)
    assert "Alasan wajib diisi." in body and f'id="hide-reason-{product.id}"' in body
    assert fresh(Product, product).staff_hidden_at is None
    assert open_flags(product) == 1 and audit("umkm.product_hidden") == []


def test_hiding_an_unflagged_product_without_reason_shows_the_form_too(client, factory, login_as):
    product = make_product(make_shop(factory), name="Produk tanpa tanda")
    login_as("petugas", "kauman")
    response = client.post(f"{STAFF}/produk/{product.id}/sembunyikan", data={"reason": " "})
    assert response.status_code == 422
    body = text(response)
    assert "Produk tanpa tanda" in body and "Alasan wajib diisi." in body


def test_hiding_a_hidden_product_again_changes_nothing(client, factory, login_as):
    product = make_product(
        make_shop(factory), staff_hidden_at=utcnow(), staff_hidden_reason="Alasan pertama"
    )
    login_as("petugas", "kauman")
    response = client.post(
        f"{STAFF}/produk/{product.id}/sembunyikan",
        data={"reason": "Alasan kedua"},
        follow_redirects=True,
    )
    assert "sudah disembunyikan petugas" in text(response)
    assert fresh(Product, product).staff_hidden_reason == "Alasan pertama"
    assert audit("umkm.product_hidden") == []


def test_staff_show_a_product_again(client, factory, login_as):
    shop = make_shop(factory, name="Batik Kembali")
    product = make_product(
        shop,
        name="Kain batik jlamprang kembali",
        staff_hidden_at=utcnow(),
        staff_hidden_reason="Salah paham",
    )
    leader = shop.group.members[0].user
    assert not searchable(client, "kembali", "Kain batik jlamprang kembali")
    login_as("petugas", "kauman")
    response = client.post(f"{STAFF}/produk/{product.id}/tampilkan")
    assert response.status_code == 302
    product = fresh(Product, product)
    assert product.staff_hidden_at is None and product.staff_hidden_reason is None
    (entry,) = audit("umkm.product_shown")
    assert entry.before == {"staff_hidden": True, "reason": "Salah paham"}
    assert entry.after == {"staff_hidden": False, "reason": None}
    assert len(notes_for(leader)) == 1
    client.post("/keluar")
    assert searchable(client, "kembali", "Kain batik jlamprang kembali")

    login_as("petugas", "kauman")
    response = client.post(f"{STAFF}/produk/{product.id}/tampilkan", follow_redirects=True)
    assert "tidak sedang disembunyikan petugas" in text(response)
    assert len(audit("umkm.product_shown")) == 1


# -- the queue of flagged products -------------------------------------------------------------


def test_flag_queue_groups_flags_per_product(client, factory, login_as):
    shop = make_shop(factory, name="Batik Laris")
    older = make_product(shop, name="Batik tulis harga miring")
    newer = make_product(shop, name="Kemeja batik salah kategori")
    calm = make_product(shop, name="Produk tanpa masalah")
    flag(older, "penipuan", "Harganya terlalu murah untuk batik tulis.", name="Bu Sri Rahayu")
    flag(older, "penipuan", name="Pak Joko")
    flag(older, "terlarang", name="Mas Andi")
    flag(newer, "salah_kategori", "Ini kemeja, bukan kain.", name="Mbak Lia")
    done = flag(calm, "penipuan", "Sudah ditinjau")
    done.resolved_at, done.resolution = utcnow(), "dismissed"
    _db.session.commit()
    medono = make_product(make_shop(factory, "medono"), name="Produk Medono Ditandai")
    medono_flag = ProductFlag(
        kelurahan_id=medono.kelurahan_id,
        product_id=medono.id,
        user_id=make_user("warga", "medono").id,
        reason="penipuan",
    )
    _db.session.add(medono_flag)
    _db.session.commit()
    login_as("petugas", "kauman")

    response = client.get(f"{STAFF}/tanda")
    assert response.status_code == 200
    body = text(response)
    assert "Produk ditandai (2)" in body  # sub-nav
    item = body[body.index(f'id="tanda-{older.id}"') :]
    item = item[: item.index('<div class="review-actions">')]
    for shown in (
        "3 tanda",
        "Penipuan: 2",
        "Barang terlarang: 1",
        "Harganya terlalu murah untuk batik tulis.",
        "Bu Sri Rahayu",
        "Pak Joko",
        "Batik Laris",
    ):
        assert shown in item, shown
    assert "salah_kategori" not in body and "Kategori salah: 1" in body
    assert f'action="{STAFF}/produk/{older.id}/sembunyikan"' in body
    assert f'action="{STAFF}/produk/{older.id}/abaikan-tanda"' in body
    # The newest flag first; reviewed flags and other kelurahan's are not in the queue.
    assert body.index(f'id="tanda-{newer.id}"') < body.index(f'id="tanda-{older.id}"')
    assert "Produk tanpa masalah" not in body and "Sudah ditinjau" not in body
    assert "Produk Medono Ditandai" not in body


def test_dismissing_flags_keeps_the_product_up(client, factory, login_as):
    product = make_product(make_shop(factory), name="Batik cap wajar")
    flag(product, "penipuan")
    flag(product, "salah_kategori")
    staff = login_as("petugas", "kauman")
    response = client.post(
        f"{STAFF}/produk/{product.id}/abaikan-tanda", data={"next": f"{STAFF}/tanda"}
    )
    assert response.status_code == 302
    assert open_flags(product) == 0
    rows = _db.session.execute(select(ProductFlag)).scalars().all()
    assert {(r.resolution, r.resolved_by_id) for r in rows} == {("dismissed", staff.id)}
    assert fresh(Product, product).staff_hidden_at is None
    (entry,) = audit("umkm.flags_dismissed")
    assert entry.before == {"open_flags": 2}
    assert entry.after == {"open_flags": 0, "resolution": "dismissed"}
    body = text(client.get(f"{STAFF}/tanda"))
    assert f'id="tanda-{product.id}"' not in body
    assert "Tidak ada produk yang perlu ditinjau." in body

    response = client.post(f"{STAFF}/produk/{product.id}/abaikan-tanda", follow_redirects=True)
    assert "Tidak ada tanda yang perlu ditinjau untuk produk ini." in text(response)
    assert len(audit("umkm.flags_dismissed")) == 1


def test_hiding_from_the_queue_resolves_its_flags(client, factory, login_as):
    product = make_product(make_shop(factory), name="Batik palsu")
    flag(product)
    login_as("petugas", "kauman")
    client.post(
        f"{STAFF}/produk/{product.id}/sembunyikan",
        data={"reason": "Printing dijual sebagai tulis.", "next": f"{STAFF}/tanda"},
    )
    body = text(client.get(f"{STAFF}/tanda"))
    assert f'id="tanda-{product.id}"' not in body
    assert f'id="disembunyikan-{product.id}"' in body


# -- query counts ------------------------------------------------------------------------------


def test_staff_pages_run_a_fixed_number_of_queries(client, factory, login_as):
    login_as("petugas", "kauman")

    def statements(url: str) -> int:
        client.get(url)  # warm-up: first connection, caches
        with StatementCounter(_db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.n

    def grow(n: int) -> None:
        for _ in range(n):
            pending = make_shop(factory, status="pending")
            make_product(pending)
            make_product(pending)
            product = make_product(make_shop(factory))
            flag(product)
            make_product(make_shop(factory), staff_hidden_at=utcnow(), staff_hidden_reason="x")

    grow(2)
    small = {url: statements(url) for url in (f"{STAFF}/toko", f"{STAFF}/tanda")}
    grow(12)
    large = {url: statements(url) for url in (f"{STAFF}/toko", f"{STAFF}/tanda")}
    assert large == small


def test_members_with_a_closed_account_are_skipped(client, factory, login_as):
    """A member whose account was switched off is skipped, not a failure."""
    shop = make_shop(factory, status="pending")
    gone = make_user("warga", "kauman")
    gone.is_active_account = False
    add_member(shop.group, gone)
    login_as("petugas", "kauman")
    assert client.post(f"{STAFF}/toko/{shop.id}/setujui").status_code == 302
    assert notes_for(gone) == [] and len(notes_for(shop.group.members[0].user)) == 1


def test_staff_member_who_is_also_in_the_group_is_not_told_about_their_own_decision(
    client, factory
):
    shop = make_shop(factory, status="pending")
    staff = make_user("petugas", "kauman")
    add_member(shop.group, staff)
    act_as(client, staff)
    client.post(f"{STAFF}/toko/{shop.id}/setujui")
    assert notes_for(staff) == []


def test_staff_hide_a_product_from_its_page_and_return_there(client, login_as, factory):
    """Staff need not wait for a flag: the product page has the hide form for them only."""
    shop = make_shop(factory)
    product = make_product(shop)
    url = f"/k/kauman/umkm/produk/{product.id}"
    login_as("warga")
    assert "Sembunyikan produk" not in client.get(url).get_data(as_text=True)
    login_as("petugas")
    assert "Sembunyikan produk" in client.get(url).get_data(as_text=True)
    response = client.post(
        f"/k/kauman/umkm/petugas/produk/{product.id}/sembunyikan",
        data={"reason": "Foto milik toko lain", "next": url},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    _db.session.refresh(product)
    assert product.staff_hidden_reason == "Foto milik toko lain"
    assert "Tampilkan lagi" in client.get(url).get_data(as_text=True)
