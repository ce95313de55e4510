"""Letter types staff configure, residents' requests with their private documents and a
history of steps, the letter numbering counters, RT/RW heads who approve first, and the
city's collective leave days.

Personal fields of a request (name, NIK, birth data, address, the type's own fields) and its
documents are deleted by `flask kp services purge` after the retention period; what stays is
what the public figures and the letter's verification page need: the type, the dates, the
number, the verification token and the masked name.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Media, TenantMixin, User, UTCDateTime, db, utcnow


class Status(enum.StrEnum):
    WAITING_RT = "menunggu_rt"  # with the RT/RW head, when the kelurahan asks for that first
    SUBMITTED = "diajukan"
    CHECKING = "diperiksa"
    NEEDS_FIX = "perlu_perbaikan"  # back with the resident, with a note
    APPROVED = "disetujui"  # signed off; the letter has its number
    READY = "siap_diambil"  # printed, waiting at the office
    SENT = "dikirim"  # the PDF is the resident's to download
    DONE = "selesai"
    REFUSED = "ditolak"
    CANCELLED = "dibatalkan"


OPEN_STATUSES = (
    Status.WAITING_RT,
    Status.SUBMITTED,
    Status.CHECKING,
    Status.NEEDS_FIX,
    Status.APPROVED,
    Status.READY,
    Status.SENT,
)
# Waiting for the office: the staff task and the queue's age colours count these.
OFFICE_QUEUE = (Status.SUBMITTED, Status.CHECKING, Status.APPROVED)
FINISHED = (Status.DONE, Status.REFUSED, Status.CANCELLED)


class Delivery(enum.StrEnum):
    PICKUP = "ambil"  # collected, signed, at the office
    DOWNLOAD = "unduh"  # the PDF, downloaded from the request page


class FieldKind(enum.StrEnum):
    TEXT = "teks"
    LONG_TEXT = "paragraf"
    DATE = "tanggal"
    CHOICE = "pilihan"
    NUMBER = "angka"


class LetterType(TenantMixin, db.Model):
    __tablename__ = "services_letter_type"
    __table_args__ = (UniqueConstraint("kelurahan_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))  # "Surat keterangan domisili"
    title: Mapped[str] = mapped_column(String(120))  # "SURAT KETERANGAN DOMISILI"
    # The classification code that opens the number (470 population, 503 permits, ...).
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500), default="")
    template: Mapped[str] = mapped_column(Text)
    target_days: Mapped[int] = mapped_column(Integer, default=3)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fields: Mapped[list[LetterField]] = relationship(
        order_by="LetterField.position", cascade="all, delete-orphan", lazy="selectin"
    )
    documents: Mapped[list[RequiredDocument]] = relationship(
        order_by="RequiredDocument.position", cascade="all, delete-orphan", lazy="selectin"
    )


class LetterField(TenantMixin, db.Model):
    """A field the resident fills in for one letter type, used in its template by `key`."""

    __tablename__ = "services_letter_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("services_letter_type.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), default=FieldKind.TEXT.value)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    choices: Mapped[str] = mapped_column(String(1000), default="")  # one per line
    max_length: Mapped[int] = mapped_column(Integer, default=200)
    help: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class RequiredDocument(TenantMixin, db.Model):
    __tablename__ = "services_required_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("services_letter_type.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # "Surat pengantar RT/RW"
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Request(TenantMixin, db.Model):
    __tablename__ = "services_request"
    __table_args__ = (
        Index("ix_services_request_queue", "kelurahan_id", "status", "complete_at"),
        Index("ix_services_request_ready", "kelurahan_id", "letter_type_id", "ready_at"),
        # Belt and braces under the counter: one number per type and year, ever.
        UniqueConstraint("kelurahan_id", "letter_type_id", "number_year", "number_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown to the resident and typed at /lacak: unique across the city.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("services_letter_type.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value)
    delivery: Mapped[str] = mapped_column(String(8), default=Delivery.PICKUP.value)

    # Personal fields, deleted by the purge (None afterwards).
    full_name: Mapped[str | None] = mapped_column(String(120))
    nik_token: Mapped[str | None] = mapped_column(Text)  # Fernet token (personal.encrypt)
    nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed lookup
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(String(300))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    purpose: Mapped[str | None] = mapped_column(String(300))
    values: Mapped[dict | None] = mapped_column(JSON)  # the type's own fields, by key
    letter_body: Mapped[str | None] = mapped_column(Text)  # the letter as approved
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    note: Mapped[str] = mapped_column(String(1000), default="")  # the last fix note or reason
    rt_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the office had everything (submitted, resubmitted after a fix, or approved by
    # the RT): the service-time clock starts here.
    complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The letter: kept for the verification page after the purge.
    number: Mapped[str | None] = mapped_column(String(80))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    verify_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    masked_name: Mapped[str] = mapped_column(String(120), default="")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    signer_title: Mapped[str] = mapped_column(String(120), default="")

    letter_type: Mapped[LetterType] = relationship(lazy="joined", innerjoin=True)
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    documents: Mapped[list[RequestDocument]] = relationship(
        order_by="RequestDocument.position", cascade="all, delete-orphan"
    )
    steps: Mapped[list[Step]] = relationship(order_by="Step.id", cascade="all, delete-orphan")


class RequestDocument(TenantMixin, db.Model):
    """A private upload: a photo (re-encoded) or a checked PDF. Never public; served only by
    the plugin's own route, after the access check and with an audit entry for staff."""

    __tablename__ = "services_request_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("services_request.id"), index=True)
    required_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("services_required_document.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(120))  # what it is: "KTP", "Surat pengantar RT"
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    media: Mapped[Media] = relationship(lazy="joined", innerjoin=True)


class Step(TenantMixin, db.Model):
    """One move of a request, shown to the resident and staff (the audit log keeps who)."""

    __tablename__ = "services_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("services_request.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(1000), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LetterCounter(TenantMixin, db.Model):
    """The last number given per letter type and year. Raised by one UPDATE under a row
    lock (or SQLite's write lock), so two approvals never share a number, and a number once
    given is never given again, even when its request is later withdrawn."""

    __tablename__ = "services_letter_counter"
    __table_args__ = (UniqueConstraint("kelurahan_id", "letter_type_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("services_letter_type.id"))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RtHead(TenantMixin, db.Model):
    """The account of an RT head (rt set) or an RW head (rt empty: every RT of the RW), who
    approves requests of their area first when the kelurahan's setting asks for it."""

    __tablename__ = "services_rt_head"
    __table_args__ = (UniqueConstraint("kelurahan_id", "rw", "rt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    rw: Mapped[str] = mapped_column(String(3))
    rt: Mapped[str] = mapped_column(String(3), default="")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class LeaveDay(db.Model):
    """A collective leave day (cuti bersama) for the whole city, set by the city admin: not a
    working day in the service times. Public holidays come from the `holidays` package."""

    __tablename__ = "services_leave_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
