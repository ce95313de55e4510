"""Shared places of a kelurahan and their photos; bookings of the bookable ones, each a
request with one or more time slots; neighbourhood schedules (posyandu, trash collection,
kerja bakti) and who wants reminders of them; and alerts (rob, banjir, ...) for some RWs.

No double booking: a slot is `active` while its booking is approved, and two active slots of
one facility may not overlap. PostgreSQL enforces that itself with an exclusion constraint on
the time range (btree_gist, created by the plugin's migration and by `create_all`); on SQLite
the approval checks and writes under `begin_write()` (BEGIN IMMEDIATE), one writer at a time.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    DDL,
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
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Group, Media, TenantMixin, User, UTCDateTime, db, utcnow


class Kind(enum.StrEnum):
    BALAI = "balai"
    HALL = "gedung_serbaguna"
    FIELD = "lapangan"
    POSYANDU = "posyandu"
    PAUD = "paud"
    MUSALA = "musala"
    TOILET = "toilet_umum"
    PARK = "taman"
    WELL = "sumur_pompa"
    STREET_LIGHT = "lampu_jalan"
    CCTV = "cctv"
    OTHER = "lainnya"


class Condition(enum.StrEnum):
    GOOD = "baik"
    MINOR_DAMAGE = "rusak_ringan"
    MAJOR_DAMAGE = "rusak_berat"


class Facility(TenantMixin, db.Model):
    __tablename__ = "facilities_facility"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("max_hours BETWEEN 1 AND 24", name="max_hours_range"),
        CheckConstraint("fee_rupiah >= 0", name="fee_not_negative"),
        Index("ix_facilities_facility_kind", "kelurahan_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    rw: Mapped[str | None] = mapped_column(String(3))  # "003"; None: serves the whole kelurahan
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)  # people
    manager_name: Mapped[str] = mapped_column(String(120), default="")  # penanggung jawab
    manager_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    condition: Mapped[str] = mapped_column(String(16), default=Condition.GOOD.value)
    checked_on: Mapped[date | None] = mapped_column(Date)
    condition_note: Mapped[str] = mapped_column(String(300), default="")
    bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    max_hours: Mapped[int] = mapped_column(Integer, default=4)  # longest single booking
    fee_rupiah: Mapped[int] = mapped_column(Integer, default=0)  # per slot; no payment taken
    fee_note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: gone, kept for history
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    photos: Mapped[list[FacilityPhoto]] = relationship(
        back_populates="facility",
        cascade="all, delete-orphan",
        order_by="FacilityPhoto.position",
    )


class FacilityPhoto(TenantMixin, db.Model):
    __tablename__ = "facilities_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facilities_facility.id", ondelete="CASCADE"), index=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    thumb_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    facility: Mapped[Facility] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media | None] = relationship(foreign_keys=[thumb_id])


class DamageNote(TenantMixin, db.Model):
    """A resident's word that a facility is damaged, kept here when no plugin that takes
    reports is switched on; staff mark it handled."""

    __tablename__ = "facilities_damage_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities_facility.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    facility: Mapped[Facility] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])


# -- bookings ----------------------------------------------------------------------------------


class BookingStatus(enum.StrEnum):
    PENDING = "menunggu"
    APPROVED = "disetujui"
    REFUSED = "ditolak"
    CANCELLED = "dibatalkan"


class Booking(TenantMixin, db.Model):
    """A request for a facility: a purpose, who asks (a resident, maybe for a group) and one
    slot, or several when it repeats (`rule`). Staff decide on the whole request."""

    __tablename__ = "facilities_booking"
    __table_args__ = (Index("ix_facilities_booking_status", "kelurahan_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities_facility.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("community_group.id"))
    purpose: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String(200))  # RFC 5545 RRULE, in WIB
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.PENDING.value)
    fee_rupiah: Mapped[int] = mapped_column(Integer, default=0)  # the whole request, frozen
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    group: Mapped[Group | None] = relationship()
    slots: Mapped[list[BookingSlot]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="BookingSlot.starts_at"
    )


class BookingSlot(TenantMixin, db.Model):
    __tablename__ = "facilities_booking_slot"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_facilities_slot_time", "facility_id", "starts_at"),
        # Two approved slots of one facility never overlap ([start, end): back to back is fine).
        ExcludeConstraint(
            ("facility_id", "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=text("active"),
            using="gist",
            name="no_double_booking",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("facilities_booking.id", ondelete="CASCADE"), index=True
    )
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities_facility.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False)  # approved, not cancelled

    booking: Mapped[Booking] = relationship(back_populates="slots")


# The exclusion constraint needs btree_gist for "=" on an integer inside a GiST index
# (`create_all`, as the tests build their databases; the migration creates it too).
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)


# -- neighbourhood schedules -------------------------------------------------------------------


class ScheduleKind(enum.StrEnum):
    POSYANDU = "posyandu"
    TRASH = "angkut_sampah"
    KERJA_BAKTI = "kerja_bakti"
    WASTE_BANK = "bank_sampah"
    OTHER = "lainnya"


class Schedule(TenantMixin, db.Model):
    """Something that happens again and again in one RW (or the whole kelurahan, `rw` None):
    its first time and a repeat rule, read in WIB."""

    __tablename__ = "facilities_schedule"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="schedule_ends_after_start"),
        Index("ix_facilities_schedule_rw", "kelurahan_id", "rw"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    rw: Mapped[str | None] = mapped_column(String(3))
    place: Mapped[str] = mapped_column(String(200), default="")
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities_facility.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the first time
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rule: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility | None] = relationship()


class ReminderSubscription(TenantMixin, db.Model):
    """A resident who wants a reminder the day before each schedule of their RW (and of the
    whole kelurahan)."""

    __tablename__ = "facilities_reminder"
    __table_args__ = (UniqueConstraint("kelurahan_id", "user_id", name="one_per_resident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSent(TenantMixin, db.Model):
    """One occurrence of a schedule whose reminders went out: claimed before sending, so a
    second run (or a second host) sends nothing twice."""

    __tablename__ = "facilities_reminder_sent"
    __table_args__ = (UniqueConstraint("schedule_id", "starts_at", name="once_per_occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("facilities_schedule.id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- alerts ------------------------------------------------------------------------------------


class AlertKind(enum.StrEnum):
    TIDAL_FLOOD = "rob"
    FLOOD = "banjir"
    FALLEN_TREE = "pohon_tumbang"
    POWER_CUT = "listrik_padam"
    WATER_CUT = "air_pdam_mati"


class Severity(enum.StrEnum):
    WATCH = "waspada"
    WARNING = "siaga"
    DANGER = "awas"


class Alert(TenantMixin, db.Model):
    """A warning for some RWs, from `starts_at` until staff close it or `expected_end_at`
    passes (it ends by itself: nothing needs to run). Kept afterwards as history."""

    __tablename__ = "facilities_alert"
    __table_args__ = (
        CheckConstraint("expected_end_at > starts_at", name="alert_ends_after_start"),
        Index("ix_facilities_alert_time", "kelurahan_id", "expected_end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    water_cm: Mapped[int | None] = mapped_column(Integer)  # flood depth, when measured
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notified: Mapped[int] = mapped_column(Integer, default=0)  # residents told
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    areas: Mapped[list[AlertArea]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertArea.rw"
    )

    @property
    def rws(self) -> list[str]:
        return [a.rw for a in self.areas]

    @property
    def ended_at(self) -> datetime:
        """When it stopped (or will stop): closed by staff, else its expected end."""
        if self.closed_at is not None and self.closed_at < self.expected_end_at:
            return self.closed_at
        return self.expected_end_at


class AlertArea(TenantMixin, db.Model):
    __tablename__ = "facilities_alert_rw"
    __table_args__ = (
        UniqueConstraint("alert_id", "rw", name="rw_once_per_alert"),
        Index("ix_facilities_alert_rw", "kelurahan_id", "rw"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("facilities_alert.id", ondelete="CASCADE"))
    rw: Mapped[str] = mapped_column(String(3))

    alert: Mapped[Alert] = relationship(back_populates="areas")
