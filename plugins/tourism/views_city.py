"""The city's visitors' guide at /wisata/: every published destination of the kelurahan
where the plugin is on, by category, with a map of them all and an "open now" filter; the
city calendar of events and its iCalendar feed."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from app.kit import (
    all_kelurahan,
    city_answer,
    db,
    enabled_kelurahan,
    feature_collection,
    geojson_response,
    point_feature,
    public_url,
    visitor_page,
)

from .blueprint import city_bp
from .guide import calendar_context, guide_context
from .models import Destination, Status
from .queries import feed_events
from .views import feed_response

PLUGIN_ID = "tourism"
MAP_CAP = 500


def _places(chosen: str = ""):
    places = enabled_kelurahan(PLUGIN_ID)
    ids = [p.id for p in places if not chosen or p.slug == chosen]
    return places, ids


# Visitors get the city pages from the cache; it is renewed by the plugin's events in any
# kelurahan (the plugin's city-wide stamp), so a published or hidden item shows at once.
@city_bp.get("/", endpoint="guide")
@visitor_page
def city_guide():
    chosen = (request.args.get("kelurahan") or "").strip()
    places, ids = _places(chosen)
    if chosen and not ids:
        chosen, ids = "", [p.id for p in places]
    by_id = {p.id: p for p in places}
    with all_kelurahan():  # the one page that reads every kelurahan's destinations
        context = guide_context(ids or [0])
        return render_template(
            "tourism/city_guide.html",
            places=places,
            chosen_kelurahan=chosen,
            place_by_id=by_id,
            slug_of=lambda place: by_id[place.kelurahan_id].slug,
            **context,
        )


@city_bp.get("/tempat.geojson", endpoint="destinations_geojson")
def city_destinations_geojson():
    """Every published destination of the city as points (at most MAP_CAP), for the guide's
    map. Public fields only; one answer for every worker until the plugin's next event."""
    response = geojson_response("wisata.geojson", city_answer(PLUGIN_ID, "map", _city_points))
    response.headers.pop("Content-Disposition", None)
    return response


def _city_points() -> dict:
    places, ids = _places()
    slugs = {p.id: p.slug for p in places}
    with all_kelurahan():
        rows = db.session.execute(
            db.select(
                Destination.id,
                Destination.kelurahan_id,
                Destination.name,
                Destination.category,
                Destination.lat,
                Destination.lng,
            )
            .where(
                Destination.kelurahan_id.in_(ids or [0]),
                Destination.status == Status.PUBLISHED.value,
            )
            .order_by(Destination.id)
            .limit(MAP_CAP + 1)
        ).all()
    features = [
        point_feature(
            r.lat,
            r.lng,
            {
                "name": r.name,
                "category": r.category,
                "url": url_for(
                    "tourism.destination", kelurahan_slug=slugs[r.kelurahan_id], destination_id=r.id
                ),
            },
            feature_id=r.id,
        )
        for r in rows[:MAP_CAP]
    ]
    return feature_collection(features, truncated=len(rows) > MAP_CAP)


@city_bp.get("/acara/", endpoint="calendar")
@visitor_page
def city_calendar():
    places, ids = _places()
    with all_kelurahan():
        context = calendar_context(ids or [0], endpoint="tourism_city.calendar")
        if context is None:
            abort(400)
        return render_template(
            "tourism/calendar.html",
            feed_url=public_url("tourism_city.feed"),
            place_by_id={p.id: p for p in places},
            city=True,
            **context,
        )


@city_bp.get("/acara.ics", endpoint="feed")
def city_feed():
    places, ids = _places()
    by_id = {p.id: p for p in places}
    with all_kelurahan():
        events = feed_events(ids or [0])
        return feed_response(
            events,
            "Wisata Kota Pekalongan",
            "wisata-kota-pekalongan.ics",
            lambda event: by_id[event.kelurahan_id],
        )
