"""Report pages: a unit's report for its operators (with every member's balance) and for
kelurahan staff (aggregates only), the kelurahan's report across units for staff, and their
CSV exports through the core writer. A unit the viewer may not see answers 404."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import Group, csv_response, db, login_required, parse_id

from . import reports
from .access import may_operate, may_view_aggregates, operated_units
from .blueprint import bp
from .models import Member, Unit


def balances(unit) -> dict[int, int]:
    from .ledger import balances as ledger_balances  # the ledger's own one-query answer

    return ledger_balances(unit)


def _unit_for_report(unit_id) -> tuple[Unit, bool]:
    """(the unit, whether the viewer operates it): operators of the unit and staff who see
    aggregates; anyone else gets a 404, as if the unit did not exist."""
    unit_id = parse_id(str(unit_id))
    if unit_id is None:
        abort(404)
    unit = db.session.execute(
        select(Unit)
        .where(Unit.id == unit_id)
        .options(selectinload(Unit.group).selectinload(Group.members))
    ).scalar_one_or_none()
    if unit is None:
        abort(404)
    operates = may_operate(unit)
    if not operates and not may_view_aggregates():
        abort(404)
    return unit, operates


def _page(report_template: str, report, **context):
    return render_template(
        report_template,
        report=report,
        colours=reports.COLOURS,
        active_days=reports.ACTIVE_DAYS,
        **context,
    )


@bp.get("/laporan", endpoint="reports")
@login_required
def reports_index():
    """The kelurahan's units together, for staff; an operator lands on their unit's."""
    if not may_view_aggregates():
        units = operated_units(current_user)
        if len(units) == 1:
            return redirect(url_for("wastebank.unit_report", unit_id=units[0].id))
        if not units:
            abort(404)
        return render_template("wastebank/report_units.html", units=units)
    report = reports.compute(g.kelurahan)
    units = list(db.session.execute(select(Unit).order_by(Unit.name, Unit.id)).scalars())
    return _page("wastebank/report.html", report, unit=None, units=units, operates=False)


@bp.get("/laporan/bulanan.csv")
@login_required
def reports_csv():
    if not may_view_aggregates():
        abort(404)
    header, rows = reports.monthly_rows(reports.compute(g.kelurahan))
    return csv_response(f"bank-sampah-{g.kelurahan.slug}-bulanan.csv", header, rows)


@bp.get("/unit/<unit_id>/laporan")
@login_required
def unit_report(unit_id):
    unit, operates = _unit_for_report(unit_id)
    report = reports.compute(g.kelurahan, unit)
    members = []
    if operates:  # balances are for the unit's own operators only, never for staff
        amounts = balances(unit)
        members = [
            (member, amounts.get(member.id, 0))
            for member in db.session.execute(
                select(Member).where(Member.unit_id == unit.id).order_by(Member.number)
            ).scalars()
        ]
    return _page(
        "wastebank/report.html",
        report,
        unit=unit,
        units=[],
        operates=operates,
        members=members,
        balance_total=sum(amount for _member, amount in members),
    )


@bp.get("/unit/<unit_id>/laporan/bulanan.csv")
@login_required
def unit_report_csv(unit_id):
    unit, _operates = _unit_for_report(unit_id)
    header, rows = reports.monthly_rows(reports.compute(g.kelurahan, unit))
    return csv_response(f"bank-sampah-unit-{unit.id}-bulanan.csv", header, rows)


BALANCE_HEADER = ["nomor", "nama", "aktif", "saldo_rp"]


@bp.get("/unit/<unit_id>/laporan/saldo.csv")
@login_required
def unit_balances_csv(unit_id):
    unit, operates = _unit_for_report(unit_id)
    if not operates:
        abort(404)
    amounts = balances(unit)
    members = db.session.execute(
        select(Member.id, Member.number, Member.name, Member.active)
        .where(Member.unit_id == unit.id)
        .order_by(Member.number)
    ).all()
    rows = [
        [m.number, m.name, "ya" if m.active else "tidak", amounts.get(m.id, 0)] for m in members
    ]
    return csv_response(f"bank-sampah-unit-{unit.id}-saldo.csv", BALANCE_HEADER, rows)
