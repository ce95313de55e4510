"""Opening hours as a visitor sees them: "open now", public holidays, the edit form."""

import importlib.util
import pathlib
import sys
from datetime import UTC, date, datetime

import pytest


def _load(name):
    # Loaded by path: the module is Flask-free and must not need the whole app.
    path = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "tourism" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tourism_{name}_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hours = _load("hours")

# A museum: closed Mondays, Tuesday to Sunday 08:00-15:00.
MUSEUM = hours.validate([None] + [("08:00", "15:00")] * 6)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_museum_open_on_tuesday_morning_in_wib():
    # 2026-03-03 is a Tuesday; 03:00 UTC is 10:00 WIB.
    assert hours.is_open(MUSEUM, True, utc(2026, 3, 3, 3, 0))


def test_museum_closed_on_monday():
    assert not hours.is_open(MUSEUM, False, utc(2026, 3, 2, 3, 0))


def test_closing_time_is_exclusive_and_opening_time_inclusive():
    assert not hours.is_open(MUSEUM, False, utc(2026, 3, 3, 8, 0))  # 15:00 WIB
    assert hours.is_open(MUSEUM, False, utc(2026, 3, 3, 7, 59))  # 14:59 WIB
    assert hours.is_open(MUSEUM, False, utc(2026, 3, 3, 1, 0))  # 08:00 WIB
    assert not hours.is_open(MUSEUM, False, utc(2026, 3, 3, 0, 59))  # 07:59 WIB


def test_weekday_is_taken_in_wib_not_utc():
    # Monday 23:30 UTC is Tuesday 06:30 WIB.
    early = hours.validate([None, ("06:00", "09:00"), None, None, None, None, None])
    assert hours.is_open(early, False, utc(2026, 3, 2, 23, 30))
    assert not hours.is_open(MUSEUM, False, utc(2026, 3, 2, 23, 30))  # 06:30, not yet open


def test_closed_on_public_holidays_only_when_asked():
    every_day = hours.validate([("08:00", "15:00")] * 7)
    independence_day = utc(2026, 8, 17, 3, 0)  # 10:00 WIB
    new_year = utc(2027, 1, 1, 3, 0)
    assert not hours.is_open(every_day, True, independence_day)
    assert not hours.is_open(every_day, True, new_year)
    assert hours.is_open(every_day, False, independence_day)
    assert hours.is_open(every_day, False, new_year)


def test_holiday_is_named_in_indonesian():
    assert "Kemerdekaan" in hours.is_holiday(date(2026, 8, 17))
    assert hours.is_holiday(date(2026, 8, 18)) is None


def test_open_until_midnight():
    late = hours.validate([("18:00", "24:00")] * 7)
    assert hours.is_open(late, False, utc(2026, 3, 3, 16, 59))  # 23:59 WIB
    assert not hours.is_open(late, False, utc(2026, 3, 3, 17, 0))  # 00:00 WIB


def test_validate_refuses_close_before_open_naming_the_day():
    week = [None] * 7
    week[2] = ("16:00", "08:00")
    with pytest.raises(hours.HoursError) as caught:
        hours.validate(week)
    assert (caught.value.day, caught.value.code) == (2, "order")
    week[2] = ("08:00", "08:00")
    with pytest.raises(hours.HoursError) as caught:
        hours.validate(week)
    assert caught.value.code == "order"


def test_validate_reports_unreadable_time_and_wrong_shape():
    week = [None] * 7
    week[4] = ("8", "15:00")
    with pytest.raises(hours.HoursError) as caught:
        hours.validate(week)
    assert (caught.value.day, caught.value.code) == (4, "format")
    with pytest.raises(hours.HoursError) as caught:
        hours.validate([None] * 6)
    assert (caught.value.day, caught.value.code) == (None, "format")


def test_times_are_read_in_common_indonesian_forms():
    assert hours.parse_time("8.00") == "08:00"
    assert hours.parse_time("8:00") == "08:00"
    assert hours.parse_time("08.30") == "08:30"
    assert hours.validate([("7.30", "16.00")] * 7)[0] == ["07:30", "16:00"]


@pytest.mark.parametrize("text", ["25:00", "12:60", "abc", "８:００", "0800", "", "8:0"])
def test_unreadable_times_are_refused(text):
    with pytest.raises(ValueError):
        hours.parse_time(text)
    with pytest.raises(ValueError):
        hours.parse_time(text, closing=True)


def test_midnight_only_as_closing_time():
    assert hours.parse_time("24:00", closing=True) == "24:00"
    with pytest.raises(ValueError):
        hours.parse_time("24:00")
    with pytest.raises(ValueError):
        hours.parse_time("24:30", closing=True)
    with pytest.raises(hours.HoursError):
        hours.validate([("24:00", "24:00")] + [None] * 6)


def test_load_tolerates_junk():
    closed = [None] * 7
    for junk in (None, "", "not json", "{}", 42, [1, 2], {"mon": "8-15"}, [None] * 8):
        assert hours.load(junk) == closed
    assert hours.all_closed(None)
    stored = [None, ["08:00", "15:00"], "junk", None, None, None, None]
    assert hours.load(stored) == [None, ["08:00", "15:00"], None, None, None, None, None]
    assert hours.is_open("garbage", False, utc(2026, 3, 3, 3, 0)) is False


def test_display_uses_indonesian_time_style_and_babel_day_names():
    days = hours.open_days(MUSEUM)
    assert days[0] == (0, None)
    assert days[1] == (1, "08.00\u201315.00")
    assert hours.weekday_names("id")[0] == "Senin"
    assert hours.weekday_names("en")[6] == "Sunday"
    assert not hours.all_closed(MUSEUM)
