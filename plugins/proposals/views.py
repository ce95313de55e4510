"""Public pages: the current cycle, each cycle's report (filters, map, CSV, print), a
proposal with its supports, comments and history, the meeting, and the "similar proposals"
answer offered while a resident types a title."""

from __future__ import annotations

from datetime import datetime

from flask import g, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    WIB,
    EmptyForm,
    FlagForm,
    _l,
    csv_response,
    db,
    flagged_by,
    is_verified_resident,
    map_layer_response,
    public_url,
    rupiah,
    visitor_page,
    wib,
)

from .access import (
    can_manage,
    can_review,
    current_cycle,
    cycle_or_404,
    cycles,
    is_author,
    may_submit,
    proposal_or_404,
)
from .blueprint import bp
from .forms import CATEGORIES, RESULT_LABELS, CommentForm
from .models import PHASE_ORDER, Action, Comment, HistoryEntry, PhaseKind, Proposal, Status
from .phases import PHASE_LABELS, has_reached, state_of, today_wib
from .queries import counts, report_rows, rw_values, similar, supported_ids, supports_used

STATUS_LABELS = {
    Status.SUBMITTED.value: _l("Diajukan"),
    Status.ACCEPTED.value: _l("Diterima untuk musyawarah"),
    Status.MERGED.value: _l("Digabung"),
    Status.REJECTED.value: _l("Tidak diterima"),
    Status.WITHDRAWN.value: _l("Ditarik pengusul"),
}

HISTORY_LABELS = {
    "submitted": _l("Diajukan"),
    "edited": _l("Diubah pengusul"),
    "accepted": _l("Diterima untuk agenda musyawarah"),
    "rejected": _l("Tidak diterima"),
    "merged": _l("Digabung ke usulan lain"),
    "merged_in": _l("Usulan lain digabung ke sini"),
    "result": _l("Hasil musyawarah dicatat"),
    "carried_over": _l("Dibawa ke siklus berikutnya"),
    "carried_from": _l("Dibawa dari siklus sebelumnya"),
    "withdrawn": _l("Ditarik pengusul"),
}

ON_AGENDA = _l("Masuk agenda musyawarah")


def on_agenda(proposal: Proposal, cycle=None) -> bool:
    """Over the cycle's support threshold while still in the running, or accepted."""
    cycle = cycle or proposal.cycle
    if proposal.status == Status.ACCEPTED:
        return True
    return proposal.status == Status.SUBMITTED and proposal.support_count >= cycle.support_threshold


def result_text(proposal: Proposal) -> str:
    if not proposal.result:
        return ""
    text = str(RESULT_LABELS.get(proposal.result, proposal.result))
    if proposal.result == "prioritas" and proposal.result_rank:
        text = str(_l("Prioritas ke-%(n)s", n=proposal.result_rank))
        if proposal.result_amount is not None:
            text += f" · {rupiah(proposal.result_amount)}"
    return text


def day_text(day) -> str:
    """A calendar date (WIB) in the page's language: "15 Jan 2027"."""
    from babel.dates import format_date
    from flask_babel import get_locale

    return format_date(day, "d MMM yyyy", locale=get_locale())


def _template_context() -> dict:
    return {
        "category_labels": CATEGORIES,
        "status_labels": STATUS_LABELS,
        "result_labels": RESULT_LABELS,
        "history_labels": HISTORY_LABELS,
        "phase_labels": PHASE_LABELS,
        "phase_order": PHASE_ORDER,
        "on_agenda": on_agenda,
        "result_text": result_text,
        "rupiah": rupiah,
        "day_text": day_text,
        "proposals_can_review": can_review,
        "proposals_can_manage": can_manage,
    }


bp.context_processor(_template_context)


# -- the cycle ---------------------------------------------------------------------------------


def _filters() -> dict:
    """The report's filters from the query string; unknown values are ignored."""
    category = request.args.get("kategori", "")
    rw = request.args.get("rw", "").strip()
    rt = request.args.get("rt", "").strip()
    status = request.args.get("status", "")
    clean = lambda v: v.zfill(3) if v.isascii() and v.isdigit() and 0 < len(v) <= 3 else ""  # noqa: E731
    return {
        "category": category if category in CATEGORIES else "",
        "rw": clean(rw),
        "rt": clean(rt),
        "status": status
        if status in ("diajukan", "diterima", "agenda", "tidak_diterima", "digabung")
        else "",
    }


def _cycle_page(cycle, all_cycles, *, is_home: bool):
    state = state_of(cycle)
    filters = _filters()
    rows = report_rows(cycle, **filters)
    used = supports_used(cycle)
    return render_template(
        "proposals/cycle.html",
        cycle=cycle,
        cycles=all_cycles,
        state=state,
        filters=filters,
        proposals=rows,
        supported=supported_ids(p.id for p in rows),
        figures=counts(cycle),
        rws=rw_values(cycle),
        remaining=max(0, cycle.supports_per_resident - used),
        can_submit=state.allows(Action.SUBMIT) and current_user.is_authenticated and may_submit(),
        can_support=state.allows(Action.SUPPORT) and is_verified_resident(),
        is_home=is_home,
        today=today_wib(),
        action_form=EmptyForm(),
        Action=Action,
        phases=sorted(cycle.phases, key=lambda p: PHASE_ORDER.index(PhaseKind(p.kind))),
        map_url=url_for(
            "proposals.map_geojson",
            siklus=cycle.id,
            **{k: v for k, v in (("kategori", filters["category"]), ("rw", filters["rw"])) if v},
        ),
    )


@bp.get("/")
@visitor_page  # the most read page of the plugin; a phase that moves by date lags ≤ 5 min
def index():
    all_cycles = cycles()
    cycle = current_cycle(all_cycles)
    if cycle is None:
        return render_template("proposals/empty.html")
    return _cycle_page(cycle, all_cycles, is_home=True)


@bp.get("/siklus/<int:cycle_id>")
@visitor_page
def cycle_report(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    return _cycle_page(cycle, cycles(), is_home=False)


REPORT_HEADER = [
    "id",
    "judul",
    "kategori",
    "rt",
    "rw",
    "pengusul",
    "perkiraan_biaya",
    "dukungan",
    "masuk_agenda",
    "status",
    "alasan",
    "digabung_ke",
    "hasil",
    "peringkat",
    "anggaran_disepakati",
    "catatan_hasil",
    "lat",
    "lng",
    "url",
]


def report_records(cycle, rows) -> list[dict]:
    """The report's rows as exported: the author's public name only, nothing personal."""
    return [
        {
            "id": p.id,
            "judul": p.title,
            "kategori": p.category,
            "rt": p.rt,
            "rw": p.rw,
            "pengusul": p.author_label,
            "perkiraan_biaya": p.estimated_cost,
            "dukungan": p.support_count,
            "masuk_agenda": "ya" if on_agenda(p, cycle) else "tidak",
            "status": p.status,
            "alasan": p.status_reason,
            "digabung_ke": p.merged_into_id or "",
            "hasil": p.result or "",
            "peringkat": p.result_rank or "",
            "anggaran_disepakati": "" if p.result_amount is None else p.result_amount,
            "catatan_hasil": p.result_note,
            "lat": p.lat,
            "lng": p.lng,
            "url": public_url(
                "proposals.proposal", kelurahan_slug=g.kelurahan.slug, proposal_id=p.id
            ),
        }
        for p in rows
    ]


@bp.get("/siklus/<int:cycle_id>.csv")
def cycle_csv(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    records = report_records(cycle, report_rows(cycle, **_filters()))
    return csv_response(
        f"usulan-{g.kelurahan.slug}-siklus-{cycle.id}.csv",
        REPORT_HEADER,
        ([r[k] for k in REPORT_HEADER] for r in records),
    )


@bp.get("/siklus/<int:cycle_id>/cetak")
def cycle_print(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    rows = report_rows(cycle, **_filters())
    return render_template(
        "proposals/print.html",
        cycle=cycle,
        proposals=rows,
        figures=counts(cycle),
        state=state_of(cycle),
        printed_at=wib(datetime.now(WIB)),
    )


@bp.get("/peta.geojson")
def map_geojson():
    """The proposals layer (kp_map_layers), filtered by `siklus`, `kategori` and `rw`."""
    return map_layer_response("proposals")


@bp.get("/siklus/<int:cycle_id>/musyawarah")
def meeting(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    agenda = [p for p in report_rows(cycle) if p.status == Status.ACCEPTED or on_agenda(p, cycle)]
    ranked = sorted((p for p in agenda if p.result_rank), key=lambda p: p.result_rank)
    return render_template(
        "proposals/meeting.html",
        cycle=cycle,
        meeting=cycle.meeting,
        agenda=agenda,
        ranked=ranked,
        state=state_of(cycle),
    )


# -- a proposal --------------------------------------------------------------------------------


def comment_threads(proposal: Proposal, show_hidden: bool):
    comments = list(
        db.session.execute(
            select(Comment)
            .where(Comment.proposal_id == proposal.id)
            .options(selectinload(Comment.user))
            .order_by(Comment.created_at, Comment.id)
        ).scalars()
    )
    if not show_hidden:
        comments = [c for c in comments if not c.is_hidden]
    tops = [c for c in comments if c.parent_id is None]
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    return tops, replies, comments


def render_proposal(
    proposal: Proposal,
    status: int = 200,
    *,
    comment_form=None,
    flag_form=None,
    review_form=None,
    result_form=None,
):
    cycle = proposal.cycle
    state = state_of(cycle)
    staff = can_review()
    tops, replies, comments = comment_threads(proposal, staff)
    history = list(
        db.session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.proposal_id == proposal.id)
            .order_by(HistoryEntry.created_at, HistoryEntry.id)
        ).scalars()
    )
    merged_here = list(
        db.session.execute(
            select(Proposal).where(Proposal.merged_into_id == proposal.id).order_by(Proposal.id)
        ).scalars()
    )
    carried_to = db.session.execute(
        select(Proposal).where(Proposal.carried_from_id == proposal.id)
    ).scalar_one_or_none()
    following = False
    if current_user.is_authenticated:
        from .models import Follow

        following = (
            db.session.scalar(
                select(Follow.id).where(
                    Follow.proposal_id == proposal.id, Follow.user_id == current_user.id
                )
            )
            is not None
        )
    supported = proposal.id in supported_ids([proposal.id])
    used = supports_used(cycle)
    author = is_author(proposal)
    return render_template(
        "proposals/proposal.html",
        proposal=proposal,
        cycle=cycle,
        state=state,
        tops=tops,
        replies=replies,
        flagged=flagged_by(current_user.id, "proposals", "comment", [c.id for c in comments])
        if current_user.is_authenticated
        else set(),
        history=history,
        merged_here=merged_here,
        carried_to=carried_to,
        following=following,
        supported=supported,
        remaining=max(0, cycle.supports_per_resident - used),
        can_support=state.allows(Action.SUPPORT) and is_verified_resident() and proposal.is_open,
        can_comment=state.allows(Action.COMMENT) and current_user.is_authenticated,
        can_edit=author
        and proposal.status == Status.SUBMITTED
        and state.allows(Action.EDIT)
        and not has_reached(cycle, PhaseKind.SUPPORT),
        is_author=author,
        comment_form=comment_form or CommentForm(formdata=None),
        flag_form=flag_form or FlagForm(formdata=None),
        action_form=EmptyForm(),
        review_form=review_form or _review_form(proposal),
        carry_target=_carry_target(proposal, author),
        result_form=result_form or _result_form(proposal),
        page_url=public_url(
            "proposals.proposal", kelurahan_slug=g.kelurahan.slug, proposal_id=proposal.id
        ),
    ), status


def _carry_target(proposal: Proposal, author: bool):
    if not (author or can_review()):
        return None
    from .views_manage import carry_target

    return carry_target(proposal)


def _review_form(proposal: Proposal):
    if not can_review():
        return None
    from .views_staff import review_form

    return review_form(proposal, formdata=False)


def _result_form(proposal: Proposal):
    if not can_review():
        return None
    from .forms import ResultForm

    form = ResultForm(formdata=None)
    form.result.data = proposal.result or "prioritas"
    form.rank.data = proposal.result_rank
    form.amount.data = "" if proposal.result_amount is None else str(proposal.result_amount)
    form.note.data = proposal.result_note
    return form


@bp.get("/<int:proposal_id>")
@visitor_page
def proposal(proposal_id: int):
    return render_proposal(proposal_or_404(proposal_id))


@bp.get("/mirip")
def similar_proposals():
    """What a resident typing a title might support instead: an htmx fragment."""
    cycle = current_cycle()
    if cycle is None:
        return render_template("proposals/_similar.html", found=[])
    point = None
    try:
        lat, lng = float(request.args.get("lat", "")), float(request.args.get("lng", ""))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            point = (lat, lng)
    except ValueError:
        pass
    title = request.args.get("title", "")[:150]
    if len(title.strip()) < 4 and point is None:
        return render_template("proposals/_similar.html", found=[])
    return render_template("proposals/_similar.html", found=similar(cycle, title, point))
