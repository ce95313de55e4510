"""The rest of the example plugin's surface: search, open data, a dashboard figure, a staff
queue, demo content and an event. Each is a hook; none needs more than the kit."""

from flask import url_for
from sqlalchemy import func, select

from app.kit import (
    Column,
    Dataset,
    Metric,
    SearchHit,
    StaffTask,
    _l,
    can,
    count_and_oldest,
    count_rows,
    db,
    hookimpl,
    last_change,
    snippet,
)

from . import Notice

__all__ = [
    "kp_dimension_metrics",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_demo_data",
    "kp_on_event",
]


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    recent = count_rows(select(Notice).where(Notice.created_at >= since, Notice.created_at < until))
    return [
        Metric(
            "governance",
            "notices_recent",
            _l("Pengumuman baru"),
            recent,
            _l("Pengumuman yang terbit dalam periode."),
            url=url_for("notices.index", kelurahan_slug=kelurahan.slug),
        )
    ]


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = func.lower(Notice.title).contains(query.lower(), autoescape=True)
    rows = db.session.execute(select(Notice).where(needle).limit(limit)).scalars()
    url = url_for("notices.index")
    return [SearchHit(n.title, url, snippet(n.body), _l("Pengumuman")) for n in rows]


@hookimpl
def kp_open_data(kelurahan):
    def rows():
        notices = db.session.execute(select(Notice).order_by(Notice.id)).scalars()
        header = ["id", "judul", "isi", "dibuat"]
        return header, [[n.id, n.title, n.body, n.created_at.isoformat()] for n in notices]

    return [
        Dataset(
            "pengumuman",
            _l("Pengumuman"),
            _l("Pengumuman kelurahan di papan pengumuman."),
            csv=rows,
            columns=(
                Column("id", _l("Nomor pengumuman"), "integer"),
                Column("judul", _l("Judul pengumuman")),
                Column("isi", _l("Isi pengumuman")),
                Column("dibuat", _l("Waktu pengumuman dibuat (ISO 8601)"), "datetime"),
            ),
            updated=lambda: last_change(Notice.created_at),
        )
    ]


@hookimpl
def kp_staff_tasks(kelurahan, user):
    if not can("notices.post"):
        return []
    # Notices without a place on the map, oldest first: staff add one.
    count, oldest = count_and_oldest(select(Notice).where(Notice.lat.is_(None)), Notice.created_at)
    return [
        StaffTask(
            "notices-unplaced",
            _l("Pengumuman tanpa lokasi"),
            count,
            url_for("notices.index"),
            oldest,
        )
    ]


@hookimpl
def kp_demo_data(kelurahan):
    if db.session.execute(select(Notice).limit(1)).first() is None:
        db.session.add(
            Notice(
                title="Kerja bakti Minggu pagi",
                body="Membersihkan saluran air, Minggu pukul 06.30, kumpul di balai RW.",
                lat=kelurahan.lat,
                lng=kelurahan.lng,
            )
        )


@hookimpl
def kp_on_event(event):
    # A kelurahan switching the board on gets a welcome notice. The hook runs inside the
    # event's kelurahan scope: the new row takes its id.
    switched_on = event.name == "plugin.enabled" and event.payload.get("plugin_id") == "notices"
    if switched_on and db.session.execute(select(Notice).limit(1)).first() is None:
        body = "Pengumuman kelurahan akan tampil di sini."
        db.session.add(Notice(title="Papan pengumuman dibuka", body=body))
        db.session.commit()
