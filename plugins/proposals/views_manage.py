"""Writing proposals (submit, edit until the support phase, withdraw, carry over to the
next cycle) and running cycles (open one with its dated phases and their actions, change
it, pin the current phase by hand).

Every form saves all or nothing: a refused POST keeps what was typed and the photos chosen
(kit.PhotoUploads), and stores no row."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.kit import (
    EmptyForm,
    Media,
    PhotoUploads,
    _l,
    already_done,
    audit,
    db,
    form_status,
    is_verified_resident,
    limiter,
    login_required,
    notify_holders,
    remember_result,
    remove_media_files,
    saved_response,
    set_media_public,
    user_key,
)

from . import changes
from .access import (
    REVIEW,
    can_manage,
    can_review,
    current_cycle,
    cycle_or_404,
    cycles,
    is_author,
    my_groups,
    proposal_or_404,
    settings,
)
from .blueprint import bp
from .forms import CATEGORIES, MAX_PHOTOS, CycleForm, PhaseForm, ProposalForm
from .models import PHASE_ORDER, Action, Cycle, PhaseKind, Proposal, ProposalPhoto, Result, Status
from .phases import CLOSED_MESSAGES, PHASE_LABELS, default_phase, has_reached, state_of

THUMB_SIDE = 480


def _commit_or_clean(stored: list[Media], form=None, result_url: str = "") -> None:
    try:
        if form is not None:
            remember_result(form, result_url)
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise


def _centre():
    k = g.kelurahan
    return (k.lat, k.lng) if k.lat is not None and k.lng is not None else None


def _proposal_form(cycle: Cycle, proposal: Proposal | None) -> ProposalForm:
    form = ProposalForm(obj=None, existing_photos=len(proposal.photos) if proposal else 0)
    if proposal is not None and not form.is_submitted():
        form.title.data = proposal.title
        form.category.data = proposal.category
        form.problem.data = proposal.problem
        form.solution.data = proposal.solution
        form.beneficiaries.data = proposal.beneficiaries
        form.estimated_cost.data = f"{proposal.estimated_cost}"
        form.rt.data, form.rw.data = proposal.rt, proposal.rw
        form.lat.data, form.lng.data = str(proposal.lat), str(proposal.lng)
    if proposal is None:
        form.setup(cycle.categories, my_groups(), allow_self=is_verified_resident())
    else:
        form.setup(cycle.categories, [], allow_self=True)
        del form.group  # the author of a proposal does not change
    return form


def _valid(form: ProposalForm) -> bool:
    ok = form.validate_on_submit()
    radius = int(settings()["area_radius_m"])
    return form.check_area(_centre(), radius) and ok if form.is_submitted() else False


def _fill(proposal: Proposal, form: ProposalForm) -> None:
    proposal.title = form.title.data
    proposal.category = form.category.data
    proposal.problem = form.problem.data
    proposal.solution = form.solution.data
    proposal.beneficiaries = form.beneficiaries.data
    proposal.estimated_cost = form.estimated_cost.amount
    proposal.rt, proposal.rw = form.rt_value, form.rw_value
    proposal.lat, proposal.lng = form.location


def _photo_uploads(form: ProposalForm, form_key: str) -> PhotoUploads:
    return PhotoUploads(
        form.photos,
        form_key,
        max_count=MAX_PHOTOS - form.existing_photos,
        subdir="proposals",
        too_many=form.too_many_photos,
    )


def _add_photos(proposal: Proposal, photos: PhotoUploads, stored: list[Media]) -> bool:
    """Attach the chosen photos after the existing ones, each with a thumbnail; False (with
    the field error) when one is refused."""

    def add(full: Media, thumb: Media, position: int) -> None:
        proposal.photos.append(ProposalPhoto(media=full, thumb=thumb, position=position))

    if not photos.attach(add, start=len(proposal.photos), thumb_side=THUMB_SIDE, stored=stored):
        return False
    # A proposal is public from submission: so are its photos (kept ones were private).
    set_media_public([m for p in proposal.photos for m in (p.media, p.thumb)], True)
    return True


def _submit_refusal(cycle: Cycle | None):
    if cycle is None or not state_of(cycle).allows(Action.SUBMIT):
        return CLOSED_MESSAGES[Action.SUBMIT]
    if not (is_verified_resident() or my_groups()):
        return _l(
            "Usulan diajukan oleh warga yang sudah diverifikasi sebagai penduduk kelurahan ini, "
            "atau atas nama kelompok yang sudah diverifikasi. Minta verifikasi ke petugas "
            "kelurahan."
        )
    return None


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_proposal():
    cycle = current_cycle()
    if (refusal := _submit_refusal(cycle)) is not None:
        return render_template("proposals/closed.html", message=refusal, cycle=cycle), 403
    form = _proposal_form(cycle, None)
    photos = _photo_uploads(form, "proposals.new")
    if (done := already_done(form)) is not None:
        return done
    valid = _valid(form)
    if photos.receive(form) and valid:
        group = form.chosen_group
        proposal = Proposal(
            cycle_id=cycle.id,
            author_id=current_user.id,
            group_id=group.id if group else None,
            status=Status.SUBMITTED.value,
        )
        _fill(proposal, form)
        stored: list[Media] = []
        if _add_photos(proposal, photos, stored):
            db.session.add(proposal)
            db.session.flush()
            changes.history(proposal, changes.SUBMITTED)
            changes.audited("submitted", proposal)
            db.session.flush()
            from .supports import follow

            follow(proposal.id, current_user.id)
            notify_holders(
                REVIEW,
                _l(
                    "Usulan baru “%(title)s” di %(cycle)s.", title=proposal.title, cycle=cycle.title
                ),
                url=url_for("proposals.proposal", proposal_id=proposal.id),
            )
            _commit_or_clean(stored, form, url_for("proposals.proposal", proposal_id=proposal.id))
            changes.changed("submitted", proposal_id=proposal.id)
            flash(
                _("Usulan Anda diajukan. Ajak tetangga mendukungnya pada tahap dukungan."),
                "success",
            )
            return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
        db.session.rollback()
        remove_media_files(stored)
    return render_template(
        "proposals/proposal_form.html", form=form, proposal=None, cycle=cycle, max_photos=MAX_PHOTOS
    ), form_status()


def _editable(proposal: Proposal) -> bool:
    state = state_of(proposal.cycle)
    return (
        proposal.status == Status.SUBMITTED
        and state.allows(Action.EDIT)
        and not has_reached(proposal.cycle, PhaseKind.SUPPORT)
    )


@bp.route("/<int:proposal_id>/ubah", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_proposal(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    if not is_author(proposal):
        abort(404)
    if not _editable(proposal):
        return render_template(
            "proposals/closed.html", message=CLOSED_MESSAGES[Action.EDIT], cycle=proposal.cycle
        ), 409
    form = _proposal_form(proposal.cycle, proposal)
    photos = _photo_uploads(form, f"proposals.{proposal.id}")
    valid = _valid(form)
    if photos.receive(form) and valid:
        before = {"title": proposal.title, "estimated_cost": proposal.estimated_cost}
        _fill(proposal, form)
        stored: list[Media] = []
        if _add_photos(proposal, photos, stored):
            changes.history(proposal, changes.EDITED)
            changes.audited(
                "edited",
                proposal,
                before=before,
                after={"title": proposal.title, "estimated_cost": proposal.estimated_cost},
            )
            _commit_or_clean(stored)
            changes.changed("edited", proposal_id=proposal.id)
            flash(_("Usulan disimpan."), "success")
            return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
        db.session.rollback()
        remove_media_files(stored)
        proposal = proposal_or_404(proposal_id)
    return render_template(
        "proposals/proposal_form.html",
        form=form,
        proposal=proposal,
        cycle=proposal.cycle,
        max_photos=MAX_PHOTOS,
    ), form_status()


@bp.post("/<int:proposal_id>/foto/<int:photo_id>/hapus")
@login_required
def delete_photo(proposal_id: int, photo_id: int):
    proposal = proposal_or_404(proposal_id)
    if not is_author(proposal) or not EmptyForm().validate_on_submit():
        abort(404 if not is_author(proposal) else 400)
    if not _editable(proposal):
        flash(str(CLOSED_MESSAGES[Action.EDIT]), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
    photo = next((p for p in proposal.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    proposal.photos.remove(photo)
    for position, rest in enumerate(proposal.photos):
        rest.position = position
    db.session.commit()
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("proposals.edit_proposal", proposal_id=proposal.id))


@bp.post("/<int:proposal_id>/tarik")
@login_required
def withdraw_proposal(proposal_id: int):
    """The author takes the proposal back while it may still be edited."""
    proposal = proposal_or_404(proposal_id)
    if not is_author(proposal):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not _editable(proposal):
        flash(str(CLOSED_MESSAGES[Action.EDIT]), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id)), 303
    proposal.status = Status.WITHDRAWN.value
    changes.history(proposal, changes.WITHDRAWN)
    changes.audited("withdrawn", proposal)
    db.session.commit()
    changes.changed("withdrawn", proposal_id=proposal.id)
    flash(_("Usulan ditarik."), "success")
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id))


CARRYABLE = (Status.REJECTED.value,)


def carry_target(proposal: Proposal) -> Cycle | None:
    """The next cycle this proposal may be carried into: a newer cycle taking submissions,
    when the proposal was not chosen (or not accepted) and was not carried before."""
    if not (proposal.result == Result.NOT_CHOSEN.value or proposal.status in CARRYABLE):
        return None
    target = current_cycle()
    if (
        target is None
        or target.id == proposal.cycle_id
        or target.created_at < proposal.cycle.created_at
    ):
        return None
    if not state_of(target).allows(Action.SUBMIT):
        return None
    already = db.session.scalar(select(Proposal.id).where(Proposal.carried_from_id == proposal.id))
    return None if already else target


@bp.post("/<int:proposal_id>/bawa")
@login_required
def carry_over(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    if not (is_author(proposal) or can_review()):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = carry_target(proposal)
    if target is None:
        flash(
            _(
                "Usulan ini tidak bisa dibawa. Hanya usulan yang tidak terpilih yang bisa "
                "dibawa, satu kali, ke siklus baru yang sedang menerima usulan."
            ),
            "error",
        )
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
    copy = Proposal(
        cycle_id=target.id,
        author_id=proposal.author_id,
        group_id=proposal.group_id,
        title=proposal.title,
        problem=proposal.problem,
        solution=proposal.solution,
        category=proposal.category,
        lat=proposal.lat,
        lng=proposal.lng,
        rt=proposal.rt,
        rw=proposal.rw,
        estimated_cost=proposal.estimated_cost,
        beneficiaries=proposal.beneficiaries,
        carried_from_id=proposal.id,
        status=Status.SUBMITTED.value,
    )
    db.session.add(copy)
    db.session.flush()
    for photo in proposal.photos:  # the same files: photos are shared, not copied
        copy.photos.append(
            ProposalPhoto(media_id=photo.media_id, thumb_id=photo.thumb_id, position=photo.position)
        )
    changes.history(copy, changes.CARRIED_FROM, proposal.cycle.title)
    changes.history(proposal, changes.CARRIED_OVER, target.title)
    changes.audited("carried_over", proposal, after={"to": copy.id, "cycle": target.id})
    changes.tell(
        proposal,
        _l("Usulan “%(title)s” dibawa ke %(cycle)s.", title=proposal.title, cycle=target.title),
        except_id=current_user.id,
    )
    db.session.commit()
    changes.changed("carried_over", proposal_id=copy.id)
    flash(_("Usulan dibawa ke %(cycle)s.", cycle=target.title), "success")
    return redirect(url_for("proposals.proposal", proposal_id=copy.id))


# -- cycles ------------------------------------------------------------------------------------


def _require_manage():
    if not can_manage():
        abort(404)


@bp.get("/kelola")
@login_required
def manage_cycles():
    _require_manage()
    return render_template(
        "proposals/manage.html",
        cycles=cycles(),
        state_of=state_of,
        phase_form=PhaseForm(formdata=None),
    )


def _cycle_form(cycle: Cycle | None) -> CycleForm:
    form = CycleForm()
    if form.is_submitted():
        return form
    if cycle is None:
        form.support_threshold.data = 10
        form.supports_per_resident.data = 3
        form.categories.data = list(CATEGORIES)
        for kind in PHASE_ORDER:
            for action in Action:
                form[f"{kind.value}_allow_{action.value}"].data = action in _defaults(kind)
        return form
    form.title.data = cycle.title
    form.description.data = cycle.description
    form.support_threshold.data = cycle.support_threshold
    form.supports_per_resident.data = cycle.supports_per_resident
    form.categories.data = list(cycle.categories)
    form.budget.data = str(cycle.budget)
    for phase in cycle.phases:
        form[f"{phase.kind}_starts"].data = phase.starts_on
        form[f"{phase.kind}_ends"].data = phase.ends_on
        for action in Action:
            form[f"{phase.kind}_allow_{action.value}"].data = phase.allows(action)
    return form


def _defaults(kind: PhaseKind):
    from .models import DEFAULT_ACTIONS

    return DEFAULT_ACTIONS[kind]


def _fill_cycle(cycle: Cycle, form: CycleForm) -> None:
    cycle.title = form.title.data
    cycle.description = form.description.data or ""
    cycle.support_threshold = form.support_threshold.data
    cycle.supports_per_resident = form.supports_per_resident.data
    cycle.categories = [k for k in CATEGORIES if k in form.categories.data]
    cycle.budget = form.budget.amount
    existing = {p.kind: p for p in cycle.phases}
    for kind, starts, ends in form.spans():
        phase = existing.get(kind.value)
        if phase is None:
            phase = default_phase(kind, starts, ends)
            cycle.phases.append(phase)
        phase.starts_on, phase.ends_on = starts, ends
        for action in Action:
            setattr(
                phase,
                f"allow_{action.value}",
                bool(form[f"{kind.value}_allow_{action.value}"].data),
            )


def _cycle_summary(cycle: Cycle) -> dict:
    return {
        "title": cycle.title,
        "threshold": cycle.support_threshold,
        "supports_per_resident": cycle.supports_per_resident,
        "budget": cycle.budget,
        "phases": {p.kind: [p.starts_on.isoformat(), p.ends_on.isoformat()] for p in cycle.phases},
    }


@bp.route("/kelola/siklus/baru", methods=["GET", "POST"])
@login_required
def new_cycle():
    _require_manage()
    form = _cycle_form(None)
    if (done := already_done(form)) is not None:
        return done
    if form.validate_on_submit():
        cycle = Cycle(created_by_id=current_user.id)
        _fill_cycle(cycle, form)
        db.session.add(cycle)
        db.session.flush()
        audit(
            "proposals.cycle_opened",
            "proposals_cycle",
            cycle.id,
            kelurahan=g.kelurahan,
            after=_cycle_summary(cycle),
        )
        remember_result(form, url_for("proposals.cycle_report", cycle_id=cycle.id))
        db.session.commit()
        changes.changed("cycle_opened", cycle_id=cycle.id)
        flash(_("Siklus %(title)s dibuka.", title=cycle.title), "success")
        return redirect(url_for("proposals.cycle_report", cycle_id=cycle.id))
    return render_template("proposals/cycle_form.html", form=form, cycle=None), form_status()


@bp.route("/kelola/siklus/<int:cycle_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id: int):
    _require_manage()
    cycle = cycle_or_404(cycle_id)
    form = _cycle_form(cycle)
    if form.validate_on_submit():
        before = _cycle_summary(cycle)
        _fill_cycle(cycle, form)
        audit(
            "proposals.cycle_changed",
            "proposals_cycle",
            cycle.id,
            kelurahan=g.kelurahan,
            before=before,
            after=_cycle_summary(cycle),
        )
        db.session.commit()
        changes.changed("cycle_changed", cycle_id=cycle.id)
        flash(_("Siklus disimpan."), "success")
        return redirect(url_for("proposals.cycle_report", cycle_id=cycle.id))
    return render_template("proposals/cycle_form.html", form=form, cycle=cycle), form_status()


@bp.post("/kelola/siklus/<int:cycle_id>/tahap")
@login_required
def pin_phase(cycle_id: int):
    """Move the phase by hand (or back to the dates): audited, and told to staff."""
    _require_manage()
    cycle = cycle_or_404(cycle_id)
    form = PhaseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Pilih tahap yang tersedia."), "error")
        return render_template(
            "proposals/manage.html", cycles=cycles(), state_of=state_of, phase_form=form
        ), 422
    chosen = form.phase.data or None
    if chosen and chosen not in {p.kind for p in cycle.phases}:
        flash(_("Siklus ini tidak punya tahap itu."), "error")
        return redirect(url_for("proposals.manage_cycles"))
    before = state_of(cycle)
    cycle.manual_phase = chosen
    audit(
        "proposals.phase_moved",
        "proposals_cycle",
        cycle.id,
        kelurahan=g.kelurahan,
        before={
            "phase": before.kind.value if before.kind else before.stage,
            "pinned": before.pinned,
        },
        after={"phase": chosen or "dates", "pinned": chosen is not None},
    )
    db.session.commit()
    changes.changed("phase_moved", cycle_id=cycle.id)
    flash(
        _("Tahap sekarang: %(phase)s.", phase=PHASE_LABELS[PhaseKind(chosen)])
        if chosen
        else _("Tahap kembali mengikuti tanggal."),
        "success",
    )
    return redirect(url_for("proposals.manage_cycles"))
