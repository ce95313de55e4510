"""Jadwal RW: the public week view of a kelurahan's neighbourhood schedules, a resident's
own RW ("Jadwal RW saya") with the reminder switch, and the staff pages that add, change
and stop schedules (each audited)."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError

from app.kit import (
    WIB,
    EmptyForm,
    already_done,
    audit,
    db,
    emit,
    form_status,
    get_or_404,
    ics_response,
    is_enabled,
    login_required,
    neighbourhood_number,
    permission_required,
    public_url,
    recurrence,
    remember_result,
    utcnow,
)

from . import schedules
from .access import MANAGE, can_manage, rw_choices
from .blueprint import bp, city_bp  # noqa: F401
from .forms_schedules import ALL_RWS, NewScheduleForm, ScheduleForm
from .labels import SCHEDULE_LABELS, label, rw_label
from .models import Facility, ReminderSubscription, Schedule, ScheduleKind
from .places import day_window, today_wib, week_start

MY_WEEKS = 4


def _locale() -> str:
    return str(get_locale() or "id")


def _helpers() -> dict:
    """What the schedule templates use to say things in the reader's language."""
    locale = _locale()
    return {
        "kind_label": lambda value: label(SCHEDULE_LABELS, value),
        "rw_label": rw_label,
        "place_of": schedules.place_of,
        "describe_rule": lambda rule: recurrence.describe(rule, locale),
        "day_label": lambda day: format_date(day, "EEEE, d MMMM yyyy", locale=locale),
        "short_day": lambda day: format_date(day, "d MMM", locale=locale),
        "clock": _clock,
        "wib_day": lambda moment: moment.astimezone(WIB).date(),
    }


def _clock(start, end) -> str:
    """ "08.00–11.00 WIB" (or "08:00–11:00 WIB" in English) of an occurrence."""
    separator = "." if _locale().startswith("id") else ":"
    a, b = start.astimezone(WIB), end.astimezone(WIB)
    return f"{a:%H}{separator}{a:%M}–{b:%H}{separator}{b:%M} WIB"


def _wanted_rw() -> str | None:
    """The `?rw=` filter as three digits when it is one of the kelurahan's RWs; anything
    else (empty, hostile, an RW it does not have) shows every RW."""
    raw = request.args.get("rw", "")
    if not isinstance(raw, str) or len(raw) > 10:
        return None
    try:
        rw = neighbourhood_number(raw)
    except ValidationError:
        return None
    return rw if rw in rw_choices() else None


# -- public ------------------------------------------------------------------------------------


@bp.get("/jadwal", endpoint="schedules")
def schedules_page():
    rw = _wanted_rw()
    monday = week_start(today_wib())
    next_monday = monday + timedelta(days=7)
    # One query: the list below and the two weeks come from the same rows.
    found = schedules.active_schedules(rw or schedules.EVERY_RW)
    window_start, window_end = day_window(monday, 14)
    rows = schedules.expand(
        [s for s in found if s.starts_at < window_end], window_start, window_end
    )
    this_week = [r for r in rows if r[1].astimezone(WIB).date() < next_monday]
    next_week = rows[len(this_week) :]
    now = utcnow()
    listed = [s for s in found if not schedules.series_over(s, now)]
    return render_template(
        "facilities/schedules.html",
        rw=rw,
        rws=rw_choices(),
        weeks=[
            (_("Minggu ini"), monday, monday + timedelta(days=6), schedules.by_day(this_week)),
            (
                _("Minggu depan"),
                next_monday,
                next_monday + timedelta(days=6),
                schedules.by_day(next_week),
            ),
        ],
        listed=listed,
        manager=can_manage(),
        **_helpers(),
    )


@bp.get("/jadwal.ics", endpoint="schedules_ics")
def schedules_ics():
    """The schedules as a calendar feed (with `?rw=003`: that RW's and the whole
    kelurahan's), each with its repeat rule, for a phone's calendar app to follow."""
    rw = _wanted_rw()
    now = utcnow()
    found = [
        s
        for s in schedules.active_schedules(rw or schedules.EVERY_RW)
        if not schedules.series_over(s, now)
    ]
    page = public_url("facilities.schedules", **({"rw": rw} if rw else {}))
    events = [
        recurrence.FeedEvent(
            uid=f"jadwal-{s.id}@{g.kelurahan.slug}.kelurahanpintar",
            title=s.title,
            description=s.notes,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            rule=s.rule,
            location=schedules.place_of(s),
            lat=None,
            lng=None,
            url=page,
            stamp=s.updated_at or s.created_at,
        )
        for s in found
    ]
    name = (
        _("Jadwal RW %(rw)s, Kelurahan %(name)s", rw=rw, name=g.kelurahan.name)
        if rw
        else _("Jadwal RW, Kelurahan %(name)s", name=g.kelurahan.name)
    )
    body = recurrence.calendar_ics(events, name=name, product="-//Kelurahan Pintar//Jadwal RW//ID")
    return ics_response(f"jadwal-{g.kelurahan.slug}{'-rw' + rw if rw else ''}.ics", body)


def _home_here(user) -> bool:
    return user.home_kelurahan_id == g.kelurahan.id


@bp.get("/jadwal/saya")
@login_required
def my_schedule():
    lives_here = _home_here(current_user)
    rw = current_user.rw if lives_here and current_user.rw else None
    today = today_wib()
    rows = schedules.week_occurrences(today, MY_WEEKS * 7, rw if rw else schedules.WHOLE_KELURAHAN)
    return render_template(
        "facilities/my_schedule.html",
        rw=rw,
        lives_here=lives_here,
        days=schedules.by_day(rows),
        last_day=today + timedelta(days=MY_WEEKS * 7 - 1),
        subscribed=schedules.is_subscribed(current_user),
        toggle=EmptyForm(),
        **_helpers(),
    )


@bp.post("/jadwal/pengingat")
@login_required
def reminders():
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("facilities.my_schedule"), code=303)
    if not _home_here(current_user):
        flash(_("Pengingat jadwal hanya untuk warga yang tinggal di kelurahan ini."), "error")
        return back
    wanted = request.form.get("on") == "1"
    found = db.session.execute(
        select(ReminderSubscription).where(ReminderSubscription.user_id == current_user.id)
    ).scalar_one_or_none()
    if wanted and found is None:
        db.session.add(ReminderSubscription(user_id=current_user.id))
        try:
            db.session.commit()
        except IntegrityError:  # the same click twice at once: already on
            db.session.rollback()
    elif not wanted and found is not None:
        db.session.delete(found)
        db.session.commit()
    if wanted:
        flash(_("Pengingat jadwal aktif. Kami kabari sehari sebelum setiap kegiatan."), "success")
    else:
        flash(_("Pengingat jadwal dimatikan."), "success")
    return back


# -- staff -------------------------------------------------------------------------------------


@bp.get("/kelola/jadwal")
@permission_required(MANAGE)
def manage_schedules():
    rows = list(
        db.session.execute(
            select(Schedule).order_by(
                Schedule.active.desc(), Schedule.rw.is_not(None), Schedule.rw, Schedule.title
            )
        ).scalars()
    )
    return render_template(
        "facilities/manage_schedules.html", rows=rows, empty=EmptyForm(), **_helpers()
    )


def _kinds(schedule: Schedule | None) -> list[str]:
    """The kinds staff may choose: the waste bank only while its plugin is on here (an
    existing waste-bank schedule keeps its kind)."""
    kinds = [k.value for k in ScheduleKind if k != ScheduleKind.WASTE_BANK]
    if is_enabled("wastebank") or (schedule and schedule.kind == ScheduleKind.WASTE_BANK):
        kinds.append(ScheduleKind.WASTE_BANK.value)
    return kinds


def _form(schedule: Schedule | None) -> ScheduleForm:
    facilities = list(
        db.session.execute(
            select(Facility).where(Facility.active.is_(True)).order_by(Facility.name)
        ).scalars()
    )
    rws = rw_choices()
    if schedule is not None:
        if schedule.rw and schedule.rw not in rws:  # the RW count was lowered since
            rws.append(schedule.rw)
        if schedule.facility is not None and schedule.facility not in facilities:
            facilities.append(schedule.facility)
    options = {"kinds": _kinds(schedule), "rws": rws, "facilities": facilities}
    if request.method == "GET" and schedule is not None:
        start, end = schedule.starts_at.astimezone(WIB), schedule.ends_at.astimezone(WIB)
        try:
            freq, until, days = recurrence.rule_parts(schedule.rule, starts_at=schedule.starts_at)
        except recurrence.RuleError:
            freq, until, days = "none", None, []
        options["data"] = {
            "kind": schedule.kind,
            "title": schedule.title,
            "rw": schedule.rw or ALL_RWS,
            "place": schedule.place,
            "facility": str(schedule.facility_id or ""),
            "first_day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "repeat": freq if freq in ("weekly", "monthly", recurrence.MONTHLY_WEEKDAY) else "none",
            "repeat_every": str(min(schedules.rule_interval(schedule.rule), 4)),
            "repeat_days": [str(d) for d in days],
            "repeat_until": until,
            "notes": schedule.notes,
        }
    return (ScheduleForm if schedule else NewScheduleForm)(**options)


def _store(schedule: Schedule, form: ScheduleForm) -> None:
    facility = form.chosen_facility
    schedule.kind = form.kind.data
    schedule.title = form.title.data
    schedule.rw = form.chosen_rw
    schedule.place = form.place.data or ""
    schedule.facility_id = facility.id if facility is not None else None
    schedule.starts_at, schedule.ends_at = form.starts_at, form.ends_at
    schedule.rule = form.rule
    schedule.notes = form.notes.data or ""


@bp.route("/kelola/jadwal/baru", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_schedule():
    form = _form(None)
    if (done := already_done(form)) is not None:
        return done
    if form.validate_on_submit():
        schedule = Schedule(created_by_id=current_user.id)
        _store(schedule, form)
        db.session.add(schedule)
        db.session.flush()
        audit(
            "facilities.schedule_created",
            "facilities_schedule",
            schedule.id,
            kelurahan=g.kelurahan,
            after=schedules.snapshot(schedule),
        )
        remember_result(form, url_for("facilities.edit_schedule", schedule_id=schedule.id))
        db.session.commit()
        emit("facilities.schedule_changed", {"schedule_id": schedule.id})
        flash(_("Jadwal %(title)s disimpan.", title=schedule.title), "success")
        return redirect(url_for("facilities.manage_schedules"), code=303)
    return render_template("facilities/schedule_form.html", form=form, schedule=None), form_status()


@bp.route("/kelola/jadwal/<int:schedule_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_schedule(schedule_id: int):
    schedule = get_or_404(Schedule, schedule_id)
    form = _form(schedule)
    if form.validate_on_submit():
        before = schedules.snapshot(schedule)
        _store(schedule, form)
        after = schedules.snapshot(schedule)
        if after != before:
            audit(
                "facilities.schedule_changed",
                "facilities_schedule",
                schedule.id,
                kelurahan=g.kelurahan,
                before={k: v for k, v in before.items() if after[k] != v},
                after={k: v for k, v in after.items() if before[k] != v},
            )
            db.session.commit()
            emit("facilities.schedule_changed", {"schedule_id": schedule.id})
        flash(_("Jadwal %(title)s disimpan.", title=schedule.title), "success")
        return redirect(url_for("facilities.manage_schedules"), code=303)
    return render_template(
        "facilities/schedule_form.html", form=form, schedule=schedule, **_helpers()
    ), form_status()


@bp.post("/kelola/jadwal/<int:schedule_id>/hentikan")
@permission_required(MANAGE)
def stop_schedule(schedule_id: int):
    schedule = get_or_404(Schedule, schedule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if schedule.active:
        schedule.active = False
        audit(
            "facilities.schedule_stopped",
            "facilities_schedule",
            schedule.id,
            kelurahan=g.kelurahan,
            before={"active": True},
            after={"active": False},
        )
        db.session.commit()
        emit("facilities.schedule_changed", {"schedule_id": schedule.id})
    flash(_("Jadwal %(title)s dihentikan.", title=schedule.title), "success")
    return redirect(url_for("facilities.manage_schedules"), code=303)
