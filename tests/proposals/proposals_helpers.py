"""Small factories shared by the proposals tests (imported by name: pytest puts this folder
on sys.path for the test modules in it)."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

from PIL import Image

from app.extensions import db as _db
from app.models import Kelurahan
from plugins.proposals.models import PHASE_ORDER, Cycle, PhaseKind, Proposal, Status
from plugins.proposals.phases import default_phase, today_wib

BASE = "/k/kauman/usulan"
KAUMAN = (-6.8899, 109.6728)  # Kampung Batik Kauman
KAUMAN_STR = ("-6.8899", "109.6728")
OUTSIDE_CITY = ("-7.0500", "110.4200")  # Semarang
_seq = itertools.count(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def jpeg_bytes(size=(64, 48), colour=(40, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def upload(name="foto.jpg", data: bytes | None = None):
    return (io.BytesIO(jpeg_bytes() if data is None else data), name)


def post(client, url, **data):
    return client.post(url, data=data, content_type="multipart/form-data")


def kelurahan_row(slug="kauman") -> Kelurahan:
    return _db.session.execute(_db.select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()


def make_cycle(
    slug: str = "kauman",
    *,
    current: PhaseKind | str | None = PhaseKind.SUBMIT,
    threshold: int = 3,
    per_resident: int = 2,
    title: str | None = None,
    categories=None,
) -> Cycle:
    """A committed cycle whose dated phases put today in `current` (None: before it all,
    "closed": after it all). Each phase lasts 10 days, back to back."""
    today = today_wib()
    index = {"closed": len(PHASE_ORDER), None: -1}.get(current)
    if index is None:
        index = PHASE_ORDER.index(PhaseKind(current))
    start = today - timedelta(days=10 * index + 2) if index >= 0 else today + timedelta(days=5)
    k = kelurahan_row(slug)
    cycle = Cycle(
        kelurahan_id=k.id,
        title=title or f"Musrenbang Uji {next(_seq)}",
        support_threshold=threshold,
        supports_per_resident=per_resident,
        categories=categories or ["infrastruktur", "lingkungan", "kesehatan"],
        budget=300_000_000,
    )
    for i, kind in enumerate(PHASE_ORDER):
        first = start + timedelta(days=10 * i)
        phase = default_phase(kind, first, first + timedelta(days=9))
        phase.kelurahan_id = k.id
        cycle.phases.append(phase)
    _db.session.add(cycle)
    _db.session.commit()
    return cycle


def set_phase(cycle: Cycle, kind: PhaseKind | None) -> None:
    """Pin the phase (as an admin would by hand) without going through HTTP."""
    cycle.manual_phase = kind.value if kind else None
    _db.session.commit()


def make_proposal(
    cycle: Cycle, author, *, at=KAUMAN, status=Status.SUBMITTED, **fields
) -> Proposal:
    n = next(_seq)
    values = {
        "title": f"Usulan uji nomor {n}",
        "problem": "Saluran air tersumbat setiap hujan deras.",
        "solution": "Normalisasi saluran dan pasang penutup beton.",
        "category": "infrastruktur",
        "beneficiaries": "40 KK",
        "estimated_cost": 25_000_000,
        "rt": "003",
        "rw": "005",
        "lat": at[0],
        "lng": at[1],
    }
    values.update(fields)
    proposal = Proposal(
        kelurahan_id=cycle.kelurahan_id,
        cycle_id=cycle.id,
        author_id=author.id,
        status=str(status),
        **values,
    )
    _db.session.add(proposal)
    _db.session.commit()
    return proposal


def proposal_data(**overrides) -> dict:
    data = {
        "group": "",
        "title": "Perbaikan saluran air Gang Kauman III",
        "category": "infrastruktur",
        "problem": "Setiap hujan deras air meluap ke rumah warga RT 03.",
        "solution": "Normalisasi saluran sepanjang 120 meter dan penutup beton.",
        "beneficiaries": "45 KK di RT 03 dan RT 04",
        "estimated_cost": "35.000.000",
        "rt": "3",
        "rw": "5",
        "lat": KAUMAN_STR[0],
        "lng": KAUMAN_STR[1],
    }
    data.update(overrides)
    return data


def day(offset: int) -> date:
    return today_wib() + timedelta(days=offset)
