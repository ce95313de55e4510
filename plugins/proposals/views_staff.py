"""Staff holding `proposals.review`: the verification queue, accepting, declining (with a
public reason) or merging a proposal, recording the meeting's result for each, the meeting
page's details and minutes, and moderating comments. Every change is audited, kept in the
proposal's public history and told to its author and followers."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    WIB,
    ContentFlag,
    EmptyForm,
    _l,
    audit,
    begin_write,
    db,
    form_status,
    get_or_404,
    login_required,
    parse_id,
    review_flags,
    rupiah,
    unreviewed_flags,
    utcnow,
)

from . import changes
from .access import can_review, current_cycle, cycle_or_404, proposal_or_404
from .blueprint import bp
from .forms import RESULT_LABELS, MeetingForm, ResultForm, ReviewForm
from .models import OPEN_STATUSES, Comment, Meeting, PhaseKind, Proposal, Result, Status
from .phases import has_reached, state_of
from .supports import merge_supports
from .views import STATUS_LABELS, render_proposal


def _require_review():
    if not can_review():
        abort(404)


def _checked(form) -> bool:
    """validate_on_submit, with a failed CSRF check answered 400."""
    ok = form.validate_on_submit()
    if not ok and "csrf_token" in form.errors:
        abort(400)
    return ok


def merge_choices(proposal: Proposal) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Proposal.id, Proposal.title)
        .where(
            Proposal.cycle_id == proposal.cycle_id,
            Proposal.id != proposal.id,
            Proposal.status.in_(OPEN_STATUSES),
        )
        .order_by(Proposal.title, Proposal.id)
    ).all()
    return [(str(pid), f"#{pid} {title}") for pid, title in rows]


def review_form(proposal: Proposal, formdata=True) -> ReviewForm:
    form = ReviewForm() if formdata else ReviewForm(formdata=None)
    form.merge_into.choices = [("", _l("— pilih usulan —")), *merge_choices(proposal)]
    return form


@bp.get("/tinjau")
@login_required
def review_queue():
    _require_review()
    cycle = current_cycle()
    waiting, flagged = [], []
    if cycle is not None:
        waiting = list(
            db.session.execute(
                select(Proposal)
                .where(Proposal.cycle_id == cycle.id, Proposal.status == Status.SUBMITTED.value)
                .options(selectinload(Proposal.author), selectinload(Proposal.group))
                .order_by(Proposal.support_count.desc(), Proposal.id)
            ).scalars()
        )
    flagged_ids = select(ContentFlag.target_id).where(
        ContentFlag.plugin_id == "proposals",
        ContentFlag.target_type == "comment",
        ContentFlag.reviewed_at.is_(None),
    )
    comments = list(
        db.session.execute(
            select(Comment)
            .where(Comment.hidden_at.is_not(None) | Comment.id.in_(flagged_ids))
            .options(selectinload(Comment.user))
            .order_by(Comment.created_at.desc())
            .limit(50)
        ).scalars()
    )
    flags = unreviewed_flags("proposals", "comment", [c.id for c in comments])
    flagged = [(c, flags.get(c.id, [])) for c in comments]
    return render_template(
        "proposals/review.html",
        cycle=cycle,
        waiting=waiting,
        flagged=flagged,
        state=state_of(cycle) if cycle else None,
        action_form=EmptyForm(),
    )


@bp.post("/<int:proposal_id>/tinjau")
@login_required
def review(proposal_id: int):
    _require_review()
    proposal = proposal_or_404(proposal_id)
    form = review_form(proposal)
    if not _checked(form):
        flash(_("Keputusan belum disimpan. Periksa isiannya."), "error")
        return render_proposal(proposal, 422, review_form=form)
    if not proposal.is_open:
        flash(_("Usulan ini sudah tidak dalam proses: keputusannya tidak bisa diubah."), "error")
        return render_proposal(proposal, 409, review_form=form)
    decision = form.decision.data
    before = {"status": proposal.status}
    begin_write()
    if decision == "merge":
        target_id = parse_id(form.merge_into.data)
        target = db.session.execute(
            select(Proposal).where(
                Proposal.id == target_id,
                Proposal.cycle_id == proposal.cycle_id,
                Proposal.id != proposal.id,
                Proposal.status.in_(OPEN_STATUSES),
            )
        ).scalar_one_or_none()
        if target is None:
            db.session.rollback()
            form.merge_into.errors = [
                *form.merge_into.errors,
                _l("Pilih usulan tujuan yang masih dalam proses."),
            ]
            return render_proposal(proposal_or_404(proposal_id), 422, review_form=form)
        proposal.status = Status.MERGED.value
        proposal.merged_into_id = target.id
        proposal.status_reason = form.reason.data or ""
        db.session.flush()
        moved, refunded = merge_supports(proposal, target)
        changes.history(proposal, changes.MERGED, f"#{target.id} {target.title}")
        changes.history(target, changes.MERGED_IN, f"#{proposal.id} {proposal.title}")
        changes.audited(
            "merged",
            proposal,
            before=before,
            after={
                "status": proposal.status,
                "into": target.id,
                "moved": moved,
                "refunded": refunded,
            },
        )
        message = _l(
            "Usulan “%(title)s” digabung ke usulan “%(target)s”; dukungannya ikut pindah.",
            title=proposal.title,
            target=target.title,
        )
        changes.tell(proposal, message)
        changes.tell(
            target,
            _l(
                "Usulan “%(other)s” digabung ke usulan “%(title)s”.",
                other=proposal.title,
                title=target.title,
            ),
        )
    elif decision == "accept":
        proposal.status = Status.ACCEPTED.value
        proposal.status_reason = form.reason.data or ""
        changes.history(proposal, changes.ACCEPTED, proposal.status_reason)
        changes.audited("accepted", proposal, before=before, after={"status": proposal.status})
        changes.tell(
            proposal,
            _l("Usulan “%(title)s” diterima untuk agenda musyawarah.", title=proposal.title),
        )
    else:
        proposal.status = Status.REJECTED.value
        proposal.status_reason = form.reason.data
        changes.history(proposal, changes.REJECTED, proposal.status_reason)
        changes.audited(
            "rejected",
            proposal,
            before=before,
            after={"status": proposal.status, "reason": proposal.status_reason},
        )
        changes.tell(
            proposal,
            _l(
                "Usulan “%(title)s” tidak diterima: %(reason)s",
                title=proposal.title,
                reason=proposal.status_reason,
            ),
        )
    db.session.commit()
    changes.changed("reviewed", proposal_id=proposal.id, decision=decision)
    flash(_("Keputusan disimpan: %(status)s.", status=STATUS_LABELS[proposal.status]), "success")
    back = request.form.get("kembali") == "antrean"
    return redirect(
        url_for("proposals.review_queue")
        if back
        else url_for("proposals.proposal", proposal_id=proposal.id)
    )


@bp.post("/<int:proposal_id>/hasil")
@login_required
def record_result(proposal_id: int):
    _require_review()
    proposal = proposal_or_404(proposal_id)
    form = ResultForm()
    if not _checked(form):
        flash(_("Hasil belum disimpan. Periksa isiannya."), "error")
        return render_proposal(proposal, 422, result_form=form)
    if not has_reached(proposal.cycle, PhaseKind.MEETING):
        flash(_("Hasil dicatat mulai tahap musyawarah."), "error")
        return render_proposal(proposal, 409, result_form=form)
    if proposal.status in (Status.MERGED, Status.WITHDRAWN):
        flash(_("Usulan yang digabung atau ditarik tidak punya hasil sendiri."), "error")
        return render_proposal(proposal, 409, result_form=form)
    before = {
        "result": proposal.result,
        "rank": proposal.result_rank,
        "amount": proposal.result_amount,
    }
    proposal.result = form.result.data
    prioritised = proposal.result == Result.PRIORITISED.value
    proposal.result_rank = form.rank.data if prioritised else None
    proposal.result_amount = (
        form.amount.amount if prioritised or form.amount.amount is not None else None
    )
    proposal.result_note = form.note.data or ""
    after = {
        "result": proposal.result,
        "rank": proposal.result_rank,
        "amount": proposal.result_amount,
    }
    label = str(RESULT_LABELS[Result(proposal.result)])
    if prioritised:
        label = _(
            "prioritas ke-%(n)s, %(amount)s",
            n=proposal.result_rank,
            amount=rupiah(proposal.result_amount),
        )
    changes.history(proposal, changes.RESULT, label)
    changes.audited("result", proposal, before=before, after=after)
    changes.tell(
        proposal,
        _l(
            "Hasil musyawarah untuk usulan “%(title)s”: %(result)s.",
            title=proposal.title,
            result=label,
        ),
    )
    db.session.commit()
    changes.changed("result", proposal_id=proposal.id)
    flash(_("Hasil disimpan."), "success")
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id))


# -- the meeting -------------------------------------------------------------------------------


@bp.route("/siklus/<int:cycle_id>/musyawarah/ubah", methods=["GET", "POST"])
@login_required
def edit_meeting(cycle_id: int):
    _require_review()
    cycle = cycle_or_404(cycle_id)
    meeting = cycle.meeting
    form = MeetingForm()
    if not form.is_submitted() and meeting is not None:
        local = meeting.starts_at.astimezone(WIB)
        form.day.data, form.time.data = local.date(), local.time()
        form.place_name.data = meeting.place_name
        form.lat.data, form.lng.data = str(meeting.lat), str(meeting.lng)
        form.minutes.data = meeting.minutes
        form.attendees.data = meeting.attendees
        form.women_attendees.data = meeting.women_attendees
    if _checked(form):
        created = meeting is None
        if created:
            meeting = Meeting(cycle_id=cycle.id)
            db.session.add(meeting)
        before = (
            None
            if created
            else {"starts_at": meeting.starts_at.isoformat(), "attendees": meeting.attendees}
        )
        meeting.starts_at = form.starts_at()
        meeting.place_name = form.place_name.data
        meeting.lat, meeting.lng = form.location
        meeting.minutes = form.minutes.data or ""
        meeting.attendees = form.attendees.data
        meeting.women_attendees = form.women_attendees.data
        db.session.flush()
        audit(
            "proposals.meeting_saved",
            "proposals_cycle",
            cycle.id,
            kelurahan=g.kelurahan,
            before=before,
            after={
                "starts_at": meeting.starts_at.isoformat(),
                "attendees": meeting.attendees,
                "women_attendees": meeting.women_attendees,
                "minutes": bool(meeting.minutes),
            },
        )
        db.session.commit()
        changes.changed("meeting_saved", cycle_id=cycle.id)
        flash(_("Data musyawarah disimpan."), "success")
        return redirect(url_for("proposals.meeting", cycle_id=cycle.id))
    return render_template("proposals/meeting_form.html", form=form, cycle=cycle), form_status()


# -- comments ----------------------------------------------------------------------------------


def _after_moderation(comment: Comment):
    if request.form.get("kembali") == "antrean":
        return redirect(url_for("proposals.review_queue"))
    return redirect(url_for("proposals.proposal", proposal_id=comment.proposal_id) + "#komentar")


def _comment_for_staff(comment_id: int) -> Comment:
    _require_review()
    comment = get_or_404(Comment, comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return comment


@bp.post("/komentar/<int:comment_id>/sembunyikan")
@login_required
def hide_comment(comment_id: int):
    comment = _comment_for_staff(comment_id)
    if not comment.is_hidden:
        comment.hidden_at = utcnow()
        comment.hidden_reason = str(_l("Disembunyikan petugas"))
    review_flags("proposals", "comment", comment.id, reviewer_id=current_user.id)
    audit("proposals.comment_hidden", "proposals_comment", comment.id, kelurahan=g.kelurahan)
    db.session.commit()
    flash(_("Komentar disembunyikan."), "success")
    return _after_moderation(comment)


@bp.post("/komentar/<int:comment_id>/tampilkan")
@login_required
def restore_comment(comment_id: int):
    comment = _comment_for_staff(comment_id)
    comment.hidden_at = None
    comment.hidden_reason = ""
    review_flags("proposals", "comment", comment.id, reviewer_id=current_user.id)
    audit("proposals.comment_restored", "proposals_comment", comment.id, kelurahan=g.kelurahan)
    db.session.commit()
    flash(_("Komentar ditampilkan lagi."), "success")
    return _after_moderation(comment)
