"""`kit.RupiahField`: amounts typed as people write them (15.000, Rp 15.000) are read as
whole rupiah, and anything else is refused with a message in Bahasa Indonesia that keeps
what was typed."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.kit import RupiahField, parse_rupiah

# The form tests need a request context, not a database: SQLite only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("15000", 15000),
        ("15.000", 15000),
        ("15,000", 15000),
        ("Rp 15.000", 15000),
        ("rp.1.250.000", 1250000),
        ("  7500 ", 7500),
        ("", None),
        (None, None),
    ],
)
def test_amounts_as_people_write_them(typed, amount):
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize("typed", ["15.5", "1.50", "-5000", "lima ribu", "1e6", "١٢٣", "15 000"])
def test_what_is_not_a_whole_number_of_rupiah(typed):
    with pytest.raises(ValueError):
        parse_rupiah(typed)


class PriceForm(FlaskForm):
    class Meta:
        csrf = False

    amount = RupiahField("Jumlah", maximum=100_000)
    price = RupiahField("Harga", negative_message="Harga tidak boleh negatif.")


@sqlite_only
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5.000", "Jumlah tidak boleh negatif."),
        ("12,50", "Tulis jumlah rupiah tanpa desimal"),
        ("100.001", "Jumlah terlalu besar."),
    ],
)
def test_the_field_says_what_is_wrong_and_keeps_the_text(app, typed, message):
    with app.test_request_context():
        form = PriceForm(formdata=MultiDict({"amount": typed, "price": "-1"}))
        assert not form.validate()
        assert message in str(form.amount.errors[0])
        assert form.amount.data == typed  # shown again as typed
        assert form.price.errors == ["Harga tidak boleh negatif."]


@sqlite_only
def test_the_field_reads_its_amount(app):
    with app.test_request_context():
        form = PriceForm(formdata=MultiDict({"amount": "Rp 99.500", "price": ""}))
        assert form.validate()
        assert (form.amount.amount, form.price.amount) == (99500, None)
