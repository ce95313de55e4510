"""Example plugin: a kelurahan notice board (papan pengumuman), on the plugin kit.

A page at /k/<slug>/pengumuman/, a menu entry, a home widget, a map layer and a table. The
table's migration is in migrations/, the templates in templates/notices/ and the English
catalogue in translations/: the host finds all three, and `bp`, by convention.
more.py shows the rest of the plugin surface (search, open data, dashboard figures, staff
tasks, demo content, events).
"""

from datetime import datetime

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

import app.kit as kit


class Notice(kit.TenantMixin, kit.db.Model):
    __tablename__ = "notices_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(kit.UTCDateTime, default=kit.utcnow)


bp = Blueprint("notices", __name__, template_folder="templates")


@bp.get("/")
def index():
    return render_template("notices/index.html", notices=kit.latest(Notice, 100))


@kit.hookimpl
def kp_plugin_manifest():
    settings = (kit.Setting("per_page", "int", 10, _l("Pengumuman per halaman"), min=1, max=50),
                kit.Setting("show_on_home", "bool", True, _l("Tampilkan di beranda")))
    permissions = (kit.Permission("notices.post", _l("Menulis pengumuman")),)
    name, description = _l("Papan pengumuman"), _l("Pengumuman resmi kelurahan untuk warga.")
    return kit.Manifest("notices", name, "governance", description, "1.0.0", path="pengumuman",
                        settings=settings, permissions=permissions, icon="megaphone")


@kit.hookimpl
def kp_nav_items(kelurahan, user):
    return [kit.NavItem(_l("Pengumuman"), url_for("notices.index"), order=50)]


@kit.hookimpl
def kp_home_widgets(kelurahan, user):
    if kit.plugin_settings("notices")["show_on_home"]:
        context = {"notices": kit.latest(Notice, 3)}
        title, template = _l("Pengumuman terbaru"), "notices/_widget.html"
        return [kit.HomeWidget("notices-latest", title, template, context, order=20)]


@kit.hookimpl
def kp_map_layers(kelurahan):
    return [kit.MapLayer("notices", _l("Pengumuman"), select(Notice), (Notice.title,))]


from .more import *  # noqa: E402,F403 - search, open data, figures, tasks, demo, events
