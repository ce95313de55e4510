"""One search box for the whole city: every kelurahan's `kp_search`, grouped by kelurahan and
kind, asking only the plugins switched on in each; the query count depends on the number of
kelurahan and plugins, not on how much data there is."""

from __future__ import annotations

import pytest
from conftest import StatementCounter, enable_plugin, kelurahan

from app.extensions import db as _db


def add_notice(slug: str, title: str) -> None:
    from kp_notices import Notice

    _db.session.add(Notice(kelurahan_id=kelurahan(slug).id, title=title, body=f"Isi {title}"))
    _db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_city_search_groups_hits_by_kelurahan_and_kind(app, client, factory):
    enable_plugin(app, "notices", "kauman")
    enable_plugin(app, "notices", "medono")
    add_notice("kauman", "Fogging demam berdarah RW 02")
    add_notice("medono", "Fogging di Medono")
    add_notice("krapyak", "Fogging Krapyak")  # the plugin is off there: never asked
    factory.group("bandengan", name="Kelompok Fogging Mandiri")
    page = text(client.get("/cari?q=fogging"))
    assert "Fogging demam berdarah RW 02" in page and "Fogging di Medono" in page
    assert "Kelompok Fogging Mandiri" in page
    assert "Fogging Krapyak" not in page
    assert page.index("Kelurahan Medono") < page.index("Fogging di Medono")
    assert 'href="/k/kauman/pengumuman/"' in page and 'href="/k/medono/pengumuman/"' in page
    home = text(client.get("/"))
    assert 'action="/cari"' in home


@pytest.mark.parametrize("query", ["f", "%", "<script>", "a" * 500, "\u202e", "'; --"])
def test_odd_queries_answer_a_page_never_an_error(app, client, query):
    assert client.get("/cari", query_string={"q": query}).status_code == 200


def test_the_city_search_costs_the_same_with_more_matching_rows(app, client):
    enable_plugin(app, "notices", "kauman")

    def statements(n: int) -> int:
        for i in range(n):
            add_notice("kauman", f"Kerja bakti {i}")
        with StatementCounter(_db.engine) as counter:
            assert client.get("/cari?q=kerja").status_code == 200
        return counter.n

    assert statements(2) == statements(20)
