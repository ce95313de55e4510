"""Musrenbang cycles and their dated phases, residents' proposals with photos, supports,
follows, threaded comments and a public history, and the meeting with its minutes.

A resident's supports in a cycle are a ballot row whose `used` counter is raised by one
conditional UPDATE (`used < limit`), so neither a double tap nor two phones at once can give
more supports than the cycle allows; a proposal's `support_count` is raised and lowered the
same way, so the figure on every page is exact without counting rows.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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

from app.kit import Group, Media, TenantMixin, User, UTCDateTime, db, utcnow


class PhaseKind(enum.StrEnum):
    SUBMIT = "pengajuan"  # proposals are submitted
    SUPPORT = "dukungan"  # residents support them
    REVIEW = "verifikasi"  # staff review them
    MEETING = "musyawarah"  # the Musrenbang meeting
    RESULTS = "hasil"  # the results


PHASE_ORDER = tuple(PhaseKind)


class Action(enum.StrEnum):
    SUBMIT = "submit"
    SUPPORT = "support"  # and withdrawing a support
    COMMENT = "comment"
    EDIT = "edit"


# What each phase allows unless the cycle's admin changed it (Decidim's step settings).
DEFAULT_ACTIONS: dict[PhaseKind, frozenset[Action]] = {
    PhaseKind.SUBMIT: frozenset({Action.SUBMIT, Action.COMMENT, Action.EDIT}),
    PhaseKind.SUPPORT: frozenset({Action.SUPPORT, Action.COMMENT}),
    PhaseKind.REVIEW: frozenset({Action.COMMENT}),
    PhaseKind.MEETING: frozenset(),
    PhaseKind.RESULTS: frozenset({Action.COMMENT}),
}


class Status(enum.StrEnum):
    SUBMITTED = "diajukan"  # public, waiting for supports and review
    ACCEPTED = "diterima"  # accepted for the meeting's agenda
    MERGED = "digabung"  # merged into another proposal; its supports moved there
    REJECTED = "tidak_diterima"  # not accepted, with a public reason
    WITHDRAWN = "ditarik"  # withdrawn by its author before the support phase


OPEN_STATUSES = (Status.SUBMITTED.value, Status.ACCEPTED.value)


class Result(enum.StrEnum):
    PRIORITISED = "prioritas"  # ranked at the meeting, with an amount
    FORWARDED = "diteruskan"  # forwarded to the kecamatan's Musrenbang
    RKPD = "rkpd"  # taken into the city's work plan
    NOT_CHOSEN = "tidak_terpilih"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Cycle(TenantMixin, db.Model):
    """One year's Musrenbang Kelurahan: its phases, limits, categories and budget."""

    __tablename__ = "proposals_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    support_threshold: Mapped[int] = mapped_column(Integer, default=10)
    supports_per_resident: Mapped[int] = mapped_column(Integer, default=3)
    categories: Mapped[list] = mapped_column(JSON, default=list)  # keys of forms.CATEGORIES
    budget: Mapped[int] = mapped_column(BigInteger, default=0)  # pagu indikatif, rupiah
    # Set by the admin's hand to override the dates; None follows the dates (WIB).
    manual_phase: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="cycle", order_by="Phase.starts_on", cascade="all, delete-orphan"
    )
    meeting: Mapped[Meeting | None] = relationship(
        back_populates="cycle", uselist=False, cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("support_threshold >= 1", name="threshold_positive"),
        CheckConstraint("supports_per_resident >= 1", name="supports_positive"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint(
            f"manual_phase IS NULL OR {_in('manual_phase', PhaseKind)}", name="manual_known"
        ),
    )

    @property
    def name(self) -> str:  # for the audit log's sentences
        return self.title


class Phase(TenantMixin, db.Model):
    """A dated phase of a cycle, from `starts_on` to `ends_on` inclusive (WIB dates), and
    the actions it allows."""

    __tablename__ = "proposals_phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("proposals_cycle.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    allow_submit: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_support: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_edit: Mapped[bool] = mapped_column(Boolean, default=False)

    cycle: Mapped[Cycle] = relationship(back_populates="phases")

    __table_args__ = (
        UniqueConstraint("cycle_id", "kind"),
        CheckConstraint(_in("kind", PhaseKind), name="kind_known"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    def allows(self, action: Action) -> bool:
        return bool(getattr(self, f"allow_{Action(action).value}"))


class Proposal(TenantMixin, db.Model):
    __tablename__ = "proposals_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("proposals_cycle.id"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    rt: Mapped[str] = mapped_column(String(3), default="")  # "003"; empty when unknown
    rw: Mapped[str] = mapped_column(String(3), default="")
    estimated_cost: Mapped[int] = mapped_column(BigInteger, default=0)  # rupiah
    beneficiaries: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("community_group.id"))
    status: Mapped[str] = mapped_column(String(16), default=Status.SUBMITTED.value)
    status_reason: Mapped[str] = mapped_column(String(1000), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals_proposal.id"))
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(String(16))
    result_rank: Mapped[int | None] = mapped_column(Integer)
    result_amount: Mapped[int | None] = mapped_column(BigInteger)  # rupiah
    result_note: Mapped[str] = mapped_column(String(1000), default="")
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("proposals_proposal.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cycle: Mapped[Cycle] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    group: Mapped[Group | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    carried_from: Mapped[Proposal | None] = relationship(
        remote_side=[id], foreign_keys=[carried_from_id]
    )
    photos: Mapped[list[ProposalPhoto]] = relationship(
        back_populates="proposal", order_by="ProposalPhoto.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_known"),
        CheckConstraint(f"result IS NULL OR {_in('result', Result)}", name="result_known"),
        CheckConstraint("estimated_cost >= 0", name="cost_not_negative"),
        CheckConstraint("support_count >= 0", name="supports_not_negative"),
        CheckConstraint("result_rank IS NULL OR result_rank >= 1", name="rank_positive"),
        CheckConstraint("result_amount IS NULL OR result_amount >= 0", name="amount_positive"),
        Index("ix_proposals_proposal_cycle_status", "cycle_id", "status"),
    )

    @property
    def name(self) -> str:  # for the audit log's sentences
        return self.title

    @property
    def author_label(self) -> str:
        """The author's public name: the group's when a group submitted it."""
        return self.group.name if self.group is not None else self.author.display_name

    @property
    def rt_rw(self) -> str:
        if self.rt and self.rw:
            return f"RT {self.rt}/RW {self.rw}"
        return f"RW {self.rw}" if self.rw else ""

    @property
    def is_open(self) -> bool:
        """Still in the running: not merged, rejected or withdrawn."""
        return self.status in (Status.SUBMITTED, Status.ACCEPTED)

    @property
    def cover(self) -> ProposalPhoto | None:
        return self.photos[0] if self.photos else None


class ProposalPhoto(TenantMixin, db.Model):
    """Up to three per proposal; the lowest `position` is the cover."""

    __tablename__ = "proposals_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals_proposal.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    thumb_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media] = relationship(foreign_keys=[thumb_id])


class Ballot(TenantMixin, db.Model):
    """How many supports a resident has given in a cycle; `used` never passes the cycle's
    limit because it is only raised by `UPDATE ... WHERE used < limit`."""

    __tablename__ = "proposals_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("proposals_cycle.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    used: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("cycle_id", "user_id"),
        CheckConstraint("used >= 0", name="used_not_negative"),
    )


class Support(TenantMixin, db.Model):
    __tablename__ = "proposals_support"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals_proposal.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)


class Follow(TenantMixin, db.Model):
    __tablename__ = "proposals_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals_proposal.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)


class Comment(TenantMixin, db.Model):
    """A comment, or a reply to one (`parent_id`); replies are one level deep."""

    __tablename__ = "proposals_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals_proposal.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("proposals_comment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class HistoryEntry(TenantMixin, db.Model):
    """The public history of a proposal: submitted, accepted, merged, results, carried over.
    Kept with the proposal (the audit log holds who did it and what changed)."""

    __tablename__ = "proposals_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals_proposal.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(TenantMixin, db.Model):
    """The cycle's Musrenbang Kelurahan: when and where before it; minutes and attendance
    after it. The ranked result list is the proposals' `result_rank`."""

    __tablename__ = "proposals_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("proposals_cycle.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    minutes: Mapped[str] = mapped_column(Text, default="")  # berita acara
    attendees: Mapped[int | None] = mapped_column(Integer)
    women_attendees: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="meeting")

    __table_args__ = (
        CheckConstraint("attendees IS NULL OR attendees >= 0", name="attendees_not_negative"),
        CheckConstraint(
            "women_attendees IS NULL OR (women_attendees >= 0 AND attendees IS NOT NULL "
            "AND women_attendees <= attendees)",
            name="women_within_attendees",
        ),
    )

    @property
    def women_share(self) -> float | None:
        if not self.attendees or self.women_attendees is None:
            return None
        return self.women_attendees / self.attendees
