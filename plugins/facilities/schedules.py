"""Neighbourhood schedules per RW ("Jadwal RW"): which ones apply where, their occurrences in
a window of WIB days, the reminders sent the day before, the home widget, the audit phrases
and the demo schedules. Flask-light: the views and the CLI call these.

A schedule with `rw` None is for the whole kelurahan and shows in every RW's view.
Occurrences are expanded in Python from one query of the schedules (a page's query count
does not grow with the number of schedules or weeks)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.kit import (
    WIB,
    AuditObject,
    AuditPhrase,
    HomeWidget,
    User,
    _l,
    audit_names,
    current_kelurahan,
    db,
    enabled_kelurahan,
    is_enabled,
    notify,
    public_url,
    recurrence,
    scoped_to,
    utcnow,
    wib_range,
)

from .access import PLUGIN_ID, rw_choices
from .models import ReminderSent, ReminderSubscription, Schedule, ScheduleKind
from .places import day_window, instant, today_wib, week_start

EVERY_RW = None  # `rw` filter: every schedule of the kelurahan, whatever its RW
WHOLE_KELURAHAN = ""  # `rw` filter: only the schedules for the whole kelurahan
REMIND_AHEAD = timedelta(hours=24)
WIDGET_ROWS = 8

Occurrence = tuple[Schedule, datetime, datetime]  # (schedule, start, end), aware UTC

AUDIT_PHRASES = [
    AuditPhrase("facilities.schedule_created", _l("%(actor)s membuat %(object)s")),
    AuditPhrase("facilities.schedule_changed", _l("%(actor)s mengubah %(object)s")),
    AuditPhrase("facilities.schedule_stopped", _l("%(actor)s menghentikan %(object)s")),
]
AUDIT_OBJECTS = [
    AuditObject("facilities_schedule", _l("jadwal “%(name)s”"), audit_names(Schedule.title)),
]


# -- queries -----------------------------------------------------------------------------------


def _rw_filter(query, rw: str | None):
    if rw is EVERY_RW:
        return query
    if rw == WHOLE_KELURAHAN:
        return query.where(Schedule.rw.is_(None))
    return query.where(or_(Schedule.rw.is_(None), Schedule.rw == rw))


def active_schedules(rw: str | None = EVERY_RW, *, before: datetime | None = None) -> list:
    """The current kelurahan's active schedules for `rw` ("003": that RW and the whole
    kelurahan; EVERY_RW; WHOLE_KELURAHAN), first time before `before` when given. One query
    (the facility comes in the same statement)."""
    query = (
        select(Schedule)
        .options(joinedload(Schedule.facility))
        .where(Schedule.active.is_(True))
        .order_by(Schedule.rw.is_not(None), Schedule.rw, Schedule.title, Schedule.id)
    )
    if before is not None:
        query = query.where(Schedule.starts_at < before)
    return list(db.session.execute(_rw_filter(query, rw)).unique().scalars())


def expand(schedules: Iterable[Schedule], start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence of `schedules` overlapping [start, end), by start time."""
    rows: list[Occurrence] = []
    for schedule in schedules:
        try:
            found = recurrence.occurrences(
                schedule.starts_at, schedule.ends_at, schedule.rule, start, end
            )
        except (recurrence.RuleError, ValueError):
            continue  # a rule stored before the checks were stricter: skip it, never fail a page
        rows.extend((schedule, o.start, o.end) for o in found)
    rows.sort(key=lambda row: (row[1], row[0].rw or "", row[0].title, row[0].id))
    return rows


def week_occurrences(first_day: date, days: int = 7, rw: str | None = EVERY_RW) -> list:
    """(schedule, start, end) of the current kelurahan's active schedules on `days` WIB days
    from `first_day`, sorted by start; `rw` as in `active_schedules`."""
    start, end = day_window(first_day, days)
    return expand(active_schedules(rw, before=end), start, end)


def by_day(rows: Iterable[Occurrence]) -> list[tuple[date, list[Occurrence]]]:
    """Occurrences grouped by their WIB day, in order."""
    days: dict[date, list[Occurrence]] = {}
    for row in rows:
        days.setdefault(row[1].astimezone(WIB).date(), []).append(row)
    return list(days.items())


def series_over(schedule: Schedule, now: datetime) -> bool:
    """Whether the last occurrence of a schedule has ended."""
    try:
        return recurrence.series_end(schedule.starts_at, schedule.ends_at, schedule.rule) <= now
    except (recurrence.RuleError, ValueError):
        return False


def place_of(schedule: Schedule) -> str:
    """Where it happens: the place typed by staff, else the facility's name."""
    if schedule.place:
        return schedule.place
    return schedule.facility.name if schedule.facility is not None else ""


_INTERVAL = re.compile(r"(?:^|;)INTERVAL=([0-9]+)(?:;|$)")


def rule_interval(rule: str | None) -> int:
    """The INTERVAL of a stored rule (every 2 weeks: 2), 1 when it has none."""
    match = _INTERVAL.search(rule or "")
    return int(match.group(1)) if match else 1


def with_interval(rule: str | None, interval: int, starts_at: datetime) -> str | None:
    """A rule made by `recurrence.make_rule` repeated every `interval` weeks or months."""
    if rule is None or interval <= 1:
        return rule
    return recurrence.check_rule(f"{rule};INTERVAL={interval}", starts_at)


def snapshot(schedule: Schedule) -> dict:
    """What the audit log keeps of a schedule before and after a change."""
    return {
        "kind": schedule.kind,
        "title": schedule.title,
        "rw": schedule.rw,
        "place": schedule.place,
        "facility_id": schedule.facility_id,
        "starts_at": schedule.starts_at.isoformat() if schedule.starts_at else None,
        "ends_at": schedule.ends_at.isoformat() if schedule.ends_at else None,
        "rule": schedule.rule,
        "notes": (schedule.notes or "")[:300],
        "active": schedule.active,
    }


def is_subscribed(user) -> bool:
    return (
        db.session.scalar(
            select(ReminderSubscription.id).where(ReminderSubscription.user_id == user.id)
        )
        is not None
    )


# -- home widget -------------------------------------------------------------------------------


def home_widget(kelurahan=None):
    """The kelurahan's schedules still to come this week (Monday–Sunday, WIB), every RW:
    the panel is cached per kelurahan and role, so nothing in it depends on the viewer.
    None when nothing is left this week."""
    kelurahan = kelurahan or current_kelurahan()
    now = utcnow()
    rows = [row for row in week_occurrences(week_start(today_wib())) if row[2] > now]
    if not rows:
        return None
    return HomeWidget(
        "facilities-week",
        _l("Jadwal minggu ini"),
        "facilities/_schedule_widget.html",
        {"rows": rows[:WIDGET_ROWS], "more": len(rows) - WIDGET_ROWS, "kelurahan": kelurahan},
        order=45,
    )


# -- reminders ---------------------------------------------------------------------------------


def _reminder(same_day: bool, **values):
    if same_day:
        return _l("Pengingat: %(title)s hari ini, %(when)s di %(place)s.", **values)
    return _l("Pengingat: %(title)s besok, %(when)s di %(place)s.", **values)


def send_reminders(now: datetime | None = None) -> int:
    """Remind subscribed residents of every occurrence starting within the next 24 hours,
    in each kelurahan where the plugin is on; how many notifications went out. Each
    occurrence is claimed once (a `ReminderSent` row, unique): a second run, or a second
    host running at the same time, sends nothing twice."""
    now = now or utcnow()
    total = 0
    for kelurahan in enabled_kelurahan(PLUGIN_ID):
        with scoped_to(kelurahan.id):
            total += _remind(kelurahan, now)
    return total


def _subscribers(kelurahan) -> list[User]:
    """Subscribed residents who live in the kelurahan (one query)."""
    return list(
        db.session.execute(
            select(User)
            .join(ReminderSubscription, ReminderSubscription.user_id == User.id)
            .where(User.home_kelurahan_id == kelurahan.id, User.is_active_account.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def _remind(kelurahan, now: datetime) -> int:
    people = _subscribers(kelurahan)
    if not people:
        return 0
    horizon = now + REMIND_AHEAD
    rows = [row for row in expand(active_schedules(before=horizon), now, horizon) if row[1] >= now]
    if not rows:
        return 0
    url = urlsplit(public_url("facilities.my_schedule", kelurahan_slug=kelurahan.slug)).path
    today = now.astimezone(WIB).date()
    # Plain values first: a rolled-back claim expires the loaded rows.
    plans = []
    for schedule, start, end in rows:
        reached = [u for u in people if schedule.rw is None or u.rw == schedule.rw]
        if reached:
            plans.append((schedule.id, schedule.title, place_of(schedule), start, end, reached))
    sent = 0
    for schedule_id, title, place, start, end, reached in plans:
        db.session.commit()  # each claim is its own transaction
        claim = ReminderSent(schedule_id=schedule_id, starts_at=start, recipients=len(reached))
        db.session.add(claim)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()  # already claimed by an earlier run or another host
            continue
        same_day = start.astimezone(WIB).date() == today
        for user in reached:
            when = wib_range(start, end, locale=user.locale or "id")  # in the reader's language
            message = _reminder(same_day, title=title, when=when, place=place or kelurahan.name)
            notify(user, message, url=url, kelurahan=kelurahan)
        db.session.commit()
        sent += len(reached)
    return sent


# -- demo --------------------------------------------------------------------------------------

FLOWERS = ("Mawar", "Kenanga", "Melati", "Anggrek", "Dahlia", "Flamboyan", "Cempaka", "Teratai")
DEMO_RWS = 8


def seed_demo(kelurahan, rng, staff) -> int:
    """Believable schedules for the demo (inside the kelurahan's scope): posyandu on one
    weekday of one week each month and trash collection every week in each RW, kerja bakti
    every four weeks on Sunday and, with the waste bank on, its Saturday opening. Left alone
    when the kelurahan has any schedule already; how many were added."""
    if db.session.scalar(select(Schedule.id).limit(1)) is not None:
        return 0
    today = today_wib()
    until = today + timedelta(days=365)
    added: list[Schedule] = []

    def add(kind, title, rw, place, day, begin, finish, freq, weekdays=None, every=1, notes=""):
        starts_at, ends_at = instant(day, begin), instant(day, finish)
        rule = recurrence.make_rule(freq, until, starts_at, weekdays)
        schedule = Schedule(
            kind=kind.value,
            title=title,
            rw=rw,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            rule=with_interval(rule, every, starts_at),
            notes=notes,
            created_by_id=getattr(staff, "id", None),
        )
        db.session.add(schedule)
        added.append(schedule)

    month_start = today.replace(day=1)
    for n, rw in enumerate(rw_choices(kelurahan)[:DEMO_RWS], start=1):
        short = rw[1:]  # "003" → "03", as the signs on the posts say
        flower = FLOWERS[(n - 1) % len(FLOWERS)]
        # Posyandu on one weekday of one week each month (RW 003: the second Tuesday),
        # from last month on.
        last_month = (month_start - timedelta(days=1)).replace(day=1)
        weekday, week = (n - 2) % 5, (n - 2) % 4 + 1
        first = last_month + timedelta(days=(weekday - last_month.weekday()) % 7 + 7 * (week - 1))
        add(
            ScheduleKind.POSYANDU,
            f"Posyandu {flower} RW {short}",
            rw,
            f"Posyandu {flower} RW {short}",
            first,
            time(8, 0),
            time(11, 0),
            recurrence.MONTHLY_WEEKDAY,
            notes="Penimbangan balita, imunisasi dan pemeriksaan ibu hamil. Bawa buku KIA.",
        )
        # Trash collection twice a week, on weekdays that differ between RWs.
        days = sorted({(n - 1) % 6, (n + 2) % 6})
        start_day = week_start(today) - timedelta(days=7) + timedelta(days=days[0])
        add(
            ScheduleKind.TRASH,
            f"Angkut sampah RW {short}",
            rw,
            rng.choice(("Depan gapura", "Titik kumpul gerobak", "Pos ronda")) + f" RW {short}",
            start_day,
            time(6, 0),
            time(8, 0),
            "weekly",
            weekdays=days,
            notes="Sampah dipilah: organik dan anorganik. Taruh di depan rumah sebelum jam 6.",
        )
    sunday = week_start(today) + timedelta(days=6)
    add(
        ScheduleKind.KERJA_BAKTI,
        "Kerja bakti bersih saluran",
        None,
        "Kumpul di balai kelurahan",
        sunday,
        time(7, 0),
        time(10, 0),
        "weekly",
        weekdays=[6],
        every=4,
        notes="Membersihkan saluran air sebelum musim hujan dan rob. Bawa cangkul dan karung.",
    )
    if is_enabled("wastebank", kelurahan):
        saturday = week_start(today) + timedelta(days=5)
        add(
            ScheduleKind.WASTE_BANK,
            "Penimbangan bank sampah",
            None,
            f"Bank Sampah {kelurahan.name}",
            saturday,
            time(8, 0),
            time(11, 0),
            "weekly",
            weekdays=[5],
            notes="Setor sampah anorganik yang sudah dipilah dan bersih.",
        )
    db.session.flush()
    return len(added)
