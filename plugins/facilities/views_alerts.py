"""Alert pages: the kelurahan's active, upcoming and past alerts with the flood history per
RW, one alert's page, the staff form that posts one (and tells the residents of its RWs),
closing it, and the city's page of every alert in force."""

from __future__ import annotations

from itertools import groupby

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import ValidationError

from app.kit import (
    EmptyForm,
    _l,
    all_kelurahan,
    already_done,
    db,
    emit,
    enabled_kelurahan,
    form_status,
    get_or_404,
    neighbourhood_number,
    page_number,
    permission_required,
    remember_result,
    utcnow,
    visitor_page,
)

from . import alerts as queries
from .access import ALERTS, PLUGIN_ID, can_post_alerts, rw_choices
from .blueprint import bp, city_bp
from .forms_alerts import AlertForm
from .labels import ALERT_LABELS, SEVERITY_LABELS, label
from .models import Alert


@bp.app_template_filter("facilities_alert_kind")
def _kind_filter(value: str) -> str:
    return label(ALERT_LABELS, value)


@bp.app_template_filter("facilities_severity")
def _severity_filter(value: str) -> str:
    return label(SEVERITY_LABELS, value)


def _rw_filter() -> str:
    """`?rw=` as three digits ("3" and "RW 03" are "003"); anything else is ignored."""
    raw = request.args.get("rw", "")
    try:
        return neighbourhood_number(raw[:10])
    except ValidationError:
        return ""


# Visitors get these pages from the cache (renewed by the plugin's events); an alert that
# ends by itself may show as running for at most the cache's lifetime (5 minutes).
@bp.get("/peringatan", endpoint="alerts")
@visitor_page
def alerts_page():
    now = utcnow()
    rw = _rw_filter()
    return render_template(
        "facilities/alerts.html",
        current=queries.current_alerts(now=now),
        page=queries.archive(page_number(), rw or None, now),
        history=queries.flood_history(g.kelurahan.id, now),
        rw=rw,
        rw_options=rw_choices(),
        now=now,
        can_post=can_post_alerts(),
    )


@bp.get("/peringatan/<int:alert_id>", endpoint="alert")
@visitor_page
def alert_page(alert_id: int):
    alert = get_or_404(Alert, alert_id)
    now = utcnow()
    status = queries.status_of(alert, now)
    staff = can_post_alerts()
    return render_template(
        "facilities/alert.html",
        alert=alert,
        status=status,
        now=now,
        can_post=staff,
        can_close=staff and status in ("active", "upcoming"),
        empty=EmptyForm(),
    )


@bp.route("/kelola/peringatan/baru", methods=["GET", "POST"], endpoint="new_alert")
@permission_required(ALERTS)
def new_alert():
    form = AlertForm()
    if (done := already_done(form)) is not None:
        return done
    if request.method == "GET":
        form.fill_defaults()
        if g.kelurahan.lat is not None and g.kelurahan.lng is not None:
            form.lat.data, form.lng.data = str(g.kelurahan.lat), str(g.kelurahan.lng)
    if form.validate_on_submit():
        lat, lng = form.point
        alert = queries.store_alert(
            kind=form.kind.data,
            severity=form.severity.data,
            rws=form.chosen_rws,
            message=form.message.data or "",
            starts_at=form.starts_at,
            expected_end_at=form.expected_end_at,
            lat=lat,
            lng=lng,
            water_cm=form.water_cm.data,
        )
        url = url_for("facilities.alert", alert_id=alert.id)
        remember_result(form, url)  # before telling anyone: a duplicate POST stops here
        words = queries.rws_text(alert.rws, form.rw_options)
        told = queries.tell_residents(alert, words)
        db.session.commit()
        emit("facilities.alert_posted", {"alert_id": alert.id})
        flash(_("Peringatan diterbitkan. %(n)s warga RW terdampak diberi tahu.", n=told), "success")
        return redirect(url, code=303)
    return render_template(
        "facilities/alert_form.html", form=form
    ), form_status() if form.errors else 200


@bp.post("/peringatan/<int:alert_id>/tutup", endpoint="close_alert")
@permission_required(ALERTS)
def close_alert(alert_id: int):
    alert = get_or_404(Alert, alert_id)
    url = url_for("facilities.alert", alert_id=alert.id)
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi."), "error")
        return redirect(url, code=303)
    if queries.close(alert):
        db.session.commit()
        emit("facilities.alert_closed", {"alert_id": alert.id})
        flash(_("Peringatan ditutup."), "success")
    else:
        db.session.rollback()
        flash(_("Peringatan ini sudah berakhir atau sudah ditutup."), "info")
    return redirect(url, code=303)


# -- the city ---------------------------------------------------------------------------------

CSS = "facilities-alerts.css"
CITY_TITLE = _l("Peringatan di Kota Pekalongan")


@city_bp.get("/peringatan", endpoint="alerts")
@visitor_page
def city_alerts():
    """Every active and upcoming alert of the kelurahan where the plugin is on, by kecamatan
    and kelurahan: two queries whatever the number of kelurahan."""
    places = {k.id: k for k in enabled_kelurahan(PLUGIN_ID)}
    now = utcnow()
    with all_kelurahan():  # the one page that reads every kelurahan's alerts
        found = queries.current_alerts(list(places), now)
    found.sort(
        key=lambda a: (places[a.kelurahan_id].kecamatan_name, places[a.kelurahan_id].name, a.id)
    )
    groups = [
        (kecamatan, [(places[kid], list(items)) for kid, items in groupby(rows, _kelurahan_id)])
        for kecamatan, rows in groupby(found, lambda a: places[a.kelurahan_id].kecamatan_name)
    ]
    return render_template(
        "facilities/city_alerts.html",
        css_url=_city_css_url(list(places.values())),
        groups=groups,
        total=len(found),
        places=len(places),
        now=now,
        title=CITY_TITLE,
    )


def _city_css_url(places: list) -> str:
    return url_for("facilities_city.static", filename=CSS)


def _kelurahan_id(alert: Alert) -> int:
    return alert.kelurahan_id
