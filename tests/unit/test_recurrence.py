"""Repeating events as visitors see them: dates in WIB, rule limits, the calendar feed."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from app import recurrence as rec  # Flask-free: used without building an app

WIB = ZoneInfo("Asia/Jakarta")

# Batik workshop, Saturdays 06:00-09:00 WIB, first on Saturday 3 January 2026,
# which is Friday 2 January 23:00 in UTC.
START = datetime(2026, 1, 2, 23, 0, tzinfo=UTC)
END = START + timedelta(hours=3)


def saturdays_rule(until=date(2026, 1, 24)):
    return rec.make_rule("weekly", until, START)


def test_weekly_workshop_falls_on_saturdays_in_wib():
    rule = saturdays_rule(date(2026, 3, 31))
    assert rule == "FREQ=WEEKLY;UNTIL=20260331T165959Z;BYDAY=SA"
    window = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    found = rec.occurrences(START, END, rule, *window)
    local = [o.start.astimezone(WIB) for o in found]
    assert [d.day for d in local] == [7, 14, 21, 28]
    assert all(d.weekday() == 5 and (d.hour, d.minute) == (6, 0) for d in local)
    assert all(o.end - o.start == timedelta(hours=3) for o in found)
    assert all(o.start.utcoffset() == timedelta(0) for o in found)


def test_until_is_the_end_of_that_day_in_wib():
    assert rec.make_rule("daily", date(2027, 1, 30), datetime(2026, 6, 1, 1, tzinfo=UTC)) == (
        "FREQ=DAILY;UNTIL=20270130T165959Z"
    )


def test_weekly_on_chosen_days_and_no_repeat():
    rule = rec.make_rule("weekly", date(2026, 2, 28), START, weekdays=[2, 0])
    assert rule.endswith("BYDAY=MO,WE")
    assert rec.rule_parts(rule) == ("weekly", date(2026, 2, 28), [0, 2])
    assert rec.make_rule("none", None, START) is None
    assert rec.rule_parts(None) == ("none", None, [])


def test_repeat_without_end_is_refused():
    with pytest.raises(rec.RuleError) as caught:
        rec.make_rule("weekly", None, START)
    assert caught.value.code == "no_end"


def test_end_before_start_is_refused():
    with pytest.raises(rec.RuleError) as caught:
        rec.make_rule("weekly", date(2026, 1, 1), START)
    assert caught.value.code == "before_start"


def test_series_longer_than_two_years_is_refused():
    with pytest.raises(rec.RuleError) as caught:
        rec.make_rule("monthly", date(2029, 1, 3), START)
    assert caught.value.code == "too_long"
    with pytest.raises(rec.RuleError) as caught:
        rec.check_rule("FREQ=MONTHLY;COUNT=36", START)
    assert caught.value.code == "too_long"
    assert rec.make_rule("daily", date(2028, 1, 3), START)  # exactly two years is fine


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=SECONDLY;COUNT=5",
        "FREQ=SECONDLY",
        "FREQ=WEEKLY",
        "garbage",
        "FREQ=WEEKLY;UNTIL=99999999",
        "FREQ=WEEKLY;UNTIL=20260230",
        "FREQ=WEEKLY;BYDAY=1SA;COUNT=4",
        "FREQ=WEEKLY;BYSETPOS=1;COUNT=4",
        "FREQ=WEEKLY;COUNT=4;UNTIL=20260201",
        "FREQ=WEEKLY;COUNT=-1",
        "FREQ=WEEKLY;COUNT=\uff14",
        "FREQ=DAILY;COUNT=100000000000000000000",
        "FREQ=WEEKLY;COUNT=4;COUNT=5",
        "FREQ=WEEKLY;UNTIL=20260201\nX-EVIL:1",
        "FREQ=WEEKLY;COUNT=4;" + "BYDAY=SA;" * 5000,
        "",
        None,
        42,
    ],
)
def test_hostile_rule_text_raises_rule_error_only(text):
    with pytest.raises(rec.RuleError):
        rec.check_rule(text, START)


def test_rule_text_is_canonicalised():
    assert rec.check_rule("rrule:freq=weekly;byday=sa;count=4", START) == (
        "FREQ=WEEKLY;COUNT=4;BYDAY=SA"
    )
    # A bare date UNTIL means through that whole WIB day.
    assert rec.check_rule("FREQ=WEEKLY;UNTIL=20260124", START).endswith("20260124T165959Z")


def test_occurrence_running_into_the_window_is_included():
    rule = saturdays_rule()
    # 07:00 WIB on 10 January: the workshop began at 06:00 and is still on.
    window_start = datetime(2026, 1, 10, 0, 0, tzinfo=UTC)
    found = rec.occurrences(START, END, rule, window_start, window_start + timedelta(days=1))
    assert [o.start for o in found] == [datetime(2026, 1, 9, 23, 0, tzinfo=UTC)]
    # From 09:00 WIB it is over.
    later = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
    assert rec.occurrences(START, END, rule, later, later + timedelta(days=1)) == []


def test_single_event_overlap():
    assert len(rec.occurrences(START, END, None, START - timedelta(days=1), START)) == 0
    assert len(rec.occurrences(START, END, None, END - timedelta(minutes=1), END)) == 1
    assert rec.occurrences(START, END, None, END, END + timedelta(days=1)) == []


def test_series_end_is_the_last_saturdays_end():
    rule = saturdays_rule()  # 3, 10, 17, 24 January
    assert rec.series_end(START, END, rule) == datetime(2026, 1, 24, 2, 0, tzinfo=UTC)
    assert rec.series_end(START, END, None) == END
    assert rec.rule_parts("FREQ=WEEKLY;BYDAY=SA;COUNT=4", starts_at=START)[1] == date(2026, 1, 24)


def test_describe_in_indonesian_and_english():
    rule = rec.make_rule("weekly", date(2027, 1, 30), datetime(2026, 2, 6, 23, tzinfo=UTC))
    assert rec.describe(rule, "id") == "Setiap Sabtu, sampai 30 Januari 2027"
    assert rec.describe(rule, "en") == "Every Saturday, until 30 January 2027"
    daily = "FREQ=DAILY;UNTIL=20260131T165959Z"
    assert rec.describe(daily, "id") == "Setiap hari, sampai 31 Januari 2026"
    assert rec.describe(daily, "en") == "Every day, until 31 January 2026"
    assert rec.describe("FREQ=MONTHLY;COUNT=10", "id") == "Setiap bulan, 10 kali"
    assert rec.describe("FREQ=MONTHLY;COUNT=10", "en") == "Every month, 10 times"
    assert rec.describe("FREQ=WEEKLY;COUNT=4;BYDAY=MO,WE", "id") == "Setiap Senin, Rabu, 4 kali"
    fortnight = "FREQ=WEEKLY;COUNT=6;INTERVAL=2;BYDAY=SA"
    assert rec.describe(fortnight, "id") == "Setiap 2 minggu pada Sabtu, 6 kali"
    assert rec.describe(fortnight, "en") == "Every 2 weeks on Saturday, 6 times"
    assert rec.describe(None, "id") == ""


def _feed_events():
    stamp = datetime(2026, 1, 1, 5, 30, tzinfo=UTC)
    return [
        rec.FeedEvent(
            uid="event-1@kelurahan.example",
            title="Workshop Batik; pewarnaan, canting\nSesi pagi",
            description="Café & batik: bawa kain, sendiri;\nGratis — terbuka untuk umum.",
            starts_at=START,
            ends_at=END,
            rule=saturdays_rule(date(2026, 2, 28)),
            location="Museum Batik, Jl. Jetayu No. 1, Pekalongan",
            lat=-6.8686,
            lng=109.6753,
            url="https://kelurahan.example/wisata/acara/1",
            stamp=stamp,
            image_url="https://kelurahan.example/media/1.jpg",
        ),
        rec.FeedEvent(
            uid="event-2@kelurahan.example",
            title="Festival Pantai Pasir Kencana",
            description="",
            starts_at=datetime(2026, 4, 4, 1, 0, tzinfo=UTC),
            ends_at=datetime(2026, 4, 4, 10, 0, tzinfo=UTC),
            rule=None,
            location="",
            lat=None,
            lng=None,
            url="",
            stamp=stamp,
        ),
    ]


def _parsed_feed():
    events = _feed_events()
    data = rec.calendar_ics(events, name="Wisata Kota Pekalongan", description="Agenda")
    assert isinstance(data, bytes)
    return events, icalendar.Calendar.from_ical(data)


def test_feed_is_a_published_calendar_with_wib_timezone():
    _, calendar = _parsed_feed()
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["X-WR-CALNAME"]) == "Wisata Kota Pekalongan"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Jakarta"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]


def test_feed_events_round_trip():
    events, calendar = _parsed_feed()
    parsed = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in parsed] == [e.uid for e in events]
    for source, event in zip(events, parsed, strict=True):
        start = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
        assert start == source.starts_at
        assert start.astimezone(WIB).utcoffset() == timedelta(hours=7)
        assert event.decoded("DTEND") == source.ends_at
        assert event.decoded("DTSTAMP") == source.stamp
        assert str(event["SUMMARY"]) == source.title


def test_feed_rrule_expands_like_occurrences():
    events, calendar = _parsed_feed()
    source, event = events[0], calendar.walk("VEVENT")[0]
    assert event["RRULE"].to_ical().decode() == source.rule
    window = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    expected = [
        o.start for o in rec.occurrences(source.starts_at, source.ends_at, source.rule, *window)
    ]
    expanded = list(rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART")))
    assert expanded == expected
    assert len(expected) == 9  # Saturdays from 3 January to 28 February
    assert "RRULE" not in calendar.walk("VEVENT")[1]


def test_feed_text_survives_punctuation_newlines_and_accents():
    events, calendar = _parsed_feed()
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == events[0].title
    assert str(event["DESCRIPTION"]) == events[0].description
    assert str(event["LOCATION"]) == events[0].location
    assert str(event["URL"]) == events[0].url
    assert event.decoded("GEO") is not None
    geo = event["GEO"]
    assert (geo.latitude, geo.longitude) == (-6.8686, 109.6753)
    assert "GEO" not in calendar.walk("VEVENT")[1]


def test_a_posyandu_on_the_second_tuesday_stays_on_the_second_tuesday():
    """Every month on the weekday and week of the first time, in WIB: 8 December 2026 is
    the second Tuesday, so are 12 January and 9 February; the describing sentence says so."""
    first = datetime(2026, 12, 8, 8, 0, tzinfo=WIB).astimezone(UTC)
    rule = rec.make_rule(rec.MONTHLY_WEEKDAY, date(2027, 3, 31), first)
    assert rule == "FREQ=MONTHLY;UNTIL=20270331T165959Z;BYDAY=2TU"
    found = rec.occurrences(
        first, first + timedelta(hours=3), rule, first, first + timedelta(days=120)
    )
    assert [o.start.astimezone(WIB).date() for o in found] == [
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
    ]
    assert rec.describe(rule, "id") == "Setiap Selasa kedua tiap bulan, sampai 31 Maret 2027"
    assert rec.describe(rule, "en").startswith("Every second Tuesday of the month")
    assert rec.rule_parts(rule) == (rec.MONTHLY_WEEKDAY, date(2027, 3, 31), [1])


def test_a_first_time_in_the_fifth_week_repeats_on_the_last_such_weekday():
    first = datetime(2026, 12, 29, 8, 0, tzinfo=WIB).astimezone(UTC)  # the fifth Tuesday
    rule = rec.make_rule(rec.MONTHLY_WEEKDAY, date(2027, 2, 28), first)
    assert rule.endswith("BYDAY=-1TU")
    found = rec.occurrences(
        first, first + timedelta(hours=1), rule, first, first + timedelta(days=70)
    )
    assert [o.start.astimezone(WIB).day for o in found] == [29, 26, 23]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=2TU;COUNT=3",  # an ordinal belongs to a monthly rule only
        "FREQ=MONTHLY;BYDAY=2TU,3WE;COUNT=3",  # one weekday at a time
        "FREQ=MONTHLY;BYDAY=5TU;COUNT=3",  # the fifth exists in some months only
        "FREQ=MONTHLY;BYDAY=+2TU;COUNT=3",
    ],
)
def test_ordinal_weekdays_outside_the_one_shape_the_forms_make_are_refused(rule):
    with pytest.raises(rec.RuleError):
        rec.check_rule(rule, START)
