"""A page number nobody could reach (or a garbage one) shows a page, never a server error:
20 digits once overflowed SQLite's integers into a 500."""

from __future__ import annotations

import pytest
from conftest import enable_plugin

HUGE = "9" * 25
LISTS = [
    "/k/kauman/laporan/",
    "/k/kauman/laporan/saya",
    "/k/kauman/umkm/",
    "/umkm/",
    "/k/kauman/admin/warga",
    "/k/kauman/umkm/petugas/toko",
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", [HUGE, "-3", "abc"])
def test_out_of_range_page_numbers_answer_a_page(app, client, login_as, url, page):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "umkm", "kauman")
    login_as("admin")
    response = client.get(url, query_string={"page": page})
    assert response.status_code == 200, url
