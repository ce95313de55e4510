"""The proposals plugin's part of /api/v1: /api/v1/kelurahan/<slug>/proposals/.

* GET /             public proposals, newest first (cycle, category, status, rw filters)
* GET /<id>         one public proposal

Proposals are public from submission (Musrenbang is a public process); a withdrawn one is
left out, as from the open data. Answers carry what the proposal page shows except the
resident who submitted it: only a group's name when a group submitted it. Supporters,
followers, comments and ballots are never part of an answer. Amounts are whole rupiah.
"""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    ApiBlueprint,
    ApiId,
    ApiPhotoSchema,
    PageArgs,
    api_abort,
    api_photos,
    cursor_page,
    db,
    list_page,
    page_schema,
    public_url,
)

from .forms import CATEGORIES
from .hooks import PUBLIC_STATUSES
from .models import Proposal, ProposalPhoto, Result, Status
from .views import STATUS_LABELS, on_agenda, result_text

api_bp = ApiBlueprint(
    "proposals-api",
    __name__,
    description="Usulan warga untuk Musrenbang / residents' proposals for the Musrenbang.",
)

# The page shows the staff's reason with these statuses only.
REASON_SHOWN = (Status.REJECTED.value, Status.MERGED.value, Status.ACCEPTED.value)


class CycleRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The cycle's public report."})


class ProposalSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    cycle = ma.fields.Nested(CycleRefSchema, required=True)
    title = ma.fields.String(required=True)
    problem = ma.fields.String(required=True)
    solution = ma.fields.String(required=True)
    category = ma.fields.String(required=True, metadata={"enum": list(CATEGORIES)})
    category_label = ma.fields.String(required=True)
    rt = ma.fields.String(required=True, metadata={"description": '"003"; empty when unknown.'})
    rw = ma.fields.String(required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    beneficiaries = ma.fields.String(required=True)
    estimated_cost = ma.fields.Integer(required=True, metadata={"description": "Rupiah."})
    group_name = ma.fields.String(
        allow_none=True,
        metadata={"description": "The group that submitted it; null when a resident did."},
    )
    status = ma.fields.String(required=True, metadata={"enum": PUBLIC_STATUSES})
    status_label = ma.fields.String(required=True)
    status_reason = ma.fields.String(required=True)
    merged_into_id = ma.fields.Integer(allow_none=True)
    carried_from_id = ma.fields.Integer(allow_none=True)
    support_count = ma.fields.Integer(required=True)
    on_agenda = ma.fields.Boolean(
        required=True, metadata={"description": "Accepted, or over the cycle's threshold."}
    )
    result = ma.fields.String(allow_none=True, metadata={"enum": [r.value for r in Result]})
    result_label = ma.fields.String(required=True)
    result_rank = ma.fields.Integer(allow_none=True)
    result_amount = ma.fields.Integer(allow_none=True, metadata={"description": "Rupiah."})
    result_note = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})
    photos = ma.fields.List(ma.fields.Nested(ApiPhotoSchema), required=True)


class ProposalListArgs(PageArgs):
    cycle_id = ApiId()
    category = ma.fields.String(validate=ma.validate.OneOf(list(CATEGORIES)))
    status = ma.fields.String(validate=ma.validate.OneOf(PUBLIC_STATUSES))
    rw = ma.fields.String(
        validate=ma.validate.Regexp(r"^[0-9]{1,3}$"), metadata={"description": 'e.g. "5" or "005".'}
    )


def public_proposals():
    """Proposals the public may read (all but withdrawn ones), people and photos loaded."""
    return (
        select(Proposal)
        .where(Proposal.status.in_(PUBLIC_STATUSES))
        .options(
            selectinload(Proposal.cycle),
            selectinload(Proposal.group),
            selectinload(Proposal.photos).selectinload(ProposalPhoto.media),
            selectinload(Proposal.photos).selectinload(ProposalPhoto.thumb),
        )
    )


def proposal_row(proposal: Proposal) -> dict:
    cycle = proposal.cycle
    return {
        "id": proposal.id,
        "cycle": {
            "id": cycle.id,
            "title": cycle.title,
            "url": public_url("proposals.cycle_report", cycle_id=cycle.id),
        },
        "title": proposal.title,
        "problem": proposal.problem,
        "solution": proposal.solution,
        "category": proposal.category,
        "category_label": str(CATEGORIES.get(proposal.category, proposal.category)),
        "rt": proposal.rt,
        "rw": proposal.rw,
        "lat": proposal.lat,
        "lng": proposal.lng,
        "beneficiaries": proposal.beneficiaries,
        "estimated_cost": proposal.estimated_cost,
        "group_name": proposal.group.name if proposal.group is not None else None,
        "status": proposal.status,
        "status_label": str(STATUS_LABELS.get(proposal.status, proposal.status)),
        "status_reason": proposal.status_reason if proposal.status in REASON_SHOWN else "",
        "merged_into_id": proposal.merged_into_id
        if proposal.status == Status.MERGED.value
        else None,
        "carried_from_id": proposal.carried_from_id,
        "support_count": proposal.support_count,
        "on_agenda": on_agenda(proposal, cycle),
        "result": proposal.result,
        "result_label": result_text(proposal),
        "result_rank": proposal.result_rank,
        "result_amount": proposal.result_amount,
        "result_note": proposal.result_note,
        "created_at": proposal.created_at,
        "updated_at": proposal.updated_at,
        "url": public_url("proposals.proposal", proposal_id=proposal.id),
        "photos": api_photos(proposal.photos),
    }


@api_bp.route("/")
@api_bp.arguments(ProposalListArgs, location="query")
@api_bp.response(200, page_schema(ProposalSchema))
def proposal_list(args):
    """Usulan warga / public proposals of every cycle, newest first."""
    query = public_proposals()
    if args.get("cycle_id"):
        query = query.where(Proposal.cycle_id == args["cycle_id"])
    if args.get("category"):
        query = query.where(Proposal.category == args["category"])
    if args.get("status"):
        query = query.where(Proposal.status == args["status"])
    if args.get("rw"):
        query = query.where(Proposal.rw == args["rw"].zfill(3))
    rows, next_cursor = cursor_page(query, Proposal.id, args)
    return list_page([proposal_row(p) for p in rows], next_cursor)


@api_bp.route("/<int:proposal_id>")
@api_bp.response(200, ProposalSchema)
def proposal_detail(proposal_id: int):
    """Satu usulan / one public proposal."""
    proposal = db.session.execute(
        public_proposals().where(Proposal.id == proposal_id)
    ).scalar_one_or_none()
    if proposal is None:
        api_abort(404, "Usulan tidak ditemukan di kelurahan ini.")
    return proposal_row(proposal)
