"""The tourism plugin's part of /api/v1: /api/v1/kelurahan/<slug>/tourism/.

* GET /                       links to the two lists below
* GET /destinations/          published destinations, newest first (category filter)
* GET /destinations/<id>      one published destination
* GET /events/                upcoming public events (an occurrence not over yet), newest first
* GET /events/<id>            one public event (a past one too, as its page shows it)

Everything reads through `queries.public_destinations()` / `public_events()`, the pages'
own reads: nothing pending, returned or hidden, and no event at a destination that is not
published. Answers carry what the public pages show, without the contact number the
destination page shows (left out of the open data too) and without who wrote or reviewed
an item.
"""

from __future__ import annotations

import marshmallow as ma
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
    media_url,
    page_schema,
    public_url,
)

from . import hours as opening
from .forms import CATEGORY_LABELS, FACILITY_LABELS
from .models import FACILITY_KEYS, Destination, DestinationPhoto, TourEvent
from .queries import next_sitting, now_utc, public_destinations, public_events, upcoming_events

api_bp = ApiBlueprint(
    "tourism-api", __name__, description="Wisata: destinasi dan acara / places and events."
)


class DestinationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(required=True, metadata={"enum": list(CATEGORY_LABELS)})
    category_label = ma.fields.String(required=True)
    description = ma.fields.String(required=True, metadata={"description": "Indonesian."})
    description_en = ma.fields.String(
        required=True, metadata={"description": "English; empty when there is none."}
    )
    address = ma.fields.String(required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    hours = ma.fields.List(
        ma.fields.List(ma.fields.String(), allow_none=True),
        required=True,
        metadata={
            "description": 'Seven days, Monday first: null (closed) or ["HH:MM", "HH:MM"] in WIB.'
        },
    )
    closed_on_holidays = ma.fields.Boolean(required=True)
    open_now = ma.fields.Boolean(required=True)
    ticket_price = ma.fields.Integer(required=True, metadata={"description": "Rupiah; 0 is free."})
    ticket_note = ma.fields.String(required=True)
    facilities = ma.fields.List(
        ma.fields.String(metadata={"enum": list(FACILITY_KEYS)}), required=True
    )
    facility_labels = ma.fields.List(ma.fields.String(), required=True)
    published_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})
    photos = ma.fields.List(ma.fields.Nested(ApiPhotoSchema), required=True)


class DestinationListArgs(PageArgs):
    category = ma.fields.String(validate=ma.validate.OneOf(list(CATEGORY_LABELS)))


class PlaceSchema(ma.Schema):
    name = ma.fields.String(required=True)
    destination_id = ma.fields.Integer(allow_none=True)
    destination_url = ma.fields.String(allow_none=True)


class OccurrenceSchema(ma.Schema):
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(
        required=True, metadata={"description": "The first occurrence's start."}
    )
    ends_at = ma.fields.DateTime(required=True)
    rrule = ma.fields.String(
        allow_none=True, metadata={"description": "RFC 5545 repeat rule, read in WIB."}
    )
    series_ends_at = ma.fields.DateTime(required=True)
    next = ma.fields.Nested(
        OccurrenceSchema,
        allow_none=True,
        metadata={"description": "The occurrence happening now or next; null when over."},
    )
    place = ma.fields.Nested(PlaceSchema, required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    registration_url = ma.fields.String(allow_none=True)
    poster = ma.fields.String(allow_none=True)
    updated_at = ma.fields.DateTime(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})


class IndexSchema(ma.Schema):
    destinations = ma.fields.String(required=True)
    events = ma.fields.String(required=True)


@api_bp.route("/")
@api_bp.response(200, IndexSchema)
def index():
    """Daftar yang tersedia / the lists this part of the API serves."""
    return {
        "destinations": public_url("tourism-api.destination_list"),
        "events": public_url("tourism-api.event_list"),
    }


def destination_row(place: Destination, now) -> dict:
    hours = opening.load(place.hours)
    facilities = place.facilities()
    return {
        "id": place.id,
        "name": place.name,
        "category": place.category,
        "category_label": str(CATEGORY_LABELS.get(place.category, place.category)),
        "description": place.description,
        "description_en": place.description_en,
        "address": place.address,
        "lat": place.lat,
        "lng": place.lng,
        "hours": hours,
        "closed_on_holidays": place.closed_on_holidays,
        "open_now": opening.is_open(hours, place.closed_on_holidays, now),
        "ticket_price": place.ticket_price,
        "ticket_note": place.ticket_note,
        "facilities": facilities,
        "facility_labels": [str(FACILITY_LABELS[key]) for key in facilities],
        "published_at": place.published_at,
        "updated_at": place.updated_at,
        "url": public_url("tourism.destination", destination_id=place.id),
        "photos": api_photos(place.photos),
    }


def _destinations():
    return public_destinations().options(
        selectinload(Destination.photos).selectinload(DestinationPhoto.media)
    )


@api_bp.route("/destinations/")
@api_bp.arguments(DestinationListArgs, location="query")
@api_bp.response(200, page_schema(DestinationSchema))
def destination_list(args):
    """Destinasi yang terbit / published destinations, newest first."""
    query = _destinations()
    if args.get("category"):
        query = query.where(Destination.category == args["category"])
    rows, next_cursor = cursor_page(query, Destination.id, args)
    now = now_utc()
    return list_page([destination_row(d, now) for d in rows], next_cursor)


@api_bp.route("/destinations/<int:destination_id>")
@api_bp.response(200, DestinationSchema)
def destination_detail(destination_id: int):
    """Satu destinasi yang terbit / one published destination."""
    place = db.session.execute(
        _destinations().where(Destination.id == destination_id)
    ).scalar_one_or_none()
    if place is None:
        api_abort(404, "Destinasi tidak ditemukan di kelurahan ini.")
    return destination_row(place, now_utc())


def event_row(event: TourEvent, now) -> dict:
    sitting = next_sitting(event, now)
    destination = event.destination
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "rrule": event.rrule,
        "series_ends_at": event.series_ends_at,
        "next": {"starts_at": sitting.start, "ends_at": sitting.end} if sitting else None,
        "place": {
            "name": event.place_label,
            "destination_id": destination.id if destination else None,
            "destination_url": public_url("tourism.destination", destination_id=destination.id)
            if destination
            else None,
        },
        "lat": event.lat,
        "lng": event.lng,
        "registration_url": event.registration_url,
        "poster": media_url(event.poster) if event.poster else None,
        "updated_at": event.updated_at,
        "url": public_url("tourism.event", event_id=event.id),
    }


@api_bp.route("/events/")
@api_bp.arguments(PageArgs, location="query")
@api_bp.response(200, page_schema(EventSchema))
def event_list(args):
    """Acara mendatang / public events with an occurrence not over yet, newest first."""
    now = now_utc()
    rows, next_cursor = cursor_page(upcoming_events(now), TourEvent.id, args)
    return list_page([event_row(e, now) for e in rows], next_cursor)


@api_bp.route("/events/<int:event_id>")
@api_bp.response(200, EventSchema)
def event_detail(event_id: int):
    """Satu acara / one public event, as its page shows it (a past one too)."""
    event = db.session.execute(public_events().where(TourEvent.id == event_id)).scalar_one_or_none()
    if event is None:
        api_abort(404, "Acara tidak ditemukan di kelurahan ini.")
    return event_row(event, now_utc())
