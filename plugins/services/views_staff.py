"""The office's queue of requests, coloured by age against each type's target, and the
RT/RW head's queue of requests waiting for their approval."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import false, select

from app.kit import WIB, db, login_required, page_number, permission_required, utcnow

from . import nik as nik_rules
from . import personal
from .access import HANDLE, area_filter, heads_area
from .blueprint import bp
from .models import OPEN_STATUSES, Request, Status
from .queries import leave_days
from .workdays import working_days_between

PER_PAGE = 50
QUEUE_TABS = (
    ("kantor", (Status.SUBMITTED, Status.CHECKING, Status.APPROVED)),
    ("warga", (Status.NEEDS_FIX, Status.WAITING_RT)),
    ("surat", (Status.READY, Status.SENT)),
    ("selesai", (Status.DONE, Status.REFUSED, Status.CANCELLED)),
)


def age_of(req: Request) -> tuple[int | None, str]:
    """Working days waited since the office had everything, and its colour against the
    type's target: ok, due (the last day), late."""
    if req.complete_at is None:
        return None, ""
    end = (req.ready_at or utcnow()).astimezone(WIB).date()
    days = working_days_between(req.complete_at.astimezone(WIB).date(), end, leave_days())
    target = req.letter_type.target_days
    return days, ("late" if days > target else "due" if days == target else "ok")


@bp.get("/antrean")
@permission_required(HANDLE)
def queue():
    tab = request.args.get("tab", "kantor")
    statuses = dict(QUEUE_TABS).get(tab)
    if statuses is None:
        tab, statuses = "kantor", QUEUE_TABS[0][1]
    page = page_number()
    query = (
        select(Request)
        .where(Request.status.in_([s.value for s in statuses]))
        .order_by(Request.complete_at.is_(None), Request.complete_at, Request.id)
    )
    if tab == "selesai":
        query = query.order_by(None).order_by(Request.closed_at.desc(), Request.id.desc())
    # A resident at the counter: their requests by NIK, through the keyed hash (the NIK
    # itself is stored encrypted and cannot be searched).
    raw_nik, nik_error = (request.args.get("nik") or "").strip()[:40], None
    if raw_nik:
        try:
            query = query.where(Request.nik_hash == personal.lookup_hash(nik_rules.check(raw_nik)))
        except nik_rules.NikError as exc:
            nik_error = exc.message
            query = query.where(false())
    rows = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template(
        "services/queue.html",
        rows=rows,
        tab=tab,
        tabs=[name for name, _ in QUEUE_TABS],
        ages={r.id: age_of(r) for r in rows.items},
        nik=raw_nik,
        nik_error=nik_error,
    )


@bp.get("/rt")
@login_required
def rt_queue():
    areas = heads_area()
    clause = area_filter(areas)
    rows = []
    if clause is not None:
        rows = list(
            db.session.execute(
                select(Request)
                .where(clause, Request.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(Request.created_at)
                .limit(200)
            ).scalars()
        )
    return render_template("services/rt_queue.html", areas=areas, rows=rows)
