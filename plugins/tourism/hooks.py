"""Hooks through which tourism appears on the kelurahan's menu, home page, map, dashboards,
search, open data, staff's "Tugas saya", the city's menu and the demo.

Only published destinations and events leave through here. The host runs each hook inside
its kelurahan's tenant scope; the queries still name the kelurahan, because open data
exporters run after the hook has returned. Each hook is a fixed number of queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import func, or_, select

from app.kit import (
    WIB,
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    _l,
    can,
    count_and_oldest,
    count_rows,
    db,
    hookimpl,
    last_change,
    public_url,
    rows_as_features,
    snippet,
)

from . import hours as opening
from .access import REVIEW
from .forms import CATEGORY_LABELS
from .guide import WIDGET_DAYS, upcoming_sittings, window_events
from .models import Destination, PageViews, Status, TourEvent
from .queries import event_is_public, month_start, now_utc, sittings

__all__ = [
    "kp_nav_items",
    "kp_map_layers",
    "kp_home_widgets",
    "kp_dimension_metrics",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_city_nav_items",
    "kp_demo_data",
]

WIDGET_EVENTS = 5


def _published(model, kelurahan):
    return (model.kelurahan_id == kelurahan.id) & (model.status == Status.PUBLISHED.value)


# -- pages -------------------------------------------------------------------------------------


@hookimpl
def kp_nav_items(kelurahan, user):
    return [NavItem(_l("Wisata"), url_for("tourism.index", kelurahan_slug=kelurahan.slug), 40)]


@hookimpl
def kp_map_layers(kelurahan):
    destinations = MapLayer(
        "tourism-destinations",
        _l("Destinasi wisata"),
        query=select(Destination).where(_published(Destination, kelurahan)),
        columns=(Destination.name, Destination.category),
        link="tourism.destination",
        link_arg="destination_id",
        icon="camera",
    )

    def upcoming(args):
        # "Now" at request time: a cached layer definition must not freeze the moment.
        return select(TourEvent).where(
            TourEvent.kelurahan_id == kelurahan.id,
            event_is_public(),
            TourEvent.series_ends_at > now_utc(),
        )

    events = MapLayer(
        "tourism-events",
        _l("Acara wisata mendatang"),
        query=upcoming,
        columns=(TourEvent.title,),
        link="tourism.event",
        link_arg="event_id",
        icon="calendar",
    )
    return [destinations, events]


@hookimpl
def kp_home_widgets(kelurahan, user):
    from .views import wib_range  # in the viewer's language: panels are cached per language

    found = upcoming_sittings([kelurahan.id], WIDGET_EVENTS, days=WIDGET_DAYS)
    items = [
        {
            "title": s.event.title,
            "url": url_for("tourism.event", kelurahan_slug=kelurahan.slug, event_id=s.event.id),
            "when": wib_range(s.start, s.end),
            "place": s.event.place_label,
        }
        for s in found
    ]
    title, template = _l("Acara wisata minggu ini"), "tourism/_widget.html"
    context = {"items": items, "kelurahan": kelurahan}
    return [HomeWidget("tourism-events", title, template, context, order=45)]


# -- dashboards --------------------------------------------------------------------------------


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    # Events and views per calendar month (WIB), the unit they are kept in.
    month = month_start()
    first = datetime(month.year, month.month, 1, tzinfo=WIB)
    after = (first + timedelta(days=32)).replace(day=1)
    in_month = sittings(window_events([kelurahan.id], first, after), first, after, cap=10_000)
    views = db.session.scalar(
        select(func.coalesce(func.sum(PageViews.views), 0)).where(
            PageViews.kelurahan_id == kelurahan.id, PageViews.month == month
        )
    )
    published = count_rows(select(Destination.id).where(_published(Destination, kelurahan)))
    guide = url_for("tourism.index", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "branding",
            "tourism_destinations",
            _l("Destinasi wisata terbit"),
            published,
            _l("Destinasi wisata yang terbit (sudah ditinjau) saat ini."),
            over_period=False,
            url=guide,
        ),
        Metric(
            "branding",
            "tourism_events_month",
            _l("Acara wisata bulan ini"),
            len(in_month),
            _l("Jadwal acara wisata yang berlangsung dalam bulan kalender ini (WIB)."),
            over_period=False,
            url=url_for("tourism.calendar", kelurahan_slug=kelurahan.slug),
        ),
        Metric(
            "branding",
            "tourism_views_month",
            _l("Kunjungan halaman wisata bulan ini"),
            int(views or 0),
            _l(
                "Kunjungan orang ke halaman destinasi dan acara bulan ini, sekali per pengunjung "
                "per hari, tanpa bot."
            ),
            over_period=False,
            url=guide,
        ),
    ]


# -- search ------------------------------------------------------------------------------------


def _contains(column, needle):
    return func.lower(column).contains(needle, autoescape=True)


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = query.lower()
    places = db.session.execute(
        select(Destination)
        .where(
            _published(Destination, kelurahan),
            or_(
                _contains(Destination.name, needle),
                _contains(Destination.description, needle),
                _contains(Destination.description_en, needle),
            ),
        )
        .order_by(Destination.name, Destination.id)
        .limit(limit)
    ).scalars()
    hits = [
        SearchHit(
            d.name,
            url_for("tourism.destination", kelurahan_slug=kelurahan.slug, destination_id=d.id),
            snippet(d.description),
            _l("Destinasi wisata"),
        )
        for d in places
    ]
    if len(hits) < limit:
        events = db.session.execute(
            select(TourEvent)
            .where(
                TourEvent.kelurahan_id == kelurahan.id,
                event_is_public(),
                TourEvent.series_ends_at > now_utc(),
                or_(_contains(TourEvent.title, needle), _contains(TourEvent.description, needle)),
            )
            .order_by(TourEvent.starts_at, TourEvent.id)
            .limit(limit - len(hits))
        ).scalars()
        hits += [
            SearchHit(
                e.title,
                url_for("tourism.event", kelurahan_slug=kelurahan.slug, event_id=e.id),
                snippet(e.description),
                _l("Acara wisata"),
            )
            for e in events
        ]
    return hits[:limit]


# -- open data ---------------------------------------------------------------------------------

DESTINATION_HEADER = [
    "id",
    "nama",
    "kategori",
    "keterangan",
    "keterangan_en",
    "alamat",
    "lat",
    "lng",
    "jam_buka",
    "tutup_hari_libur",
    "harga_tiket",
    "parkir",
    "toilet",
    "musala",
    "akses_kursi_roda",
    "url",
]


DESTINATION_COLUMNS = (
    Column("id", _l("Nomor destinasi (juga di alamat halamannya)"), "integer"),
    Column("nama", _l("Nama destinasi")),
    Column("kategori", _l("Kategori destinasi: %(keys)s", keys=", ".join(CATEGORY_LABELS))),
    Column("keterangan", _l("Keterangan dalam Bahasa Indonesia")),
    Column("keterangan_en", _l("Keterangan dalam Bahasa Inggris; kosong bila belum ada")),
    Column("alamat", _l("Alamat destinasi")),
    Column("lat", _l("Garis lintang (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur (WGS 84)"), "number"),
    Column("jam_buka", _l("Jam buka per hari, format opening_hours OpenStreetMap, WIB")),
    Column("tutup_hari_libur", _l("Tutup pada hari libur nasional: ya atau tidak")),
    Column("harga_tiket", _l("Harga tiket masuk dalam rupiah; 0 berarti gratis"), "integer"),
    Column("parkir", _l("Ada tempat parkir: ya atau tidak")),
    Column("toilet", _l("Ada toilet: ya atau tidak")),
    Column("musala", _l("Ada musala: ya atau tidak")),
    Column("akses_kursi_roda", _l("Dapat dimasuki kursi roda: ya atau tidak")),
    Column("url", _l("Alamat halaman destinasi")),
)
# The iCalendar dataset has no table: its "columns" are the properties of each VEVENT.
EVENT_PROPERTIES = (
    Column("uid", _l("Pengenal acara yang tetap")),
    Column("summary", _l("Nama acara")),
    Column("description", _l("Keterangan acara")),
    Column("dtstart", _l("Mulai (WIB); untuk acara berulang, kejadian pertama"), "datetime"),
    Column("dtend", _l("Selesai (WIB)"), "datetime"),
    Column("rrule", _l("Aturan pengulangan RFC 5545, bila acara berulang")),
    Column("location", _l("Tempat acara")),
    Column("geo", _l("Garis lintang dan bujur tempat acara")),
    Column("url", _l("Alamat halaman acara")),
    Column("last-modified", _l("Waktu acara terakhir diubah"), "datetime"),
)

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def hours_text(hours) -> str:
    """Opening hours in the OpenStreetMap `opening_hours` syntax: "Tu-Su 08:00-15:00" style,
    one rule per day ("Mo 08:00-15:00; Tu off"), readable by programs."""
    days = opening.open_days(opening.load(hours))
    parts = []
    for index, text in days:
        span = "off" if text is None else text.replace(".", ":").replace("–", "-")
        parts.append(f"{DAY_CODES[index]} {span}")
    return "; ".join(parts)


def destination_rows(kelurahan) -> list[dict]:
    rows = db.session.execute(
        select(Destination).where(_published(Destination, kelurahan)).order_by(Destination.id)
    ).scalars()
    return [
        {
            "id": d.id,
            "nama": d.name,
            "kategori": d.category,
            "keterangan": d.description,
            "keterangan_en": d.description_en,
            "alamat": d.address,
            "lat": d.lat,
            "lng": d.lng,
            "jam_buka": hours_text(d.hours),
            "tutup_hari_libur": "ya" if d.closed_on_holidays else "tidak",
            "harga_tiket": d.ticket_price,
            "parkir": "ya" if d.has_parking else "tidak",
            "toilet": "ya" if d.has_toilet else "tidak",
            "musala": "ya" if d.has_prayer_room else "tidak",
            "akses_kursi_roda": "ya" if d.wheelchair_access else "tidak",
            "url": public_url(
                "tourism.destination", kelurahan_slug=kelurahan.slug, destination_id=d.id
            ),
        }
        for d in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    from .queries import feed_events
    from .views import events_ics

    def destinations_csv():
        return DESTINATION_HEADER, [
            [row[key] for key in DESTINATION_HEADER] for row in destination_rows(kelurahan)
        ]

    def destinations_geojson():
        return rows_as_features(destination_rows(kelurahan))

    def events_calendar():
        return events_ics(
            feed_events([kelurahan.id]), f"Wisata {kelurahan.name}", lambda _event: kelurahan
        )

    return [
        Dataset(
            "wisata-destinasi",
            _l("Destinasi wisata"),
            _l(
                "Destinasi wisata yang diterbitkan kelurahan: nama, kategori (%(keys)s), "
                "keterangan dalam Bahasa Indonesia dan Inggris, alamat, lokasi, jam buka "
                "(format opening_hours OpenStreetMap, WIB), harga tiket dalam rupiah (0 = "
                "gratis) dan fasilitas. Tanpa nomor kontak pengelola.",
                keys=", ".join(CATEGORY_LABELS),
            ),
            csv=destinations_csv,
            geojson=destinations_geojson,
            columns=DESTINATION_COLUMNS,
            updated=lambda: last_change(Destination.updated_at),
        ),
        Dataset(
            "wisata-acara",
            _l("Acara wisata"),
            _l(
                "Acara wisata yang diterbitkan, dalam format iCalendar (RFC 5545) dengan aturan "
                "pengulangan: bisa diimpor ke kalender ponsel. Acara yang selesai lebih dari "
                "sebulan lalu tidak dimuat."
            ),
            ics=events_calendar,
            columns=EVENT_PROPERTIES,
            updated=lambda: last_change(TourEvent.updated_at),
        ),
    ]


# -- staff and the city -----------------------------------------------------------------------


@hookimpl
def kp_staff_tasks(kelurahan, user):
    if not can(REVIEW, user=user, kelurahan=kelurahan):
        return []
    waiting = []
    for model, task_id, title, order in (
        (Destination, "tourism-destinations-pending", _l("Destinasi wisata menunggu tinjauan"), 45),
        (TourEvent, "tourism-events-pending", _l("Acara wisata menunggu tinjauan"), 46),
    ):
        count, oldest = count_and_oldest(
            select(model).where(
                model.kelurahan_id == kelurahan.id, model.status == Status.PENDING.value
            ),
            model.updated_at,
        )
        waiting.append(
            StaffTask(task_id, title, count, url_for("tourism.review"), oldest, order=order)
        )
    return waiting


@hookimpl
def kp_city_nav_items(user):
    return [NavItem(_l("Wisata Kota Batik"), url_for("tourism_city.guide"), order=35)]


# -- demo --------------------------------------------------------------------------------------


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_tourism

    seed_demo_tourism(kelurahan)
