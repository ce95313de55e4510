"""Community reports (laporan warga): the report, its photos, status history (with photos),
support, followers, comments, flags, staff's internal notes, forwards to city agencies.
API keys are the core's (app.apikeys); a key posts reports when it carries WRITE_SCOPE."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Media, TenantMixin, User, UTCDateTime, db, utcnow


class Status(enum.StrEnum):
    BARU = "baru"
    DIVERIFIKASI = "diverifikasi"
    DIPROSES = "diproses"
    SELESAI = "selesai"
    DITOLAK = "ditolak"
    TIDAK_DAPAT_DITANGANI = "tidak_dapat_ditangani"
    DUPLIKAT = "duplikat"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED

    @property
    def open311(self) -> str:
        """GeoReport v2 knows only open and closed."""
        return "closed" if self.is_closed else "open"


# The API scope (Manifest.api_scopes) a key needs to post reports (Open311, /api/v1).
WRITE_SCOPE = "reports.write"

CLOSED = frozenset({Status.SELESAI, Status.DITOLAK, Status.TIDAK_DAPAT_DITANGANI, Status.DUPLIKAT})
STATUS_VALUES = tuple(s.value for s in Status)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Report(TenantMixin, db.Model):
    __tablename__ = "reports_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), default=Status.BARU.value, index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Name shown for reports posted through Open311 without an account.
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    hide_name: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16), default="web")
    # The core's API key (table api_key) a program posted it with (Open311, /api/v1).
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    # Open311 clients may look a posted request up by this token (tokens/{token}).
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports_report.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The staff member handling it (one who holds `reports.handle` here).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # When the reporter answered "Sudah beres" to the latest closing (older than `closed_at`
    # means the answer was for an earlier closing).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.position", cascade="all, delete-orphan"
    )
    updates: Mapped[list[ReportUpdate]] = relationship(
        back_populates="report", order_by="ReportUpdate.id", cascade="all, delete-orphan"
    )
    duplicate_of: Mapped[Report | None] = relationship(remote_side=[id])
    forwards: Mapped[list[ReportForward]] = relationship(
        back_populates="report", order_by="ReportForward.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(_in("status", STATUS_VALUES), name="status_known"),
        CheckConstraint("source IN ('web', 'open311', 'api')", name="source_known"),
        Index("ix_reports_report_kelurahan_lat_lng", "kelurahan_id", "lat", "lng"),
    )

    @property
    def state(self) -> Status:
        return Status(self.status)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def public_name(self, anonymous_label: str) -> str:
        """The reporter's name as the public may see it."""
        if self.hide_name:
            return anonymous_label
        if self.reporter is not None:
            return self.reporter.display_name
        return self.reporter_name or anonymous_label


THUMB_SIDE = 480  # px, the longer side of the copy a report's page shows (sharp on phones)


class _Sizes:
    """A photo stored twice: `media`, the full image, and `thumb`, a THUMB_SIDE copy."""

    @property
    def shown(self) -> Media:
        """The image to show on a page: the thumbnail, or the full photo when there is none."""
        return self.thumb or self.media

    def files(self) -> list[Media]:
        """Every stored size of this photo."""
        return [m for m in (self.media, self.thumb) if m is not None]


class ReportPhoto(_Sizes, TenantMixin, db.Model):
    __tablename__ = "reports_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    # A smaller copy for the page (THUMB_SIDE); photos stored before it existed have none.
    thumb_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    report: Mapped[Report] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media | None] = relationship(foreign_keys=[thumb_id])


class ReportUpdate(TenantMixin, db.Model):
    """One step of the public status history; `note` is shown to everyone."""

    __tablename__ = "reports_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reporter's own answer to a closing ("Sudah beres" / "Masih rusak"), not staff's.
    by_reporter: Mapped[bool] = mapped_column(default=False, server_default=false())

    report: Mapped[Report] = relationship(back_populates="updates")
    actor: Mapped[User | None] = relationship()
    photos: Mapped[list[UpdatePhoto]] = relationship(
        back_populates="update", order_by="UpdatePhoto.position", cascade="all, delete-orphan"
    )


class UpdatePhoto(_Sizes, TenantMixin, db.Model):
    """A photo staff attach to a status update (the repair done, say); as public as its
    report."""

    __tablename__ = "reports_update_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("reports_update.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    thumb_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    update: Mapped[ReportUpdate] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media] = relationship(foreign_keys=[thumb_id])


class ReportNote(TenantMixin, db.Model):
    """Staff's internal note on a report: never on a public page, in Open311, a
    notification or an export."""

    __tablename__ = "reports_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class ReportForward(TenantMixin, db.Model):
    """A report forwarded to a city agency (OPD) by e-mail. The agency's name is public
    ("Diteruskan ke ..."); the note and the address are for staff."""

    __tablename__ = "reports_forward"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    agency: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="forwards")


class ReportSupport(TenantMixin, db.Model):
    """A resident's "saya juga" (+1) on a report: one per person."""

    __tablename__ = "reports_support"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "user_id"),)


class ReportFollow(TenantMixin, db.Model):
    __tablename__ = "reports_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("report_id", "user_id"),)


class ReportComment(TenantMixin, db.Model):
    __tablename__ = "reports_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports_report.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReportFlag(TenantMixin, db.Model):
    """A resident's flag on a report or a comment; N flags from different people hide it
    until staff review it."""

    __tablename__ = "reports_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "user_id"),
        CheckConstraint("target_type IN ('report', 'comment')", name="target_known"),
        Index("ix_reports_flag_target", "target_type", "target_id"),
    )
