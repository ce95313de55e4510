"""The core's own contributions, made through the same hooks plugins use."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .auth import is_staff
from .extensions import db
from .models import Group, GroupKind, GroupMember, RoleAssignment
from .permissions import role_holds_any
from .plugins import (
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    hookimpl,
)
from .queries import count_and_oldest


@hookimpl
def kp_nav_items(kelurahan, user):
    items = [
        NavItem(_l("Beranda"), url_for("public.kelurahan_home", kelurahan_slug=kelurahan.slug), 0),
        NavItem(_l("Kelompok"), url_for("groups.index", kelurahan_slug=kelurahan.slug), 80),
        NavItem(_l("Dasbor"), url_for("public.dashboard", kelurahan_slug=kelurahan.slug), 90),
    ]
    if user is not None and role_holds_any(user, kelurahan):
        items.append(
            NavItem(_l("Tugas saya"), url_for("tasks.index", kelurahan_slug=kelurahan.slug), 990)
        )
    if user is not None and is_staff(kelurahan):
        items.append(
            NavItem(_l("Kelola"), url_for("admin.index", kelurahan_slug=kelurahan.slug), 1000)
        )
    return items


@hookimpl
def kp_home_widgets(kelurahan, user):
    groups = list(
        db.session.execute(
            select(Group)
            .where(Group.verified_at.is_not(None))
            .options(selectinload(Group.members))
            .order_by(Group.name)
            .limit(6)
        ).scalars()
    )
    return [
        HomeWidget(
            "core-groups", _l("Kelompok masyarakat"), "groups/_widget.html", {"groups": groups}, 90
        )
    ]


@hookimpl
def kp_map_layers(kelurahan):
    return [
        MapLayer(
            "kelurahan-office",
            _l("Kantor kelurahan"),
            url=url_for("public.kelurahan_geojson", only=kelurahan.slug),
            icon="building",
        )
    ]


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    total = db.session.scalar(select(func.count()).select_from(Group)) or 0
    verified = (
        db.session.scalar(
            select(func.count()).select_from(Group).where(Group.verified_at.is_not(None))
        )
        or 0
    )
    members = (
        db.session.scalar(
            select(func.count()).select_from(GroupMember).where(GroupMember.status == "active")
        )
        or 0
    )
    groups = url_for("groups.index", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "society",
            "groups",
            _l("Kelompok masyarakat"),
            total,
            _l("Kelompok masyarakat yang terdaftar di kelurahan, terverifikasi atau belum."),
            over_period=False,
            url=groups,
        ),
        Metric(
            "society",
            "groups_verified",
            _l("Kelompok terverifikasi"),
            verified,
            _l("Kelompok yang sudah diverifikasi petugas kelurahan."),
            over_period=False,
            url=groups,
        ),
        Metric(
            "society",
            "group_members",
            _l("Anggota kelompok"),
            members,
            _l("Keanggotaan aktif di semua kelompok kelurahan (satu orang dihitung per kelompok)."),
            over_period=False,
            url=groups,
        ),
    ]


@hookimpl
def kp_search(kelurahan, query, limit):
    like = f"%{query.lower()}%"
    rows = db.session.execute(
        select(Group)
        .where(func.lower(Group.name).like(like) | func.lower(Group.description).like(like))
        .order_by(Group.name)
        .limit(limit)
    ).scalars()
    return [
        SearchHit(
            g.name,
            url_for("groups.show", kelurahan_slug=kelurahan.slug, group_id=g.id),
            (g.description or "")[:160],
            _l("Kelompok"),
        )
        for g in rows
    ]


@hookimpl
def kp_staff_tasks(kelurahan, user):
    if not is_staff(kelurahan):
        return []  # verifying groups and residents is staff's work
    groups = count_and_oldest(select(Group).where(Group.verified_at.is_(None)), Group.created_at)
    residents = count_and_oldest(
        select(RoleAssignment).where(
            RoleAssignment.kelurahan_id == kelurahan.id, RoleAssignment.verified_at.is_(None)
        ),
        RoleAssignment.created_at,
    )
    return [
        StaffTask(
            "core-groups",
            _l("Kelompok menunggu verifikasi"),
            groups[0],
            url_for("admin.groups", kelurahan_slug=kelurahan.slug),
            groups[1],
            order=80,
        ),
        StaffTask(
            "core-residents",
            _l("Warga menunggu verifikasi"),
            residents[0],
            url_for("admin.residents", kelurahan_slug=kelurahan.slug),
            residents[1],
            order=90,
        ),
    ]


@hookimpl
def kp_open_data(kelurahan):
    def rows():
        groups = db.session.execute(
            select(Group).where(Group.verified_at.is_not(None)).order_by(Group.name)
        ).scalars()
        header = ["id", "nama", "jenis", "deskripsi", "terverifikasi_pada"]
        return header, [
            [g.id, g.name, g.kind, g.description or "", g.verified_at.isoformat()] for g in groups
        ]

    from .opendata import last_change

    return [
        Dataset(
            "kelompok",
            _l("Kelompok masyarakat terverifikasi"),
            _l("Nama, jenis dan deskripsi kelompok yang sudah diverifikasi kelurahan."),
            csv=rows,
            columns=(
                Column("id", _l("Nomor kelompok di Kelurahan Pintar"), "integer"),
                Column("nama", _l("Nama kelompok (bukan nama orang)")),
                Column("jenis", _l("Jenis kelompok: %(keys)s", keys=", ".join(GroupKind))),
                Column("deskripsi", _l("Keterangan kelompok yang ditulis pengurusnya")),
                Column(
                    "terverifikasi_pada",
                    _l("Waktu kelurahan memverifikasi kelompok (ISO 8601, UTC)"),
                    "datetime",
                ),
            ),
            updated=lambda: last_change(
                select(func.max(Group.verified_at)).where(Group.verified_at.is_not(None))
            ),
        )
    ]


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """A photo kept for a refused form (app.uploads) is seen by its uploader only."""
    from .uploads import pending_visible

    return pending_visible(media, user)
