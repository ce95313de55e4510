"""Money, time and weight as residents see them on the page."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from flask_babel import Babel

from app.formatting import kg, rupiah, wib


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "Rp 0"),
        (500, "Rp 500"),
        (15000, "Rp 15.000"),
        (1500000, "Rp 1.500.000"),
        (-15000, "-Rp 15.000"),
        (2_000_000_000, "Rp 2.000.000.000"),
    ],
)
def test_rupiah_uses_dot_thousands_separator(amount, shown):
    assert rupiah(amount) == shown


@pytest.mark.parametrize("bad", [1500.0, "1500", None, True])
def test_rupiah_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        rupiah(bad)


UTC_LATE_EVENING = datetime(2026, 11, 28, 15, 5, tzinfo=UTC)


def test_utc_time_is_shown_in_wib_indonesian_style():
    assert wib(UTC_LATE_EVENING) == "28 Nov 2026 22.05 WIB"
    assert wib(UTC_LATE_EVENING, "date") == "28 Nov 2026"
    assert wib(UTC_LATE_EVENING, "time") == "22.05 WIB"


def test_wib_crosses_midnight_into_the_next_day():
    utc_evening = datetime(2026, 8, 16, 18, 30, tzinfo=UTC)
    assert wib(utc_evening) == "17 Agu 2026 01.30 WIB"


def test_naive_datetimes_are_treated_as_utc():
    assert wib(datetime(2026, 5, 1, 0, 0)) == "1 Mei 2026 07.00 WIB"


def test_other_timezones_are_converted_too():
    jayapura = timezone(timedelta(hours=9))
    assert wib(datetime(2026, 1, 1, 9, 0, tzinfo=jayapura)) == "1 Jan 2026 07.00 WIB"


def test_wib_rejects_unknown_format_and_non_datetimes():
    with pytest.raises(ValueError):
        wib(UTC_LATE_EVENING, "week")
    with pytest.raises(TypeError):
        wib(UTC_LATE_EVENING.date())


def _app_with_locale(locale):
    app = Flask(__name__)
    Babel(app, default_locale="id", locale_selector=lambda: locale)
    return app


def test_wib_follows_english_locale_of_the_request():
    app = _app_with_locale("en")
    with app.test_request_context():
        assert wib(datetime(2026, 8, 16, 18, 30, tzinfo=UTC)) == "17 Aug 2026 01:30 WIB"


def test_wib_uses_indonesian_when_request_locale_is_indonesian():
    app = _app_with_locale("id")
    with app.test_request_context():
        assert wib(datetime(2026, 8, 16, 18, 30, tzinfo=UTC)) == "17 Agu 2026 01.30 WIB"


def test_wib_falls_back_to_indonesian_in_app_without_babel():
    with Flask(__name__).app_context():
        assert wib(UTC_LATE_EVENING) == "28 Nov 2026 22.05 WIB"


@pytest.mark.parametrize(
    ("grams", "shown"),
    [
        (1500, "1,5 kg"),
        (1234, "1,234 kg"),
        (2000, "2 kg"),
        (250, "0,25 kg"),
        (5, "0,005 kg"),
        (0, "0 kg"),
        (1_250_500, "1.250,5 kg"),
    ],
)
def test_weight_in_kg_with_decimal_comma(grams, shown):
    assert kg(grams) == shown


def test_kg_refuses_fractional_grams():
    with pytest.raises(TypeError):
        kg(1.5)
