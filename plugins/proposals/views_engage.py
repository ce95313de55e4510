"""Residents taking part: supporting a proposal (and withdrawing it), following it,
threaded comments, and flagging a comment (kit flags: enough residents hide it until staff
look). Each action is refused, with an Indonesian message and nothing stored, outside the
phase that allows it."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from app.kit import (
    EmptyForm,
    FlagForm,
    _l,
    add_flag,
    already_done,
    audit,
    db,
    get_or_404,
    is_verified_resident,
    limiter,
    login_required,
    parse_id,
    remember_result,
    saved_response,
    user_key,
    utcnow,
)

from .access import proposal_or_404, settings
from .blueprint import bp
from .changes import changed
from .forms import CommentForm
from .models import Action, Comment, Follow
from .phases import CLOSED_MESSAGES, state_of
from .supports import Outcome, add_support, follow, withdraw_support
from .views import render_proposal

NOT_RESIDENT = _l(
    "Hanya warga yang sudah diverifikasi sebagai penduduk kelurahan ini yang bisa mendukung "
    "usulan. Minta verifikasi ke petugas kelurahan."
)

SUPPORT_MESSAGES = {
    Outcome.ADDED: (_l("Dukungan Anda tercatat. Terima kasih!"), "success"),
    Outcome.ALREADY: (_l("Anda sudah mendukung usulan ini."), "info"),
    Outcome.LIMIT: (
        _l(
            "Dukungan Anda di siklus ini sudah habis. Tarik dukungan dari usulan lain bila "
            "ingin mendukung yang ini."
        ),
        "error",
    ),
    Outcome.CLOSED: (_l("Usulan ini tidak lagi menerima dukungan."), "error"),
    Outcome.REMOVED: (_l("Dukungan Anda ditarik."), "success"),
    Outcome.NOT_SUPPORTED: (_l("Anda belum mendukung usulan ini."), "info"),
}


def _back(proposal, anchor: str = ""):
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id) + anchor)


def _refused(proposal, message, status: int):
    flash(str(message), "error")
    return render_proposal(proposal, status)


def _checked_form():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)


def _support_refusal(proposal):
    """The reason this resident may not support or withdraw now, or None."""
    if not is_verified_resident():
        return NOT_RESIDENT, 403
    if not state_of(proposal.cycle).allows(Action.SUPPORT):
        return CLOSED_MESSAGES[Action.SUPPORT], 409
    return None


@bp.post("/<int:proposal_id>/dukung")
@login_required
@limiter.limit("120 per hour", key_func=user_key)
def support(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    _checked_form()
    if (refusal := _support_refusal(proposal)) is not None:
        return _refused(proposal, *refusal)
    if not proposal.is_open:
        return _refused(proposal, SUPPORT_MESSAGES[Outcome.CLOSED][0], 409)
    outcome = add_support(proposal, current_user.id, proposal.cycle.supports_per_resident)
    message, category = SUPPORT_MESSAGES[outcome]
    if outcome in (Outcome.LIMIT, Outcome.CLOSED):
        return _refused(proposal, message, 409)
    flash(str(message), category)
    if outcome == Outcome.ADDED:
        changed("supported", proposal_id=proposal.id)
    return _back(proposal, "#dukungan")


@bp.post("/<int:proposal_id>/tarik-dukungan")
@login_required
@limiter.limit("120 per hour", key_func=user_key)
def withdraw(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    _checked_form()
    if (refusal := _support_refusal(proposal)) is not None:
        return _refused(proposal, *refusal)
    outcome = withdraw_support(proposal, current_user.id)
    message, category = SUPPORT_MESSAGES[outcome]
    if outcome == Outcome.CLOSED:
        return _refused(proposal, message, 409)
    flash(str(message), category)
    if outcome == Outcome.REMOVED:
        changed("support_withdrawn", proposal_id=proposal.id)
    return _back(proposal, "#dukungan")


@bp.post("/<int:proposal_id>/ikuti")
@login_required
def follow_toggle(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    _checked_form()
    if follow(proposal.id, current_user.id):
        flash(_("Anda mengikuti usulan ini: kabar perubahannya dikirim ke Anda."), "success")
    else:
        db.session.execute(
            delete(Follow)
            .where(Follow.proposal_id == proposal.id, Follow.user_id == current_user.id)
            .execution_options(synchronize_session=False)
        )
        flash(_("Anda berhenti mengikuti usulan ini."), "success")
    db.session.commit()
    return _back(proposal)


# -- comments ----------------------------------------------------------------------------------


@bp.post("/<int:proposal_id>/komentar")
@login_required
@limiter.limit("30 per hour", key_func=user_key, deduct_when=saved_response)
def comment(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    form = CommentForm()
    if (done := already_done(form)) is not None:
        return done
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Komentar belum terkirim. Periksa isiannya."), "error")
        return render_proposal(proposal, 422, comment_form=form)
    if not state_of(proposal.cycle).allows(Action.COMMENT):
        return _refused(proposal, CLOSED_MESSAGES[Action.COMMENT], 409)
    parent_id = None
    if form.parent_id.data:
        parent = db.session.execute(
            select(Comment).where(
                Comment.id == parse_id(form.parent_id.data), Comment.proposal_id == proposal.id
            )
        ).scalar_one_or_none()
        if parent is None or parent.is_hidden:
            flash(_("Komentar yang Anda balas tidak ditemukan."), "error")
            return render_proposal(proposal, 422, comment_form=form)
        # One level of replies: a reply to a reply joins its thread.
        parent_id = parent.parent_id or parent.id
    db.session.add(
        Comment(
            proposal_id=proposal.id,
            parent_id=parent_id,
            user_id=current_user.id,
            body=form.body.data,
        )
    )
    follow(proposal.id, current_user.id)
    remember_result(form, url_for("proposals.proposal", proposal_id=proposal.id) + "#komentar")
    db.session.commit()
    flash(_("Komentar Anda terkirim."), "success")
    return _back(proposal, "#komentar")


@bp.post("/komentar/<int:comment_id>/tandai")
@login_required
def flag_comment(comment_id: int):
    found = get_or_404(Comment, comment_id)
    proposal = proposal_or_404(found.proposal_id)
    if found.is_hidden:
        flash(_("Komentar ini sudah disembunyikan dan menunggu tinjauan petugas."), "info")
        return _back(proposal, "#komentar")
    form = FlagForm()
    outcome = add_flag(
        "proposals",
        "comment",
        found.id,
        owner_id=found.user_id,
        threshold=int(settings()["comment_flag_threshold"]),
        form=form,
    )
    if outcome.status == "limited":
        flash(str(outcome.message), outcome.category)
        return render_proposal(proposal, 429)
    if outcome.status == "invalid":
        flash(str(outcome.message), outcome.category)
        return render_proposal(proposal, 422, flag_form=form)
    if outcome.reached:
        found.hidden_at = utcnow()
        found.hidden_reason = str(
            _l("Disembunyikan otomatis setelah %(n)s tanda dari warga", n=outcome.flaggers)
        )
        entry = audit(
            "proposals.comment_hidden",
            "proposals_comment",
            found.id,
            kelurahan=g.kelurahan,
            after={"hidden": True, "flags": outcome.flaggers},
        )
        entry.actor_id = None  # the system hid it, not the last resident who flagged it
    db.session.commit()
    flash(str(outcome.message), outcome.category)
    return _back(proposal, "#komentar")
