"""What the kelurahan admin reads about tourism: the impact of switching it off (the
Pokdarwis groups are told), and the audit log's sentences for writing and review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import AuditObject, AuditPhrase, OffImpact, _l, audit_names, count_rows, db, hookimpl

from .models import Destination, Status, TourEvent, TourRoute
from .queries import event_is_public

__all__ = ["kp_audit_phrases", "kp_plugin_off_impact"]


@hookimpl
def kp_plugin_off_impact(kelurahan):
    destinations = list(
        db.session.execute(
            select(Destination)
            .where(Destination.status == Status.PUBLISHED.value)
            .options(selectinload(Destination.group))
        ).scalars()
    )
    events = count_rows(select(TourEvent.id).where(event_is_public()))
    groups = {d.group.id: d.group for d in destinations if d.group is not None}
    return [
        OffImpact(
            _l(
                "%(places)s destinasi dan %(events)s acara tidak lagi tampil di panduan wisata "
                "kelurahan maupun kota, peta dan kalender; umpan iCalendar kosong. Data tidak "
                "dihapus dan kembali saat dinyalakan lagi.",
                places=len(destinations),
                events=events,
            ),
            groups=tuple(groups.values()),
        ),
        _l("Kelompok Pokdarwis tidak dapat menambah atau mengubah destinasi dan acara."),
    ]


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject(
            "tourism_destination", _l("destinasi “%(name)s”"), audit_names(Destination.name)
        ),
        AuditObject("tourism_event", _l("acara “%(name)s”"), audit_names(TourEvent.title)),
        AuditObject("tourism_route", _l("rute “%(name)s”"), audit_names(TourRoute.name)),
        AuditPhrase("tourism.destination_added", _l("%(actor)s menambah %(object)s")),
        AuditPhrase("tourism.destination_edited", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("tourism.event_added", _l("%(actor)s menambah %(object)s")),
        AuditPhrase("tourism.event_edited", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("tourism.published", _l("%(actor)s menerbitkan %(object)s")),
        AuditPhrase("tourism.returned", _l("%(actor)s mengembalikan %(object)s untuk diperbaiki")),
        AuditPhrase("tourism.hidden", _l("%(actor)s menyembunyikan %(object)s")),
        AuditPhrase("tourism.route_saved", _l("%(actor)s menyimpan %(object)s")),
    ]
