"""Property tests (hypothesis) of the money rules: a line's value is grams × price / 1000
rounded half-up, exactly; a typed weight reads back to the grams it shows; and price periods
never overlap, whatever sequence of price changes an operator makes."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import make_operator, make_type, make_unit
from sqlalchemy import select

from app.extensions import db
from plugins.wastebank import ledger, pricing
from plugins.wastebank.models import PricePeriod

# No example database: nothing is written into the checkout, and every run starts fresh.
no_db = settings(database=None)

grams_st = st.integers(min_value=1, max_value=pricing.MAX_GRAMS)
price_st = st.integers(min_value=0, max_value=pricing.MAX_PRICE_PER_KG)


def exact_half_up(grams: int, price_per_kg: int) -> int:
    """The reference: the exact rupiah value as a fraction, rounded half-up."""
    return math.floor(Fraction(grams * price_per_kg, 1000) + Fraction(1, 2))


@no_db
@given(grams_st, price_st)
def test_a_line_value_is_the_exact_value_rounded_half_up(grams, price):
    assert pricing.line_value(grams, price) == exact_half_up(grams, price)


@no_db
@given(st.integers(min_value=0, max_value=9_999))
def test_an_exact_half_rupiah_always_rounds_up(whole):
    # (2w + 1) × 500 g at Rp 1 per kg is w + ½ rupiah: it goes up, never to the even one.
    assert pricing.line_value((2 * whole + 1) * 500, 1) == whole + 1


@no_db
@given(grams_st)
def test_a_weight_reads_back_as_the_grams_it_shows(grams):
    shown = pricing.format_kg(grams)
    assert pricing.parse_kg(shown) == grams
    assert pricing.parse_kg(shown.replace(",", ".")) == grams
    assert pricing.parse_kg(f" {shown} kg ") == grams


@no_db
@given(
    st.integers(min_value=0, max_value=10_000),
    st.text(alphabet="0123456789", min_size=4, max_size=6),
)
def test_more_than_three_decimals_is_refused(whole, decimals):
    with pytest.raises(ValueError):
        pricing.parse_kg(f"{whole},{decimals}")


@no_db
@given(grams_st)
def test_a_negative_weight_is_refused(grams):
    with pytest.raises(ValueError) as refused:
        pricing.parse_kg("-" + pricing.format_kg(grams))
    assert "negatif" in str(refused.value)


@no_db
@given(st.text(max_size=12))
def test_any_text_is_grams_or_a_clear_refusal(typed):
    try:
        grams = pricing.parse_kg(typed)
    except ValueError as refused:
        assert str(refused)  # a message for the form, never a bare exception
    else:
        assert 0 < grams <= pricing.MAX_GRAMS


@pytest.mark.parametrize("typed", ["0", "0,000", "-1", "1,2345", "abc", "", "1.2.3", "10000,001"])
def test_the_weights_a_form_must_refuse(typed):
    with pytest.raises(ValueError):
        pricing.parse_kg(typed)


# -- price periods -----------------------------------------------------------------------------

changes_st = st.lists(
    st.tuples(
        st.integers(min_value=-40, max_value=40),  # start, days from today
        st.integers(min_value=0, max_value=20_000),  # buy per kg
        st.integers(min_value=0, max_value=20_000),  # sell per kg
    ),
    min_size=1,
    max_size=8,
)


# Each example gets a type of its own in the shared unit. A name from id(changes) was
# reused when Python gave a later example's list the same address.
_type_numbers = itertools.count(1)


@pytest.fixture
def priced_unit(app):
    return make_unit(), make_operator()


@settings(
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=changes_st)
def test_price_periods_never_overlap_whatever_the_changes(priced_unit, changes):
    unit, operator = priced_unit
    waste_type = make_type(unit, f"Jenis {next(_type_numbers)}", buy=None)
    base = ledger.today()
    accepted: list[tuple[date, int]] = []
    for offset, buy, sell in changes:
        start = base + timedelta(days=offset)
        try:
            pricing.set_price(waste_type, buy, sell, start, operator)
        except ledger.LedgerError:
            assert accepted and start <= accepted[-1][0]
        else:
            assert not accepted or start > accepted[-1][0]
            accepted.append((start, buy))

    periods = list(
        db.session.execute(
            select(PricePeriod)
            .where(PricePeriod.waste_type_id == waste_type.id)
            .order_by(PricePeriod.valid_from)
        ).scalars()
    )
    assert [(p.valid_from, p.buy_per_kg) for p in periods] == accepted
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert earlier.valid_until == later.valid_from  # back to back: no overlap, no gap
    assert periods[-1].valid_until is None
    # Every day has exactly the price of the latest change that started by then.
    for offset in range(-42, 43, 3):
        day = base + timedelta(days=offset)
        expected = [buy for start, buy in accepted if start <= day]
        found = pricing.price_on(waste_type, day)
        assert (found.buy_per_kg if found else None) == (expected[-1] if expected else None)
