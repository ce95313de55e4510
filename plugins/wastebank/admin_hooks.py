"""What the kelurahan admin reads about the waste bank: the impact of switching the plugin
off (the units' groups are told), and the audit log's sentences for the plugin's actions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.kit import (
    AuditObject,
    AuditPhrase,
    OffImpact,
    _l,
    audit_names,
    db,
    hookimpl,
    rupiah,
)

from .models import Entry, Member, Unit, WasteType

__all__ = ["kp_audit_phrases", "kp_plugin_off_impact"]


@hookimpl
def kp_plugin_off_impact(kelurahan):
    units = list(
        db.session.execute(
            select(Unit)
            .where(Unit.kelurahan_id == kelurahan.id)
            .order_by(Unit.name)
            .options(selectinload(Unit.group))
        ).scalars()
    )
    if not units:
        return [_l("Belum ada unit bank sampah di kelurahan ini.")]
    members, savings = db.session.execute(
        select(
            select(func.count(Member.id))
            .where(Member.kelurahan_id == kelurahan.id, Member.active.is_(True))
            .scalar_subquery(),
            select(func.coalesce(func.sum(Entry.amount), 0))
            .where(Entry.kelurahan_id == kelurahan.id, Entry.member_id.is_not(None))
            .scalar_subquery(),
        )
    ).one()
    return [
        OffImpact(
            _l(
                "%(units)s unit bank sampah tidak dapat mencatat setoran, penarikan atau "
                "penjualan, dan %(members)s nasabah tidak dapat membuka buku tabungannya "
                "selama fitur mati.",
                units=len(units),
                members=int(members or 0),
            ),
            groups=tuple(unit.group for unit in units),
        ),
        _l(
            "Tabungan nasabah (seluruhnya %(savings)s) tetap tercatat: buku besar tidak "
            "dihapus dan kembali utuh saat fitur dinyalakan lagi. Nasabah yang ingin menarik "
            "tabungannya perlu dilayani dulu sebelum fitur dimatikan.",
            savings=rupiah(int(savings or 0)),
        ),
    ]


def _price(before, after) -> dict:
    return {
        "buy": rupiah(int(after.get("buy_per_kg") or 0)),
        "sell": rupiah(int(after.get("sell_per_kg") or 0)),
        "day": after.get("valid_from", "—"),
    }


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject("wastebank_unit", _l("unit bank sampah “%(name)s”"), audit_names(Unit.name)),
        AuditObject(
            "wastebank_waste_type",
            _l("jenis sampah “%(name)s”"),
            audit_names(WasteType.name),
        ),
        # A member is named by their number only: the audit log is read by admins of the
        # whole kelurahan, who need not see who saves at the waste bank.
        AuditObject("wastebank_member", _l("nasabah %(name)s"), audit_names(Member.number)),
        AuditObject("wastebank_entry", _l("transaksi bank sampah #%(id)s")),
        AuditObject("wastebank_withdrawal_request", _l("permintaan penarikan bank sampah #%(id)s")),
        AuditPhrase(
            "wastebank.price_set",
            _l(
                "%(actor)s menetapkan harga %(object)s mulai %(day)s: beli %(buy)s/kg, "
                "jual %(sell)s/kg"
            ),
            _price,
        ),
        AuditPhrase(
            "wastebank.request_cancelled",
            _l("%(actor)s membatalkan %(object)s sebesar %(amount)s tanpa membayarnya"),
            lambda before, after: {"amount": rupiah(int(before.get("amount") or 0))},
            details=False,
        ),
    ]
