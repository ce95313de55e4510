"""Example plugin: a notice board (papan pengumuman) for each kelurahan.

It shows the whole plugin surface in one small package: a page, a menu entry, a home widget,
a map layer, a table with its own Alembic branch, search, open data and demo content.
"""

from pathlib import Path

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.plugins import (
    Dataset,
    HomeWidget,
    Manifest,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    Setting,
    hookimpl,
)

from .models import Notice


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id="notices",
        name=_l("Papan pengumuman"),
        dimension="governance",
        description=_l("Pengumuman resmi kelurahan untuk warga."),
        version="1.0.0",
        icon="megaphone",
        settings=(
            Setting("per_page", "int", 10, _l("Pengumuman per halaman"), min=1, max=50),
            Setting("show_on_home", "bool", True, _l("Tampilkan di beranda")),
        ),
        permissions=("notices.post",),
    )


@hookimpl
def kp_init_app(app):
    from .views import bp

    app.register_blueprint(bp)


@hookimpl
def kp_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def kp_nav_items(kelurahan, user):
    return [NavItem(_l("Pengumuman"), url_for("notices.index", kelurahan_slug=kelurahan.slug), 50)]


@hookimpl
def kp_home_widgets(kelurahan, user):
    from app.plugins import host

    if not host().settings(kelurahan, "notices")["show_on_home"]:
        return []
    notices = (
        db.session.execute(select(Notice).order_by(Notice.created_at.desc()).limit(3))
        .scalars()
        .all()
    )
    html = render_template("notices/_widget.html", notices=notices)
    return [HomeWidget("notices-latest", _l("Pengumuman terbaru"), html, order=20)]


@hookimpl
def kp_map_layers(kelurahan):
    return [
        MapLayer(
            "notices",
            _l("Pengumuman"),
            url_for("notices.geojson", kelurahan_slug=kelurahan.slug),
            "megaphone",
        )
    ]


@hookimpl
def kp_dimension_metrics(kelurahan, since):
    rows = db.session.execute(select(Notice.created_at)).scalars().all()
    return [
        Metric(
            "governance",
            "notices_recent",
            _l("Pengumuman baru"),
            sum(1 for created in rows if created >= since),
        )
    ]


@hookimpl
def kp_search(kelurahan, query, limit):
    like = f"%{query.lower()}%"
    rows = db.session.execute(
        select(Notice).where(db.func.lower(Notice.title).like(like)).limit(limit)
    ).scalars()
    return [
        SearchHit(
            n.title,
            url_for("notices.index", kelurahan_slug=kelurahan.slug),
            n.body[:160],
            _l("Pengumuman"),
        )
        for n in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    def rows():
        notices = db.session.execute(select(Notice).order_by(Notice.id)).scalars()
        return ["id", "judul", "isi", "dibuat"], [
            [n.id, n.title, n.body, n.created_at.isoformat()] for n in notices
        ]

    return [Dataset("pengumuman", _l("Pengumuman"), csv=rows)]


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
    # A new kelurahan switching the board on gets a welcome notice.
    if event.name == "plugin.enabled" and event.payload.get("plugin_id") == "notices":
        from app import tenancy

        with tenancy.scoped_to(event.kelurahan.id):
            if db.session.execute(select(Notice).limit(1)).first() is None:
                db.session.add(
                    Notice(
                        title="Papan pengumuman dibuka",
                        body="Pengumuman kelurahan akan tampil di sini.",
                    )
                )
                db.session.commit()
