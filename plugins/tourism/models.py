"""Destinations, their photos, events and batik tour routes, and monthly page-view counts.

Destinations and events are written by members of a verified Pokdarwis group (or by
staff) and shown to the public only once staff published them. Event times are stored in
UTC; a repeat rule is RFC 5545 RRULE text read in WIB (recurrence.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Group, Media, TenantMixin, UTCDateTime, db, utcnow


class Status(enum.StrEnum):
    PENDING = "pending"  # written, waiting for staff; seen by its authors and staff only
    PUBLISHED = "published"  # public
    RETURNED = "returned"  # sent back by staff with a note; the authors fix and resubmit
    HIDDEN = "hidden"  # taken down by staff, with a reason


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Reviewed:
    """What destinations and events share: the group that writes them and the review."""

    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING.value, index=True)
    status_note: Mapped[str | None] = mapped_column(String(500))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("community_group.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class Destination(Reviewed, TenantMixin, db.Model):
    __tablename__ = "tourism_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")  # Indonesian
    description_en: Mapped[str] = mapped_column(Text, default="")  # empty: shown in Indonesian
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    # Seven items, Monday first: null (closed) or ["HH:MM", "HH:MM"] in WIB (hours.py).
    hours: Mapped[list] = mapped_column(JSON, default=list)
    closed_on_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_price: Mapped[int] = mapped_column(Integer, default=0)  # rupiah; 0 is free
    ticket_note: Mapped[str] = mapped_column(String(200), default="")
    has_parking: Mapped[bool] = mapped_column(Boolean, default=False)
    has_toilet: Mapped[bool] = mapped_column(Boolean, default=False)
    has_prayer_room: Mapped[bool] = mapped_column(Boolean, default=False)
    wheelchair_access: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    phone_has_whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group | None] = relationship()
    photos: Mapped[list[DestinationPhoto]] = relationship(
        back_populates="destination",
        order_by="DestinationPhoto.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_known"),
        CheckConstraint("ticket_price >= 0", name="ticket_not_negative"),
        Index("ix_tourism_destination_kelurahan_status", "kelurahan_id", "status"),
    )

    @property
    def cover(self) -> DestinationPhoto | None:
        return self.photos[0] if self.photos else None

    def description_for(self, locale: str) -> str:
        """The English description for English pages, else (and as fallback) Indonesian."""
        if str(locale).startswith("en") and self.description_en.strip():
            return self.description_en
        return self.description

    def facilities(self) -> list[str]:
        return [key for key in FACILITY_KEYS if getattr(self, key)]


FACILITY_KEYS = ("has_parking", "has_toilet", "has_prayer_room", "wheelchair_access")


class DestinationPhoto(TenantMixin, db.Model):
    """Up to eight per destination; the lowest `position` is the cover."""

    __tablename__ = "tourism_destination_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("tourism_destination.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    thumb_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    destination: Mapped[Destination] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media] = relationship(foreign_keys=[thumb_id])


class TourEvent(Reviewed, TenantMixin, db.Model):
    """A festival, workshop or gathering, once or repeating. Its place is a destination
    of the kelurahan or a named point; `lat`/`lng` hold the point either way, so the map
    layer reads one table."""

    __tablename__ = "tourism_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rrule: Mapped[str | None] = mapped_column(String(200))  # RFC 5545, without DTSTART
    # The end of the last occurrence: "upcoming" is a column comparison, not an expansion.
    series_ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("tourism_destination.id"))
    place_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    registration_url: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group | None] = relationship()
    destination: Mapped[Destination | None] = relationship()
    poster: Mapped[Media | None] = relationship(foreign_keys=[poster_id])

    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_tourism_event_kelurahan_status_end", "kelurahan_id", "status", "series_ends_at"),
    )

    @property
    def is_public(self) -> bool:
        """Published, at a place the public may see: an event at a destination that is not
        (or no longer) published is not shown either."""
        return self.is_published and (self.destination is None or self.destination.is_published)

    @property
    def place_label(self) -> str:
        if self.destination is not None:
            return self.destination.name
        return self.place_name

    @property
    def name(self) -> str:  # for the audit log's sentences and shared helpers
        return self.title


class TourRoute(TenantMixin, db.Model):
    """A walking tour (a batik route): destinations in order. Written by staff; only its
    published destinations show to the public."""

    __tablename__ = "tourism_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.position", cascade="all, delete-orphan"
    )

    def description_for(self, locale: str) -> str:
        if str(locale).startswith("en") and self.description_en.strip():
            return self.description_en
        return self.description


class RouteStop(TenantMixin, db.Model):
    __tablename__ = "tourism_route_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("tourism_route.id"), index=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("tourism_destination.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    route: Mapped[TourRoute] = relationship(back_populates="stops")
    destination: Mapped[Destination] = relationship()

    __table_args__ = (UniqueConstraint("route_id", "position"),)


class PageViews(TenantMixin, db.Model):
    """Views of one of the kelurahan's tourism pages in a calendar month (WIB): `page` is
    "destination:<id>", "event:<id>" or "guide". Only the number is kept."""

    __tablename__ = "tourism_page_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    page: Mapped[str] = mapped_column(String(40))
    views: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("kelurahan_id", "month", "page"),)
