"""Public statistics per kelurahan."""

from flask import render_template

from .blueprint import bp


@bp.get("/statistik")
def statistics():
    return render_template("reports/statistics.html")
