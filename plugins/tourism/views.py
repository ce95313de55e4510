"""Public pages of a kelurahan's tourism: its guide (destinations by category, upcoming
events, routes, a map), a destination's page, an event's page, a route's page, the events
calendar and its iCalendar feed.

Only published destinations and events show; a pending, returned or hidden one is a 404
to everyone but its writers and staff, who see it with a banner. Pages carry Open Graph tags
and a WhatsApp share link built from KP_PUBLIC_URL, and read the English description on
English pages (falling back to Indonesian)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Response, abort, g, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    InvalidPhone,
    db,
    distance_m,
    feature_collection,
    format_phone,
    geojson_response,
    ics_response,
    is_counted_request,
    map_layer_response,
    once_per_day,
    point_feature,
    public_url,
    recurrence,
    rupiah,
    user_key,
    visitor_page,
    wa_me_url,
    wib_range,
)

from . import hours as opening
from .access import STATUS_LABELS, can_edit, can_review, destination_or_404, event_or_404, may_write
from .blueprint import bp, city_bp
from .forms import CATEGORY_LABELS, FACILITY_LABELS
from .guide import calendar_context, guide_context
from .models import Destination, RouteStop, Status, TourEvent, TourRoute
from .queries import count_view, feed_entry, feed_events, next_sitting, upcoming_events

WALKING_KMH = 4.0  # an unhurried pace through kampung lanes, stops not counted


def locale() -> str:
    try:
        return str(get_locale() or "id")
    except (KeyError, RuntimeError):
        return "id"


def _static_url(filename: str) -> str:
    """Served from /wisata/static/ so the city pages, outside any kelurahan, have them too."""
    return url_for("tourism_city.static", filename=filename)


def ticket_text(destination: Destination) -> str:
    from flask_babel import gettext as _

    return _("Gratis") if destination.ticket_price == 0 else rupiah(destination.ticket_price)


def phone_text(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        return format_phone(e164)
    except InvalidPhone:
        return e164


def share_url(text: str, url: str) -> str:
    """WhatsApp's share link: the receiver's WhatsApp shows the page's Open Graph preview."""
    return "https://wa.me/?text=" + quote(f"{text} {url}", safe="")


def month_title(month) -> str:
    from babel.dates import format_date

    return format_date(month, "LLLL yyyy", locale=locale())


def day_label(day) -> str:
    from babel.dates import format_date

    return format_date(day, "EEE d MMM", locale=locale())


def time_of(moment: datetime) -> str:
    return moment.astimezone(recurrence.WIB).strftime("%H.%M")


def _template_context() -> dict:
    return {
        "tourism_static": _static_url,
        "category_labels": CATEGORY_LABELS,
        "facility_labels": FACILITY_LABELS,
        "status_labels": STATUS_LABELS,
        "ticket_text": ticket_text,
        "wib_range": wib_range,
        "describe_rule": lambda rule: recurrence.describe(rule, locale()),
        "page_locale": locale,
        "tourism_can_review": can_review,
        "public_url": public_url,
        "month_title": month_title,
        "day_label": day_label,
        "time_of": time_of,
        "week_names": lambda: [n[:3] for n in opening.weekday_names(locale())],
    }


bp.context_processor(_template_context)
city_bp.context_processor(_template_context)


def _count_once(kelurahan_id: int, page: str) -> None:
    """One view per visitor, page and day (WIB); bots and link previews never count."""
    if request.method != "GET" or not is_counted_request():
        return
    if once_per_day(f"tourism:view:{user_key()}:{kelurahan_id}:{page}"):
        count_view(kelurahan_id, page)
        db.session.commit()


# -- the kelurahan guide -----------------------------------------------------------------------


@bp.get("/")
@visitor_page
def index():
    context = guide_context([g.kelurahan.id], kelurahan=g.kelurahan)
    routes = list(
        db.session.execute(
            select(TourRoute).where(TourRoute.published.is_(True)).order_by(TourRoute.name)
        ).scalars()
    )
    slug = g.kelurahan.slug
    return render_template(
        "tourism/index.html",
        routes=routes,
        may_write=may_write(),
        slug_of=lambda _place: slug,
        **context,
    )


@bp.get("/tempat.geojson")
def destinations_geojson():
    return map_layer_response("tourism-destinations")


@bp.get("/acara.geojson")
def events_geojson():
    return map_layer_response("tourism-events")


# -- a destination -----------------------------------------------------------------------------


@bp.get("/tempat/<int:destination_id>")
def destination(destination_id: int):
    place = destination_or_404(destination_id)
    editor = can_edit(place)
    url = public_url("tourism.destination", destination_id=place.id)
    chat_url = None
    if place.is_published and place.phone and place.phone_has_whatsapp:
        try:
            chat_url = wa_me_url(
                place.phone, f"Halo {place.name}, saya melihat {place.name} di Kelurahan Pintar."
            )
        except InvalidPhone:
            chat_url = None
    now = datetime.now(recurrence.WIB)
    hours = opening.load(place.hours)
    events = list(
        db.session.execute(
            upcoming_events()
            .where(TourEvent.destination_id == place.id)
            .order_by(TourEvent.starts_at)
            .limit(10)
        ).scalars()
    )
    page = render_template(
        "tourism/destination.html",
        place=place,
        editor=editor,
        description=place.description_for(locale()),
        days=opening.open_days(hours),
        day_names=opening.weekday_names(locale()),
        today=now.weekday(),
        is_open=opening.is_open(hours, place.closed_on_holidays, now),
        holiday=opening.is_holiday(now.date()),
        page_url=url,
        share=share_url(place.name, url),
        chat_url=chat_url,
        phone=phone_text(place.phone),
        events=[(e, next_sitting(e)) for e in events],
    )
    if place.is_published and not editor:
        _count_once(place.kelurahan_id, f"destination:{place.id}")
    return page


# -- an event ----------------------------------------------------------------------------------


@bp.get("/acara/<int:event_id>")
def event(event_id: int):
    item = event_or_404(event_id)
    editor = can_edit(item)
    url = public_url("tourism.event", event_id=item.id)
    page = render_template(
        "tourism/event.html",
        event=item,
        editor=editor,
        upcoming=next_sitting(item),
        page_url=url,
        share=share_url(item.title, url),
    )
    if item.is_public and not editor:
        _count_once(item.kelurahan_id, f"event:{item.id}")
    return page


# -- the calendar and its feed -----------------------------------------------------------------


@bp.get("/acara/")
@visitor_page
def calendar():
    context = calendar_context([g.kelurahan.id], endpoint="tourism.calendar")
    if context is None:
        abort(400)
    return render_template(
        "tourism/calendar.html",
        feed_url=public_url("tourism.feed"),
        **context,
    )


def events_ics(events, name: str, kelurahan_of) -> bytes:
    """The events as one iCalendar document (all their repeat rules kept)."""
    return recurrence.calendar_ics(
        [feed_entry(e, kelurahan_of(e)) for e in events],
        name=name,
        description="Kelurahan Pintar · Kota Pekalongan",
        product="-//Kelurahan Pintar//Wisata//ID",
    )


def feed_response(events, name: str, filename: str, kelurahan_of) -> Response:
    # Calendar apps poll a subscribed feed; a short public cache spares the database.
    response = ics_response(filename, events_ics(events, name, kelurahan_of))
    response.cache_control.public = True
    response.cache_control.max_age = 900
    return response


@bp.get("/acara.ics")
def feed():
    kelurahan = g.kelurahan
    return feed_response(
        feed_events([kelurahan.id]),
        f"Wisata {kelurahan.name}",
        f"wisata-{kelurahan.slug}.ics",
        lambda _event: kelurahan,
    )


# -- routes ------------------------------------------------------------------------------------


def route_or_404(route_id: int) -> TourRoute:
    route = db.session.execute(
        select(TourRoute)
        .where(TourRoute.id == route_id)
        .options(selectinload(TourRoute.stops).selectinload(RouteStop.destination))
    ).scalar_one_or_none()
    if route is None or not (route.published or can_review()):
        abort(404)
    return route


def route_stops(route: TourRoute) -> list[Destination]:
    """The route's destinations the visitor may see, in order (a stop whose destination is
    not published is left out for the public)."""
    staff = can_review()
    return [
        s.destination
        for s in route.stops
        if staff or s.destination.status == Status.PUBLISHED.value
    ]


def walking(stops: list[Destination]) -> tuple[list[int], int, int]:
    """Metres between consecutive stops (straight lines), the total, and minutes on foot."""
    legs = [
        round(distance_m(a.lat, a.lng, b.lat, b.lng))
        for a, b in zip(stops, stops[1:], strict=False)
    ]
    total = sum(legs)
    return legs, total, round(total / 1000 / WALKING_KMH * 60)


@bp.get("/rute/<int:route_id>")
def route(route_id: int):
    item = route_or_404(route_id)
    stops = route_stops(item)
    legs, total, minutes = walking(stops)
    url = public_url("tourism.route", route_id=item.id)
    return render_template(
        "tourism/route.html",
        route=item,
        stops=stops,
        legs=legs,
        total=total,
        minutes=minutes,
        description=item.description_for(locale()),
        page_url=url,
        share=share_url(item.name, url),
    )


@bp.get("/rute/<int:route_id>.geojson")
def route_geojson(route_id: int):
    """The route as a line through its stops, and the stops as numbered points."""
    item = route_or_404(route_id)
    stops = route_stops(item)
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[d.lng, d.lat] for d in stops]},
        "properties": {"name": item.name},
    }
    points = [
        point_feature(
            d.lat,
            d.lng,
            {
                "name": f"{n}. {d.name}",
                "url": url_for("tourism.destination", destination_id=d.id),
            },
        )
        for n, d in enumerate(stops, 1)
    ]
    response = geojson_response(f"rute-{item.id}.geojson", feature_collection([line, *points]))
    response.headers.pop("Content-Disposition", None)  # read by the page's map, not saved
    return response
