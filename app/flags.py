"""Content flags: residents mark a plugin's item (a comment, a proposal) as inappropriate.

One flag per person and item, in the `content_flag` table, keyed by (plugin id, target type,
target id). The core records flags, refuses the ones that must not count (one's own item, a
second flag, too many flags in an hour) and counts the people behind an item's unreviewed
flags; the plugin owns its item and decides what hiding means for it:

    outcome = kit.add_flag("proposals", "comment", comment.id,
                           owner_id=comment.user_id, threshold=3)
    if outcome.reached:          # this flag is the one that hides the comment
        comment.hidden_at = kit.utcnow()
        kit.audit("proposals.comment_auto_hidden", "proposals_comment", comment.id, ...)
    db.session.commit()          # add_flag never commits
    flash(outcome.message, outcome.category)

Staff who restore or hide a flagged item call `review_flags(...)`: its flags are then
reviewed, leave the staff queue (`flag_queue`) and no longer count; new flags start over.
Everything here is tenant-scoped: it runs inside a kelurahan (a request under /k/<slug>/,
or `scoped_to`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from limits import parse as parse_limit
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from wtforms import SelectField
from wtforms.validators import DataRequired

from .extensions import db, limiter
from .forms import INVALID_CHOICE, choices
from .models import ContentFlag, Role, RoleAssignment, User, utcnow
from .queries import count_and_oldest

log = logging.getLogger(__name__)

# Why a person flags an item, in the order the select shows them; the key is stored in
# ContentFlag.reason. The same keys and words as the reports plugin's flags.
FLAG_REASONS: tuple[tuple[str, object], ...] = (
    ("spam", _l("Spam atau iklan")),
    ("kasar", _l("Kasar atau menyinggung")),
    ("data_pribadi", _l("Memuat data pribadi")),
    ("tidak_pantas", _l("Tidak pantas")),
    ("lainnya", _l("Lainnya")),
)

# Flags per account and hour, every plugin's together; counted when a flag is recorded.
FLAG_LIMIT = parse_limit("10 per hour")
FLAG_LIMIT_SCOPE = "kp-flag"

STATUSES = ("added", "already", "own", "invalid", "limited")


class FlagForm(FlaskForm):
    """Why the item is flagged: one of FLAG_REASONS (render it with macros/flags.html)."""

    reason = SelectField(
        _l("Alasan"),
        choices=choices(FLAG_REASONS),
        validators=[DataRequired(_l("Pilih alasan menandai."))],
        invalid_choice_message=INVALID_CHOICE,
    )


@dataclass(frozen=True)
class FlagOutcome:
    """What `add_flag` did.

    `status`: "added" (recorded), "already" (this person flagged it before), "own" (their own
    item), "invalid" (no valid reason chosen), "limited" (too many flags in the past hour).
    `flaggers`: different people who count (verified residents of the kelurahan, its staff,
    the city admin) with unreviewed flags on the item, after this one; 0 when the status is
    "own", "invalid" or "limited" (nothing was looked at).
    `reached`: the flag was added and `flaggers` reached the threshold: the caller hides the
    item now (later flags on a hidden item report `reached` again; hide only what is shown).
    """

    status: str
    flaggers: int = 0
    reached: bool = False

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown flag outcome {self.status!r}")

    @property
    def message(self) -> str:
        """The sentence to flash, in the reader's language."""
        if self.status == "added":
            if self.reached:
                return _("Terima kasih. Tulisan ini disembunyikan sampai ditinjau petugas.")
            return _("Terima kasih. Petugas akan meninjau tanda dari Anda.")
        if self.status == "already":
            return _("Anda sudah menandai ini. Petugas akan meninjaunya.")
        if self.status == "own":
            return _("Anda tidak dapat menandai tulisan Anda sendiri.")
        if self.status == "invalid":
            return _("Pilih alasan menandai.")
        return _(
            "Anda sudah terlalu banyak menandai dalam satu jam. Silakan coba lagi nanti; "
            "tanda Anda sebelumnya tetap tercatat."
        )

    @property
    def category(self) -> str:
        """The flash category: "success", "info" or "error"."""
        if self.status == "added":
            return "success"
        if self.status in ("already", "own"):
            return "info"
        return "error"


# -- the rate limit ----------------------------------------------------------------------------


def _limit_reached(user_id: int) -> bool:
    if not (limiter.enabled and limiter.initialized):
        return False
    try:
        return not limiter.limiter.test(FLAG_LIMIT, FLAG_LIMIT_SCOPE, str(user_id))
    except Exception:  # the limiter's storage is down: do not block residents for it
        log.warning("rate-limit storage failed", exc_info=True)
        return False


def _count_towards_limit(user_id: int) -> None:
    if not (limiter.enabled and limiter.initialized):
        return
    try:
        limiter.limiter.hit(FLAG_LIMIT, FLAG_LIMIT_SCOPE, str(user_id))
    except Exception:
        log.warning("rate-limit storage failed", exc_info=True)


# -- recording a flag --------------------------------------------------------------------------


def _target(plugin_id: str, target_type: str, target_id: int) -> tuple:
    return (
        ContentFlag.plugin_id == plugin_id,
        ContentFlag.target_type == target_type,
        ContentFlag.target_id == target_id,
    )


def counting_flaggers(plugin_id: str, target_type: str, target_id: int) -> int:
    """Different people whose unreviewed flags on the item count: verified residents of the
    flag's kelurahan, its staff and the city admin. Other flags are kept for moderators but
    hide nothing, so throw-away accounts from elsewhere cannot take an item down."""
    role = aliased(RoleAssignment)
    qualified = or_(
        role.verified_at.is_not(None),
        role.role.in_((Role.PETUGAS.value, Role.ADMIN.value)),
        User.is_city_admin.is_(True),
    )
    return (
        db.session.scalar(
            select(func.count(func.distinct(ContentFlag.user_id)))
            .join(User, User.id == ContentFlag.user_id)
            .outerjoin(
                role,
                and_(role.user_id == User.id, role.kelurahan_id == ContentFlag.kelurahan_id),
            )
            .where(*_target(plugin_id, target_type, target_id))
            .where(ContentFlag.reviewed_at.is_(None), qualified)
        )
        or 0
    )


def _has_flagged(plugin_id: str, target_type: str, target_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(ContentFlag.id)
            .where(*_target(plugin_id, target_type, target_id), ContentFlag.user_id == user_id)
            .limit(1)
        )
        is not None
    )


def add_flag(
    plugin_id: str,
    target_type: str,
    target_id: int,
    *,
    owner_id: int | None,
    threshold: int,
    form: FlagForm | None = None,
) -> FlagOutcome:
    """Record the signed-in person's flag on an item of `plugin_id` in the current kelurahan.

    Call it from the plugin's POST view (behind `login_required`) for an item the person
    may see. `form` is a `FlagForm` (a fresh one from the request by default); a failed CSRF
    check answers 400. Refused, in this order: no valid reason ("invalid"), the person's own
    item, `owner_id` ("own"), a second flag on the same item, also from a double click that
    races the first ("already"), and more than 10 flags in an hour from the account, every
    plugin's together ("limited"; nothing is added).

    The flag is flushed, not committed. The caller then, in the same transaction: hides its
    item when `outcome.reached` (and records that in the audit log, with no actor: the
    residents hid it, not the last one), and commits. `outcome.message` and
    `outcome.category` are what to flash. A racing duplicate rolls back only its own
    savepoint: whatever else the caller added to the session is kept.
    """
    if not current_user.is_authenticated:
        abort(401)
    form = form if form is not None else FlagForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return FlagOutcome("invalid")
    user_id = current_user.id
    if owner_id is not None and owner_id == user_id:
        return FlagOutcome("own")
    if _has_flagged(plugin_id, target_type, target_id, user_id):
        return FlagOutcome("already", counting_flaggers(plugin_id, target_type, target_id))
    if _limit_reached(user_id):
        return FlagOutcome("limited")
    try:
        with db.session.begin_nested():
            db.session.add(
                ContentFlag(
                    plugin_id=plugin_id,
                    target_type=target_type,
                    target_id=target_id,
                    user_id=user_id,
                    reason=form.reason.data,
                )
            )
    except IntegrityError:  # a double click raced us: the first flag is there
        return FlagOutcome("already", counting_flaggers(plugin_id, target_type, target_id))
    _count_towards_limit(user_id)
    flaggers = counting_flaggers(plugin_id, target_type, target_id)
    return FlagOutcome("added", flaggers, flaggers >= threshold)


# -- reading and reviewing flags ---------------------------------------------------------------


def unreviewed_flags(
    plugin_id: str, target_type: str, ids: Iterable[int]
) -> dict[int, list[ContentFlag]]:
    """The unreviewed flags of each item in `ids` (oldest first), in one query, for a staff
    page; items without any are absent from the answer."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    found: dict[int, list[ContentFlag]] = {}
    rows = db.session.execute(
        select(ContentFlag)
        .where(
            ContentFlag.plugin_id == plugin_id,
            ContentFlag.target_type == target_type,
            ContentFlag.target_id.in_(wanted),
            ContentFlag.reviewed_at.is_(None),
        )
        .order_by(ContentFlag.created_at, ContentFlag.id)
    ).scalars()
    for flag in rows:
        found.setdefault(flag.target_id, []).append(flag)
    return found


def flagged_by(
    user_id: int | None, plugin_id: str, target_type: str, ids: Iterable[int]
) -> set[int]:
    """Which items in `ids` the person has flagged (reviewed or not: they cannot flag an item
    twice), in one query; none for a visitor (`user_id` None)."""
    wanted = {int(i) for i in ids}
    if user_id is None or not wanted:
        return set()
    return set(
        db.session.execute(
            select(ContentFlag.target_id).where(
                ContentFlag.plugin_id == plugin_id,
                ContentFlag.target_type == target_type,
                ContentFlag.target_id.in_(wanted),
                ContentFlag.user_id == user_id,
            )
        ).scalars()
    )


def review_flags(plugin_id: str, target_type: str, target_id: int, *, reviewer_id: int) -> int:
    """Mark the item's unreviewed flags reviewed by staff member `reviewer_id` (when they
    restore it, hide it or delete it); returns how many. Not committed: the caller commits
    with the change it made. Reviewed flags no longer count and leave the staff queue."""
    done = db.session.execute(
        update(ContentFlag)
        .where(*_target(plugin_id, target_type, target_id), ContentFlag.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by_id=reviewer_id)
        .execution_options(synchronize_session="fetch")
    )
    return done.rowcount or 0


def flag_queue(plugin_id: str) -> tuple[int, datetime | None]:
    """(items with unreviewed flags, time of the oldest such flag) of the plugin in the
    current kelurahan, in one statement: the size and age of a staff task."""
    per_item = (
        select(ContentFlag.target_type)
        .where(ContentFlag.plugin_id == plugin_id, ContentFlag.reviewed_at.is_(None))
        .group_by(ContentFlag.target_type, ContentFlag.target_id)
    )
    return count_and_oldest(per_item, func.min(ContentFlag.created_at))
