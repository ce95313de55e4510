"""Which phase a cycle is in, and what it allows.

The phase follows from the dates in WIB: the phase whose days include today. Before the
first phase the cycle is "upcoming", after the last it is "closed", and on a day between
two phases nothing is open. An admin may pin a phase by hand (`Cycle.manual_phase`,
audited), which wins over the dates until it is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.kit import WIB, _l

from .models import DEFAULT_ACTIONS, PHASE_ORDER, Action, Cycle, Phase, PhaseKind

PHASE_LABELS = {
    PhaseKind.SUBMIT: _l("Pengajuan usulan"),
    PhaseKind.SUPPORT: _l("Dukungan warga"),
    PhaseKind.REVIEW: _l("Verifikasi petugas"),
    PhaseKind.MEETING: _l("Musyawarah"),
    PhaseKind.RESULTS: _l("Hasil"),
}

ACTION_LABELS = {
    Action.SUBMIT: _l("Mengajukan usulan"),
    Action.SUPPORT: _l("Mendukung usulan"),
    Action.COMMENT: _l("Berkomentar"),
    Action.EDIT: _l("Mengubah usulan sendiri"),
}

# Why an action is refused, for the resident who tried it.
CLOSED_MESSAGES = {
    Action.SUBMIT: _l("Usulan hanya bisa diajukan pada tahap pengajuan."),
    Action.SUPPORT: _l("Dukungan hanya bisa diberikan atau ditarik pada tahap dukungan."),
    Action.COMMENT: _l("Komentar sedang ditutup pada tahap ini."),
    Action.EDIT: _l("Usulan hanya bisa diubah sebelum tahap dukungan dimulai."),
}


def today_wib(now: datetime | None = None) -> date:
    now = now or datetime.now(WIB)
    return now.astimezone(WIB).date()


@dataclass(frozen=True)
class CycleState:
    """Where a cycle stands today: `phase` is the open Phase row (None when no phase is
    open), `stage` one of "upcoming", "open", "between", "closed"."""

    phase: Phase | None
    stage: str
    pinned: bool = False

    @property
    def kind(self) -> PhaseKind | None:
        return PhaseKind(self.phase.kind) if self.phase is not None else None

    def allows(self, action: Action) -> bool:
        return self.phase is not None and self.phase.allows(action)

    @property
    def label(self):
        if self.phase is not None:
            return PHASE_LABELS[PhaseKind(self.phase.kind)]
        return {
            "upcoming": _l("Belum dimulai"),
            "between": _l("Jeda antartahap"),
            "closed": _l("Selesai"),
        }[self.stage]


def state_of(cycle: Cycle, today: date | None = None) -> CycleState:
    today = today or today_wib()
    phases = sorted(cycle.phases, key=lambda p: PHASE_ORDER.index(PhaseKind(p.kind)))
    if cycle.manual_phase:
        pinned = next((p for p in phases if p.kind == cycle.manual_phase), None)
        if pinned is not None:
            return CycleState(pinned, "open", pinned=True)
    if not phases:
        return CycleState(None, "upcoming")
    for phase in phases:
        if phase.starts_on <= today <= phase.ends_on:
            return CycleState(phase, "open")
    if today < phases[0].starts_on:
        return CycleState(None, "upcoming")
    if today > phases[-1].ends_on:
        return CycleState(None, "closed")
    return CycleState(None, "between")


def default_phase(kind: PhaseKind, starts_on: date, ends_on: date) -> Phase:
    allowed = DEFAULT_ACTIONS[kind]
    return Phase(
        kind=kind.value,
        starts_on=starts_on,
        ends_on=ends_on,
        **{f"allow_{action.value}": action in allowed for action in Action},
    )


def has_reached(cycle: Cycle, kind: PhaseKind, today: date | None = None) -> bool:
    """Whether the cycle is in `kind` or a later phase (or closed): editing stops when
    the support phase starts, results are recorded from the meeting on."""
    state = state_of(cycle, today)
    if state.stage == "closed":
        return True
    if state.phase is not None:
        return PHASE_ORDER.index(PhaseKind(state.phase.kind)) >= PHASE_ORDER.index(kind)
    target = next((p for p in cycle.phases if p.kind == kind.value), None)
    return target is not None and (today or today_wib()) >= target.starts_on


def phase_problems(spans: list[tuple[PhaseKind, date | None, date | None]]) -> dict:
    """Errors by phase kind for a cycle's dates: each phase ends on or after its start,
    and each starts after the one before it ended (in the order of PHASE_ORDER)."""
    errors: dict[PhaseKind, str] = {}
    previous: tuple[PhaseKind, date] | None = None
    for kind, starts, ends in spans:
        if starts is None or ends is None:
            errors[kind] = _l("Isi tanggal mulai dan selesai tahap ini.")
            previous = None
            continue
        if ends < starts:
            errors[kind] = _l("Tahap ini berakhir sebelum dimulai.")
        elif previous is not None and starts <= previous[1]:
            errors[kind] = _l(
                "Tahap ini bertumpang tindih dengan tahap %(before)s: mulailah setelah "
                "tahap itu selesai.",
                before=PHASE_LABELS[previous[0]],
            )
        previous = (kind, ends)
    return errors
