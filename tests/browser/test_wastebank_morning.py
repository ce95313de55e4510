"""An operator's morning at the bank sampah, on a 360 px phone, without any help from the
test: twenty members found by number, mixed waste types weighed in kg with a decimal comma,
a new member added and linked to her account, one correction, one withdrawal, and the
unit's report at the end of the morning. Then the member reads her balance and opens her
receipt."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import enable_plugin, make_group
from playwright.sync_api import expect

from app.extensions import db
from app.models import Kelurahan, User

from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

BASE = "/k/kauman/bank-sampah"
SMALL_PHONE = {"width": 360, "height": 740}
PRICES = {"Kertas / kardus": 2000, "Plastik PET": 3500, "Kaca": 1500}
# The rest of the morning's queue, after Bu Sri and Pak Budi; the new member will be 020.
QUEUE = [
    (f"{n:03d}", name)
    for n, name in enumerate(
        [
            "Bu Siti Aminah",
            "Pak Slamet",
            "Bu Nur Khasanah",
            "Pak Darsono",
            "Mbak Lia",
            "Bu Wartini",
            "Pak Ahmad Fauzi",
            "Bu Kustini",
            "Mas Rizki",
            "Bu Sumiyati",
            "Pak Joko",
            "Bu Endang",
            "Pak Hadi",
            "Bu Rohmah",
            "Mbak Dewi",
            "Pak Karno",
            "Bu Yuli",
        ],
        start=3,
    )
]


@pytest.fixture
def bank(live_server):
    """A unit with three priced types and two members; its operator and a resident."""
    from plugins.wastebank.models import Member, PricePeriod, Unit, WasteType

    operator = live_server.user("warga", "kauman", name="Bu Operator")
    resident = live_server.user("warga", "kauman", name="Bu Sri", email="sri.pagi@contoh.id")
    with live_server.data():
        enable_plugin(live_server.app, "wastebank", "kauman")
        kauman = db.session.execute(
            db.select(Kelurahan).where(Kelurahan.slug == "kauman")
        ).scalar_one()
        group = make_group(
            "kauman",
            leader=db.session.get(User, operator["id"]),
            name="KSM Pagi Berseri",
            kind="ksm_bank_sampah",
        )
        unit = Unit(
            kelurahan_id=kauman.id,
            group_id=group.id,
            name="Bank Sampah Pagi Berseri",
            address="Jl. Hayam Wuruk",
            lat=-6.8883,
            lng=109.6753,
        )
        db.session.add(unit)
        db.session.flush()
        for position, (name, buy) in enumerate(
            [("Kertas / kardus", 2000), ("Plastik PET", 3500), ("Kaca", 1500)]
        ):
            waste_type = WasteType(
                kelurahan_id=kauman.id, unit_id=unit.id, name=name, position=position
            )
            db.session.add(waste_type)
            db.session.flush()
            db.session.add(
                PricePeriod(
                    kelurahan_id=kauman.id,
                    waste_type_id=waste_type.id,
                    buy_per_kg=buy,
                    sell_per_kg=buy + 500,
                    valid_from=date(2020, 1, 1),
                )
            )
        for number, name in (("001", "Bu Sri"), ("002", "Pak Budi"), *QUEUE):
            db.session.add(
                Member(kelurahan_id=kauman.id, unit_id=unit.id, number=number, name=name)
            )
        db.session.commit()
        unit_id = unit.id
    yield {"operator": operator, "resident": resident, "unit_id": unit_id}
    with live_server.data():
        enable_plugin(live_server.app, "wastebank", "kauman", enabled=False)


def fits_the_phone(page) -> None:
    # After a click, the new page's text can be there before its stylesheet: measure the
    # laid-out page, not the unstyled one.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > 361
                && ![...el.children].some(c => c.getBoundingClientRect().right > 361))
            .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + el.id)"""
    )
    assert width <= 360, f"{page.url} is {width} px wide: {wide}"


def weigh(page, row: int, waste_type: str, kg: str) -> None:
    page.locator(f'[name="lines-{row}-waste_type"]').select_option(label=waste_type)
    page.locator(f'[name="lines-{row}-kg"]').fill(kg)


def open_deposit(page, unit_id: int, number: str) -> None:
    page.goto(f"{BASE}/unit/{unit_id}")
    page.get_by_label("Nomor nasabah").fill(number)
    page.get_by_role("button", name="Setor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Setoran")
    fits_the_phone(page)


def phone(new_page):
    """A page the size of a small Android phone (the shared fixture's is 390 px)."""
    page = new_page()
    page.set_viewport_size(SMALL_PHONE)
    return page


def test_an_operators_morning_then_the_member_reads_her_book(bank, new_page, sign_in):
    unit_id = bank["unit_id"]
    page = phone(new_page)
    sign_in(page, bank["operator"]["identifier"])
    page.goto(f"{BASE}/")
    page.get_by_role("link", name="Bank Sampah Pagi Berseri").click()
    fits_the_phone(page)

    # A new member joins; her account is linked by e-mail so she can read her own book.
    page.get_by_role("link", name="Nasabah baru").first.click()
    expect(page.get_by_label("Nomor nasabah")).to_have_value("020")
    page.get_by_label("Nama", exact=True).fill("Bu Ani")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bu Ani")

    # Bu Sri: paper and PET bottles, weighed with a decimal comma.
    open_deposit(page, unit_id, "001")
    assert_accessible(page)
    weigh(page, 0, "Kertas / kardus", "2,5")
    weigh(page, 1, "Plastik PET", "1,250")
    # The form previews the value while typing (the receipt, from the server, is the record).
    expect(page.locator("output.wb-estimate")).to_have_text("Rp 9.375")
    page.get_by_role("button", name="Catat setoran").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_contain_text("Rp 9.375")
    expect(receipt).to_contain_text("1,25 kg")
    fits_the_phone(page)
    assert_accessible(page)
    # Printed on the 58 mm thermal printer: only the receipt, no wider than the paper.
    page.get_by_role("link", name="Tampilan struk 58 mm").click()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Tampilan A4")).to_be_hidden()
    assert page.locator("#receipt").bounding_box()["width"] <= 58 * 96 / 25.4
    page.emulate_media(media="screen")

    # Pak Budi brings more kinds than rows are shown: "Tambah baris" keeps what was typed.
    open_deposit(page, unit_id, "002")
    weigh(page, 0, "Plastik PET", "0,75")
    weigh(page, 1, "Kaca", "0")  # a slip of the finger
    page.get_by_role("button", name="Catat setoran").click()
    expect(page.locator("main")).to_contain_text("Berat harus lebih dari 0 kg")
    expect(page.locator('[name="lines-0-kg"]')).to_have_value("0,75")
    page.guard.clear()  # the refused form answered 422, which chromium logs as an error
    page.locator('[name="lines-1-kg"]').fill("")
    page.locator('[name="lines-1-waste_type"]').select_option(index=0)
    page.get_by_role("button", name="Tambah baris").click()
    expect(page.locator('[name="lines-8-kg"]')).to_be_visible()
    expect(page.locator('[name="lines-0-kg"]')).to_have_value("0,75")
    weigh(page, 7, "Kaca", "3")
    page.get_by_role("button", name="Catat setoran").click()
    expect(page.locator("#receipt")).to_contain_text("Rp 7.125")

    # Bu Ani's deposit was written to the wrong book: corrected with a reason.
    open_deposit(page, unit_id, "020")
    weigh(page, 0, "Kertas / kardus", "1")
    page.get_by_role("button", name="Catat setoran").click()
    expect(page.locator("#receipt")).to_contain_text("Rp 2.000")
    page.get_by_text("Koreksi transaksi ini", exact=True).click()
    page.get_by_label("Alasan koreksi").fill("Salah nasabah, milik Pak Budi")
    page.get_by_label("Saya yakin transaksi ini salah catat").check()
    page.get_by_role("button", name="Catat koreksi").click()
    expect(page.locator("#receipt")).to_contain_text("Membatalkan transaksi")
    expect(page.locator("#receipt")).to_contain_text("Salah nasabah")
    fits_the_phone(page)

    # Bu Sri takes some cash; more than she has is refused first.
    page.goto(f"{BASE}/unit/{unit_id}/nasabah")
    page.get_by_role("link", name=re.compile("001 Bu Sri")).click()
    page.get_by_role("link", name="Ubah data").click()
    page.get_by_label("Akun warga (opsional)").fill("sri.pagi@contoh.id")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("link", name="Penarikan", exact=True).click()
    expect(page.locator("#available")).to_have_text("Rp 9.375")
    page.get_by_label("Jumlah penarikan (Rp)").fill("10.000")
    page.get_by_role("button", name="Catat penarikan").click()
    expect(page.locator("main")).to_contain_text("Saldo tidak cukup")
    expect(page.get_by_label("Jumlah penarikan (Rp)")).to_have_value("10.000")
    page.guard.clear()  # the refusal answered 422
    page.get_by_label("Jumlah penarikan (Rp)").fill("5.000")
    page.get_by_role("button", name="Catat penarikan").click()
    expect(page.locator("#receipt")).to_contain_text("Rp 4.375")
    fits_the_phone(page)

    # The rest of the queue, two kinds each; every receipt shows what the scales said.
    kinds = list(PRICES)
    for n, (number, _name) in enumerate(QUEUE):
        open_deposit(page, unit_id, number)
        total = 0
        for row, grams in enumerate((700 + 130 * n, 250 + 45 * n)):
            kind = kinds[(n + row) % len(kinds)]
            weigh(page, row, kind, f"{grams // 1000},{grams % 1000:03d}")
            total += (grams * PRICES[kind] + 500) // 1000  # half-up, once per line
        page.get_by_role("button", name="Catat setoran").click()
        expect(page.locator("#receipt")).to_contain_text(f"Rp {total:,}".replace(",", "."))

    # The morning in the unit's report: Bu Ani's deposit was reversed, so 19 members saved.
    page.goto(f"{BASE}/unit/{unit_id}/laporan")
    expect(page.locator("#sum-active")).to_have_text("19")
    fits_the_phone(page)

    # Bu Sri, on her own phone, reads her balance and opens her deposit's receipt.
    own = phone(new_page)
    sign_in(own, bank["resident"]["identifier"])
    own.goto(f"{BASE}/saya")
    expect(own.locator("#balance")).to_have_text("Rp 4.375")
    expect(own.locator("main")).to_contain_text("3,75 kg")
    fits_the_phone(own)
    assert_accessible(own)
    own.get_by_role("link", name=re.compile(r"^Setoran #")).click()
    expect(own.locator("#receipt")).to_contain_text("Rp 9.375")
    expect(own.locator("#receipt")).to_contain_text("Plastik PET")
    fits_the_phone(own)
