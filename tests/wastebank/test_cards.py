"""Member cards: the QR carries only a URL with the card's random token, and that URL opens
the member's book for an operator of the member's unit and for nobody else."""

from __future__ import annotations

import re

import pytest
from conftest import act_as
from ui_helpers import add_operator, base, make_member, make_unit, switch_on, text

from app.extensions import db as _db


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman", "medono")


def test_card_prints_number_name_and_a_qr_of_the_token_url_only(app, client, factory):
    unit = make_unit("kauman")
    member = make_member(unit, "A-017", "Bu Rahayu", user=factory.user("warga"))
    act_as(client, add_operator(unit))
    page = text(client.get(f"{base(unit)}/nasabah/{member.id}/kartu"))
    assert "A-017" in page and "Bu Rahayu" in page
    svg = re.search(r"<svg[^>]*class=\"qr\".*?</svg>", page, re.S)
    assert svg, "the card has an inline QR"
    assert len(member.card_token) >= 20
    # The QR is exactly the code of the scan URL (built from KP_PUBLIC_URL): no name, no number.
    import segno

    from app.urls import public_url

    with app.test_request_context():
        url = public_url("wastebank.scan", kelurahan_slug="kauman", token=member.card_token)
    assert url.endswith(f"/k/kauman/bank-sampah/kartu/{member.card_token}")
    expected = segno.make(url, error="m", micro=False).svg_inline(scale=4, border=4)
    modules = re.search(r'class="qrline"[^>]* d="([^"]+)"', expected).group(1)
    assert f'd="{modules}"' in svg.group(0)
    assert "Bu Rahayu" not in svg.group(0) and "A-017" not in svg.group(0)


def test_scanning_opens_the_book_for_this_units_operator_only(client, factory):
    unit = make_unit("kauman")
    member = make_member(unit, "021", "Pak Budi")
    url = f"/k/kauman/bank-sampah/kartu/{member.card_token}"
    act_as(client, add_operator(unit))
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base(unit)}/nasabah/{member.id}")

    other = make_unit("kauman")
    for outsider in (add_operator(other), factory.user("warga"), factory.user("petugas")):
        act_as(client, outsider)
        assert client.get(url).status_code == 404
    act_as(client, add_operator(unit))
    assert client.get(url.replace("/k/kauman/", "/k/medono/")).status_code == 404
    assert client.get("/k/kauman/bank-sampah/kartu/bukan-token").status_code == 404


def test_tokens_are_random_and_distinct(app):
    unit = make_unit("kauman")
    tokens = {make_member(unit).card_token for _ in range(5)}
    assert len(tokens) == 5
    _db.session.commit()
