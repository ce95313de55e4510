"""The facilities plugin's part of /api/v1: /api/v1/kelurahan/<slug>/facilities/.

* GET /             facilities in use, newest first (kind filter)
* GET /<id>         one facility in use; a bookable one with its busy times of the next
                    14 days, as its page shows them

A facility no longer in use is left out and a 404, as on the directory. Busy times are
approved bookings' times only, never who booked or why. The person in charge (name and
telephone) is left out, as from the open data: it is often a resident's own number.
"""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    ApiBlueprint,
    ApiPhotoSchema,
    PageArgs,
    api_abort,
    api_photos,
    cursor_page,
    db,
    list_page,
    page_schema,
    public_url,
)

from .labels import CONDITION_LABELS, KIND_LABELS, label
from .models import Condition, Facility, FacilityPhoto, Kind
from .places import day_window, today_wib
from .queries import busy

api_bp = ApiBlueprint(
    "facilities-api", __name__, description="Fasilitas umum kelurahan / public facilities."
)

BUSY_DAYS = 14
BUSY_CAP = 50


class FacilitySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": [k.value for k in Kind]})
    kind_label = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    rw = ma.fields.String(
        allow_none=True, metadata={"description": '"003"; null when it serves every RW.'}
    )
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    capacity = ma.fields.Integer(allow_none=True, metadata={"description": "People."})
    condition = ma.fields.String(required=True, metadata={"enum": [c.value for c in Condition]})
    condition_label = ma.fields.String(required=True)
    condition_note = ma.fields.String(required=True)
    checked_on = ma.fields.Date(allow_none=True)
    bookable = ma.fields.Boolean(required=True)
    max_hours = ma.fields.Integer(
        allow_none=True, metadata={"description": "Longest booking; null when not bookable."}
    )
    fee_rupiah = ma.fields.Integer(
        allow_none=True, metadata={"description": "Per booking; null when not bookable."}
    )
    fee_note = ma.fields.String(allow_none=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})
    photos = ma.fields.List(ma.fields.Nested(ApiPhotoSchema), required=True)


class BusySchema(ma.Schema):
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)


class FacilityDetailSchema(FacilitySchema):
    busy = ma.fields.List(
        ma.fields.Nested(BusySchema),
        required=True,
        metadata={
            "description": f"Approved bookings' times in the next {BUSY_DAYS} days (WIB days), "
            f"at most {BUSY_CAP}; empty when not bookable."
        },
    )
    calendar_url = ma.fields.String(allow_none=True, metadata={"description": "iCalendar feed."})


class FacilityListArgs(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in Kind]))


def public_facilities():
    """Facilities in use (the directory's rule), photos loaded."""
    return (
        select(Facility)
        .where(Facility.active.is_(True))
        .options(
            selectinload(Facility.photos).selectinload(FacilityPhoto.media),
            selectinload(Facility.photos).selectinload(FacilityPhoto.thumb),
        )
    )


def facility_row(place: Facility) -> dict:
    bookable = place.bookable
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "kind_label": label(KIND_LABELS, place.kind),
        "description": place.description,
        "address": place.address,
        "rw": place.rw,
        "lat": place.lat,
        "lng": place.lng,
        "capacity": place.capacity,
        "condition": place.condition,
        "condition_label": label(CONDITION_LABELS, place.condition),
        "condition_note": place.condition_note,
        "checked_on": place.checked_on,
        "bookable": bookable,
        "max_hours": place.max_hours if bookable else None,
        "fee_rupiah": place.fee_rupiah if bookable else None,
        "fee_note": place.fee_note if bookable else None,
        "url": public_url("facilities.facility", facility_id=place.id),
        "photos": api_photos(place.photos),
    }


@api_bp.route("/")
@api_bp.arguments(FacilityListArgs, location="query")
@api_bp.response(200, page_schema(FacilitySchema))
def facility_list(args):
    """Fasilitas yang dipakai / facilities in use, newest first."""
    query = public_facilities()
    if args.get("kind"):
        query = query.where(Facility.kind == args["kind"])
    rows, next_cursor = cursor_page(query, Facility.id, args)
    return list_page([facility_row(f) for f in rows], next_cursor)


@api_bp.route("/<int:facility_id>")
@api_bp.response(200, FacilityDetailSchema)
def facility_detail(facility_id: int):
    """Satu fasilitas / one facility in use, with its busy times when it is bookable."""
    place = db.session.execute(
        public_facilities().where(Facility.id == facility_id)
    ).scalar_one_or_none()
    if place is None:
        api_abort(404, "Fasilitas tidak ditemukan di kelurahan ini.")
    slots = []
    if place.bookable:
        start, end = day_window(today_wib(), BUSY_DAYS)
        slots = busy(place.id, start, end, limit=BUSY_CAP)
    return {
        **facility_row(place),
        "busy": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in slots],
        "calendar_url": public_url("facilities.calendar_ics", facility_id=place.id)
        if place.bookable
        else None,
    }
