"""The plugin's front page: where each visitor goes next (their units, their own book, or
how to open a unit)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from .access import groups_that_may_open_unit, may_view_aggregates, my_memberships, operated_units
from .blueprint import bp


@bp.get("/")
def index():
    signed_in = current_user.is_authenticated
    return render_template(
        "wastebank/index.html",
        units=operated_units(current_user) if signed_in else [],
        groups=groups_that_may_open_unit(current_user) if signed_in else [],
        books=my_memberships(current_user) if signed_in else [],
        staff=signed_in and may_view_aggregates(),
        reports_endpoint=next(
            (
                e
                for e in ("wastebank.reports", "wastebank.report")
                if e in current_app.view_functions
            ),
            None,
        ),
    )
