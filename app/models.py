"""The core's tables: kelurahan, accounts and roles, community groups, plugin switches and
permission grants, audit log, notifications, outbox, password resets and media.

Plugins reach the models they may use through `app.kit`; the rest is the core's own business.
Seven core tables carry `kelurahan_id` without being tenant models; `app/tenancy.py` says why
for each, and tests/test_tenancy.py holds them to it.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC on every database (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use app.models.utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Role(enum.StrEnum):
    WARGA = "warga"
    PETUGAS = "petugas"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"warga": 0, "petugas": 1, "admin": 2}[self.value]


class GroupKind(enum.StrEnum):
    UMKM = "umkm"
    POKDARWIS = "pokdarwis"
    KSM_BANK_SAMPAH = "ksm_bank_sampah"
    PKK = "pkk"
    KARANG_TARUNA = "karang_taruna"
    LAINNYA = "lainnya"


class TenantMixin:
    """A row that belongs to one kelurahan. Reads are scoped by the session (app.tenancy);
    new rows get `kelurahan_id` from the current kelurahan, never from a form."""

    @declared_attr
    def kelurahan_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("kelurahan.id"), nullable=False, index=True)


class Kelurahan(db.Model):
    __tablename__ = "kelurahan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kecamatan_code: Mapped[str] = mapped_column(String(16), index=True)
    kecamatan_name: Mapped[str] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    # True while the map centre is only the kecamatan's approximate centre from the seed.
    centre_is_approximate: Mapped[bool] = mapped_column(default=True)
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", use_alter=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    logo: Mapped[Media | None] = relationship(foreign_keys=[logo_id])

    def __repr__(self) -> str:
        return f"<Kelurahan {self.slug}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    home_kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    is_city_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Where in the home kelurahan the resident lives ("003"), if they said: what RW-wide
    # schedules and alerts are matched against. Never required.
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie: raising it ends them all (sign-out
    # everywhere, a new password, deactivation).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    home_kelurahan: Mapped[Kelurahan] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleAssignment.user_id"
    )

    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
        Index("ix_user_account_home_rw", "home_kelurahan_id", "rw"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: the id and the
        session version, so raising the version ends them all (app.auth checks it)."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def contact(self) -> str:
        return self.email or self.phone or ""

    def role_in(self, kelurahan: Kelurahan | None) -> RoleAssignment | None:
        if kelurahan is None:
            return None
        return next((r for r in self.roles if r.kelurahan_id == kelurahan.id), None)

    def has_role(self, kelurahan: Kelurahan | None, minimum: Role) -> bool:
        """Staff checks: admin_kota counts as admin everywhere."""
        if self.is_city_admin:
            return True
        assignment = self.role_in(kelurahan)
        return assignment is not None and Role(assignment.role).rank >= minimum.rank

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name!r}>"


class RoleAssignment(db.Model):
    """A user's role in one kelurahan, and whether staff verified them as a resident there."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.WARGA.value)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    kelurahan: Mapped[Kelurahan] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "kelurahan_id"),
        CheckConstraint("role IN ('warga', 'petugas', 'admin')", name="role_known"),
    )


class Group(TenantMixin, db.Model):
    """A community group (kelompok): the acting party for plugins (a product belongs to one)."""

    __tablename__ = "community_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    contact_whatsapp: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("kelurahan_id", "slug"),
        CheckConstraint(
            "kind IN ('umkm', 'pokdarwis', 'ksm_bank_sampah', 'pkk', 'karang_taruna', 'lainnya')",
            name="kind_known",
        ),
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def membership_of(self, user) -> GroupMember | None:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return next((m for m in self.members if m.user_id == user.id), None)

    def is_active_member(self, user) -> bool:
        member = self.membership_of(user)
        return member is not None and member.status == "active"

    def is_leader(self, user) -> bool:
        member = self.membership_of(user)
        return member is not None and member.status == "active" and member.role == "ketua"


class GroupMember(TenantMixin, db.Model):
    __tablename__ = "community_group_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="anggota")
    # invited: the leader asked them; requested: they asked to join; active: a member.
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    # `role` is ketua, anggota, or a group role a plugin declares (a KSM's `operator`);
    # the app checks it against those, so a new plugin needs no schema change.
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint("status IN ('invited', 'requested', 'active')", name="status_known"),
    )


class PluginState(db.Model):
    """Whether a plugin is switched on for one kelurahan, with its validated settings."""

    __tablename__ = "plugin_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    plugin_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("kelurahan_id", "plugin_id"),)


class PermissionGrant(db.Model):
    """A kelurahan admin's change to a permission's default grant: whether `role` holds
    `permission` there. `role` is a kelurahan role (warga, petugas, admin) or `group:<role>`
    for members of a group with that group role. Without a row the manifest's default holds."""

    __tablename__ = "permission_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    permission: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("kelurahan_id", "permission", "role"),)


class AuditEntry(db.Model):
    """Append-only record of a state-changing staff action: who, what, when, before/after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    message: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)


class OutboxMessage(db.Model):
    """Every message the default sender 'sends': readable by the city admin."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Delivery: a sender that only keeps the outbox leaves sent_at empty and error empty; a
    # failed delivery keeps its error for `flask kp outbox retry`.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The body kept here has its one-time secret masked, so it cannot be sent again.
    secret_masked: Mapped[bool] = mapped_column(default=False, server_default=false())


class PasswordReset(db.Model):
    """A one-time reset link. Only a hash of the token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Media(db.Model):
    """An uploaded image, already re-encoded without metadata (app.imaging)."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    relpath: Mapped[str] = mapped_column(String(255), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False while the item it shows is hidden or awaiting review: served only to those who
    # may see the item, never from a shared cache.
    public: Mapped[bool] = mapped_column(default=True, server_default=true())


class CitySetting(db.Model):
    """A plugin setting that holds for the whole city, changed only by the city admin (for
    example the address of the outside geocoder the server calls)."""

    __tablename__ = "city_setting"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SubmissionToken(db.Model):
    """The idempotency token a create form carries: a retried POST finds the first result
    instead of creating a second one."""

    __tablename__ = "submission_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


PLACE_KINDS = ("jalan", "rt_rw", "tempat")
PLACE_SOURCES = ("reference", "staff", "import")


class Place(db.Model):
    """An entry of the offline gazetteer (app.gazetteer): a street, an RT/RW area or a public
    place, with an optional representative point. City-wide reference places have no
    kelurahan; see app.tenancy.UNSCOPED_TABLES for why this is not a tenant model."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(160))
    # Lower-case, accent-free, "jl."/"jalan" and "RT 03/RW 05" spelled one way (app.gazetteer).
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="staff")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("kelurahan_id", "kind", "search_key"),
        CheckConstraint("kind IN ('jalan', 'rt_rw', 'tempat')", name="kind_known"),
        CheckConstraint("source IN ('reference', 'staff', 'import')", name="source_known"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="point_whole"),
    )


class PendingUpload(TenantMixin, db.Model):
    """A photo kept for a form that was refused (app.uploads): its Media is stored and not
    public, and only its uploader may claim it, in the same kelurahan and form, until the
    form is saved or `flask kp media gc` removes it a day later."""

    __tablename__ = "pending_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Which form it belongs to, e.g. "reports.new" or "umkm.product.12".
    form_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    media: Mapped[Media] = relationship()


class ContentFlag(TenantMixin, db.Model):
    """A person's flag on a plugin's item (a comment, a proposal): one per person and item.
    Unreviewed flags from people who count hide the item once they reach the plugin's
    threshold; staff review them when they restore or hide it (app.flags)."""

    __tablename__ = "content_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin_id: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # A key of app.flags.FLAG_REASONS.
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        UniqueConstraint("plugin_id", "target_type", "target_id", "user_id"),
        Index("ix_content_flag_target", "plugin_id", "target_type", "target_id"),
    )


class MetricSnapshot(db.Model):
    """One figure of one kelurahan for one month (`flask kp metrics snapshot`): what the
    plugin's `kp_dimension_metrics` said then, so trends survive data that changes later.
    A run in the same month replaces that month's figures; earlier months are never
    touched."""

    __tablename__ = "metric_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month (WIB)
    plugin_id: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))  # in Indonesian, as it read then
    value: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kelurahan_id", "month", "key", name="one_figure_per_month"),
        Index("ix_metric_snapshot_key_month", "key", "month"),
    )


class ApiKey(TenantMixin, db.Model):
    """A key a program sends to the JSON API (/api/v1) or a plugin's API (Open311) to act
    for one kelurahan, within its scopes (`ApiScope` keys such as `reports.write`, space
    separated). Only a SHA-256 hash and the first 8 characters are stored (app.apikeys);
    the key itself is shown once, when it is issued."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split() if self.scopes else []

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list
