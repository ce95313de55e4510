"""Residents' pages: the directory of facilities with its map and kind filter, a
facility's page with its public calendar (busy times, never who booked) and .ics feed,
reporting damage, requesting a booking, and one's own bookings."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    _l,
    already_done,
    audit,
    db,
    emit,
    form_status,
    ics_response,
    limiter,
    login_required,
    map_layer_response,
    notify_holders,
    parse_id,
    public_url,
    recurrence,
    remember_result,
    report_link,
    rupiah,
    saved_response,
    select_choices,
    user_key,
    utcnow,
)

from . import bookings
from .access import MANAGE, can_decide_bookings, can_manage, settings
from .blueprint import bp
from .forms import BookingForm, DamageForm, DecisionForm
from .labels import BOOKING_LABELS, CONDITION_LABELS, KIND_LABELS, label, rw_label
from .models import Booking, BookingSlot, BookingStatus, DamageNote, Facility, Kind
from .places import day_window, today_wib, week_start
from .queries import (
    bookable_facilities,
    booking_or_404,
    busy,
    facilities,
    facility_or_404,
    may_book,
    my_groups,
)

CALENDAR_WEEKS = 4
NOT_ALLOWED = _l(
    "Pemesanan fasilitas untuk warga yang tempat tinggalnya sudah diverifikasi kelurahan, "
    "anggota kelompok masyarakat terverifikasi, dan petugas. Minta verifikasi di kantor "
    "kelurahan."
)


def day_text(day, pattern: str = "d MMM yyyy") -> str:
    """A calendar day in the page's language ("3 Des 2026")."""
    from babel.dates import format_date
    from flask_babel import get_locale

    return format_date(day, pattern, locale=str(get_locale() or "id"))


def _template_context() -> dict:
    return {
        "day_text": day_text,
        "kind_label": lambda v: label(KIND_LABELS, v),
        "condition_label": lambda v: label(CONDITION_LABELS, v),
        "booking_label": lambda v: label(BOOKING_LABELS, v),
        "rw_label": rw_label,
        "facilities_can_manage": can_manage,
        "facilities_can_decide": can_decide_bookings,
    }


bp.context_processor(_template_context)


def _kind_arg() -> str:
    kind = request.args.get("jenis") or ""
    return kind if kind in {k.value for k in Kind} else ""


@bp.get("/")
def index():
    kind = _kind_arg()
    rows = facilities(kind or None)
    return render_template(
        "facilities/index.html",
        facilities=rows,
        kind=kind,
        kinds=[(k.value, text) for k, text in KIND_LABELS.items()],
        layer_url=url_for("facilities.places_geojson", **({"jenis": kind} if kind else {})),
    )


@bp.get("/peta.geojson")
def places_geojson():
    """The directory's map layer (with `jenis`), exactly as the kelurahan map serves it."""
    return map_layer_response("facilities-places")


@bp.get("/<int:facility_id>")
def facility(facility_id: int):
    place = facility_or_404(facility_id)
    start, end = day_window(today_wib(), 14)
    return render_template(
        "facilities/facility.html",
        place=place,
        busy=busy(place.id, start, end, limit=50),
        may_book=may_book(),
    )


def _week_arg() -> date:
    raw = request.args.get("mulai") or ""
    try:
        first = date.fromisoformat(raw) if len(raw) == 10 else today_wib()
    except ValueError:
        first = today_wib()
    today = today_wib()
    # A year either way is plenty for a calendar; beyond it a link is someone's typo.
    if abs((first - today).days) > 366:
        first = today
    return week_start(first)


@bp.get("/<int:facility_id>/kalender")
def calendar(facility_id: int):
    place = facility_or_404(facility_id)
    first = _week_arg()
    start, end = day_window(first, 7 * CALENDAR_WEEKS)
    slots = busy(place.id, start, end)
    days = []
    for offset in range(7 * CALENDAR_WEEKS):
        day = first + timedelta(days=offset)
        day_start, day_end = day_window(day)
        taken = [s for s in slots if s.starts_at < day_end and s.ends_at > day_start]
        days.append((day, taken))
    return render_template(
        "facilities/calendar.html",
        place=place,
        days=days,
        previous=first - timedelta(weeks=CALENDAR_WEEKS),
        following=first + timedelta(weeks=CALENDAR_WEEKS),
        today=today_wib(),
    )


@bp.get("/<int:facility_id>/kalender.ics")
def calendar_ics(facility_id: int):
    place = facility_or_404(facility_id)
    now = utcnow()
    start, end = now - timedelta(days=30), now + timedelta(days=settings()["booking_days_ahead"])
    page = public_url("facilities.facility", facility_id=place.id)
    stamp = place.updated_at or now
    events = [
        recurrence.FeedEvent(
            uid=f"fasilitas-{place.id}-{slot.id}@{g.kelurahan.slug}.kelurahanpintar",
            title=_("Terpakai: %(name)s", name=place.name),
            description="",
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            rule=None,
            location=place.address or place.name,
            lat=place.lat,
            lng=place.lng,
            url=page,
            stamp=stamp,
        )
        for slot in busy(place.id, start, end)
    ]
    body = recurrence.calendar_ics(
        events,
        name=_("%(name)s, Kelurahan %(kelurahan)s", name=place.name, kelurahan=g.kelurahan.name),
        description=_("Waktu terpakai (pemesanan yang disetujui), tanpa nama pemesan."),
        product="-//Kelurahan Pintar//Fasilitas//ID",
    )
    return ics_response(f"fasilitas-{place.id}.ics", body)


# -- damage ------------------------------------------------------------------------------------


@bp.route("/<int:facility_id>/lapor-kerusakan", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def report_damage(facility_id: int):
    """To the reports plugin's form, prefilled, when it is on here; else a note to staff."""
    place = facility_or_404(facility_id)
    link = report_link(
        _("Kerusakan: %(name)s", name=place.name),
        place.lat,
        place.lng,
        source="facilities",
        address=place.address,
        url=public_url("facilities.facility", facility_id=place.id),
    )
    if link:
        return redirect(link)
    form = DamageForm()
    if (done := already_done(form)) is not None:
        return done
    if form.validate_on_submit():
        note = DamageNote(facility_id=place.id, author_id=current_user.id, body=form.body.data)
        db.session.add(note)
        db.session.flush()
        notify_holders(
            MANAGE,
            _l("Laporan kerusakan %(name)s: %(body)s", name=place.name, body=form.body.data[:200]),
            url=url_for("facilities.manage"),
        )
        audit("facilities.damage_reported", "facilities_facility", place.id)
        remember_result(form, url_for("facilities.facility", facility_id=place.id))
        db.session.commit()
        emit("facilities.damage_reported", {"facility_id": place.id})
        flash(_("Terima kasih. Laporan kerusakan diteruskan ke petugas kelurahan."), "success")
        return redirect(url_for("facilities.facility", facility_id=place.id))
    return render_template("facilities/damage_form.html", form=form, place=place), form_status()


# -- bookings ----------------------------------------------------------------------------------


@bp.route("/pesan", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def book():
    if not may_book():
        return render_template("facilities/not_allowed.html", message=NOT_ALLOWED), 403
    form = BookingForm()
    places = bookable_facilities()
    groups = my_groups()
    form.facility.choices = select_choices(
        [("", _("— Pilih fasilitas —"))] + [(str(f.id), f.name) for f in places]
    )
    form.group.choices = select_choices(
        [("", _("Diri sendiri"))] + [(str(gr.id), gr.name) for gr in groups]
    )
    if request.method == "GET" and (wanted := request.args.get("fasilitas")):
        form.facility.data = wanted if wanted in {str(f.id) for f in places} else ""
    if (done := already_done(form)) is not None:
        return done
    clashes = []
    if form.validate_on_submit():
        known = {str(f.id): f for f in places}
        posted = form.facility.data or ""
        if posted not in known:
            other = _posted_facility(posted)
            if other is not None:
                known[posted] = other  # named in the message: it cannot be booked
        if form.check(
            known,
            {str(gr.id): gr for gr in groups},
            days_ahead=int(settings()["booking_days_ahead"]),
            now=utcnow(),
        ):
            clashes = bookings.overlapping(form.chosen.id, form.windows)
            if clashes:
                form.day.errors = [
                    *form.day.errors,
                    _(
                        "Bentrok dengan pemesanan yang sudah disetujui pada: %(when)s. "
                        "Pilih waktu lain.",
                        when=bookings.describe_slots(clashes),
                    ),
                ]
            else:
                booking = _create(form)
                flash(
                    _(
                        "Pemesanan terkirim. Petugas kelurahan akan menyetujui atau menolaknya; "
                        "Anda akan diberi tahu."
                    ),
                    "success",
                )
                return redirect(url_for("facilities.booking", booking_id=booking.id))
    fees = {str(f.id): (f.fee_rupiah, f.fee_note, f.max_hours) for f in places}
    return render_template(
        "facilities/book.html", form=form, places=places, fees=fees, clashes=clashes
    ), form_status()


def _posted_facility(raw: str):
    """A facility of this kelurahan by a posted id, or None: a form error, never a page."""
    facility_id = parse_id(raw)
    if facility_id is None:
        return None
    return db.session.execute(
        select(Facility).where(Facility.id == facility_id)
    ).scalar_one_or_none()


def _create(form: BookingForm) -> Booking:
    facility = form.chosen
    booking = Booking(
        facility_id=facility.id,
        requester_id=current_user.id,
        group_id=form.chosen_group.id if form.chosen_group else None,
        purpose=form.purpose.data,
        attendees=form.attendees.data,
        rule=form.rule if form.repeat.data != "none" else None,
        status=BookingStatus.PENDING.value,
        fee_rupiah=facility.fee_rupiah * len(form.windows),
    )
    booking.facility = facility
    for start, end in form.windows:
        booking.slots.append(
            BookingSlot(facility_id=facility.id, starts_at=start, ends_at=end, active=False)
        )
    db.session.add(booking)
    db.session.flush()
    bookings.requested(booking)
    audit("facilities.booking_requested", "facilities_booking", booking.id)
    remember_result(form, url_for("facilities.booking", booking_id=booking.id))
    db.session.commit()
    emit("facilities.booking_requested", {"booking_id": booking.id})
    return booking


@bp.get("/pemesanan")
@login_required
def my_bookings():
    rows = list(
        db.session.execute(
            select(Booking)
            .options(selectinload(Booking.facility), selectinload(Booking.slots))
            .where(Booking.requester_id == current_user.id)
            .order_by(Booking.created_at.desc())
            .limit(100)
        ).scalars()
    )
    return render_template("facilities/my_bookings.html", bookings=rows)


def _actors(booking: Booking) -> set[bookings.Actor]:
    who = set()
    if current_user.is_authenticated and booking.requester_id == current_user.id:
        who.add(bookings.Actor.REQUESTER)
    if can_decide_bookings():
        who.add(bookings.Actor.STAFF)
    return who


@bp.get("/pemesanan/<int:booking_id>")
@login_required
def booking(booking_id: int):
    item = booking_or_404(booking_id)
    return _booking_page(item)


def _booking_page(item: Booking, form=None, status: int = 200, clashes=()):
    who = _actors(item)
    return render_template(
        "facilities/booking.html",
        booking=item,
        moves=bookings.targets(item.status, who),
        staff=bookings.Actor.STAFF in who,
        form=form or DecisionForm(),
        clashes=clashes,
        rupiah=rupiah,
    ), status


ACTIONS = {
    "setujui": BookingStatus.APPROVED,
    "tolak": BookingStatus.REFUSED,
    "batalkan": BookingStatus.CANCELLED,
}


@bp.post("/pemesanan/<int:booking_id>/<action>")
@login_required
def decide(booking_id: int, action: str):
    """Approve, refuse or cancel. A clash with an approved booking answers 409 with the
    message on the booking's page; a move someone else made first, 409 too."""
    item = booking_or_404(booking_id)
    target = ACTIONS.get(action)
    if target is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _booking_page(item, form, 400)
    who = _actors(item)
    if target == BookingStatus.CANCELLED and bookings.Actor.REQUESTER in who:
        who = {bookings.Actor.REQUESTER}  # one's own booking: cancelled as its requester
    outcome = bookings.move(item, target, who, form.note.data or "", current_user)
    if not outcome.ok:
        item = booking_or_404(booking_id)
        flash(str(outcome.message), "error")
        return _booking_page(item, form, 409, outcome.clashes)
    flash(
        {
            BookingStatus.APPROVED: _("Pemesanan disetujui. Jadwalnya terpakai di kalender."),
            BookingStatus.REFUSED: _("Pemesanan ditolak; pemesan diberi tahu."),
            BookingStatus.CANCELLED: _("Pemesanan dibatalkan."),
        }[target],
        "success",
    )
    return redirect(url_for("facilities.booking", booking_id=item.id))
