"""What the kelurahan admin reads about reports: the impact of switching the plugin off,
and the audit log's sentences for the plugin's actions."""

from __future__ import annotations

from sqlalchemy import select

from app.kit import AuditObject, AuditPhrase, _l, apikeys, count_rows, hookimpl

from .labels import STATUS_LABELS
from .models import CLOSED, WRITE_SCOPE, Report

__all__ = ["kp_audit_phrases", "kp_plugin_off_impact"]


@hookimpl
def kp_plugin_off_impact(kelurahan):
    shown = select(Report.id).where(Report.hidden_at.is_(None))
    open_reports = count_rows(shown.where(Report.status.not_in(CLOSED)))
    keys = sum(1 for k in apikeys.keys_of(kelurahan) if k.is_active and k.has_scope(WRITE_SCOPE))
    lines = [
        _l(
            "%(open)s laporan terbuka dan %(closed)s laporan yang sudah ditutup tidak lagi tampil "
            "untuk warga; data tidak dihapus dan kembali saat dinyalakan lagi.",
            open=open_reports,
            closed=count_rows(shown) - open_reports,
        ),
        _l("Warga tidak dapat mengirim laporan baru, mendukung, atau berkomentar."),
    ]
    if keys:
        lines.append(_l("%(n)s kunci API Open311 ditolak selama fitur mati.", n=keys))
    return lines


def _status(before, after) -> dict:
    status = after.get("status")
    return {"status": STATUS_LABELS.get(status, status or "—")}


def _assigned_text(before, after):
    if after.get("assignee") is None:
        return _l("%(actor)s melepas penugasan %(object)s")
    return _l("%(actor)s menugaskan %(assignee)s menangani %(object)s")


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject("report", _l("laporan #%(id)s")),
        AuditObject("report_comment", _l("komentar #%(id)s")),
        # Keys were the plugin's before the core took them over (0004_reports): the log
        # keeps those entries, so their sentences stay.
        AuditObject("reports_api_key", _l("kunci API #%(id)s")),
        AuditPhrase(
            "report.status_changed",
            _l("%(actor)s mengubah status %(object)s menjadi %(status)s"),
            _status,
        ),
        AuditPhrase(
            "report.assigned",
            _assigned_text,
            refs=lambda before, after: {"assignee": ("user", after.get("assignee"))},
        ),
        AuditPhrase(
            "report.forwarded",
            _l("%(actor)s meneruskan %(object)s ke %(agency)s"),
            lambda before, after: {"agency": after.get("agency", "—")},
        ),
        AuditPhrase(
            "report.internal_note", _l("%(actor)s menambahkan catatan internal pada %(object)s")
        ),
        AuditPhrase("report.confirmed_fixed", _l("%(actor)s memastikan %(object)s sudah beres")),
        AuditPhrase(
            "report.reopened_by_reporter",
            _l("%(actor)s membuka kembali %(object)s: masih rusak"),
        ),
        AuditPhrase("report.hidden", _l("%(actor)s menyembunyikan %(object)s")),
        AuditPhrase("report.restored", _l("%(actor)s menampilkan lagi %(object)s")),
        AuditPhrase("report_comment.hidden", _l("%(actor)s menyembunyikan %(object)s")),
        AuditPhrase("report_comment.restored", _l("%(actor)s menampilkan lagi %(object)s")),
        AuditPhrase(
            "report.auto_hidden",
            _l("%(actor)s menyembunyikan %(object)s otomatis setelah %(flags)s tanda dari warga"),
            lambda before, after: {"flags": after.get("flags", "?")},
        ),
        AuditPhrase(
            "reports.api_key.issue",
            _l("%(actor)s membuat kunci API Open311 “%(label)s” (%(prefix)s…)"),
            lambda before, after: {"label": after.get("label", ""), "prefix": after.get("prefix")},
        ),
        AuditPhrase(
            "reports.api_key.revoke",
            _l("%(actor)s mencabut kunci API Open311 %(prefix)s…"),
            lambda before, after: {"prefix": after.get("prefix") or before.get("prefix")},
        ),
    ]
