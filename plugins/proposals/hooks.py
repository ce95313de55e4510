"""Hooks through which proposals appear on the kelurahan's menu, home page, map,
dashboards, search, open data, staff's "Tugas saya" and the demo.

Everything here is public already (proposals are public from submission); the exports
carry the author's public name and nothing else about them. Each hook is a fixed number
of queries."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.kit import (
    AuditObject,
    AuditPhrase,
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    _l,
    audit_names,
    can,
    count_and_oldest,
    db,
    flag_queue,
    hookimpl,
    last_change,
    parse_id,
    public_url,
    rows_as_features,
    snippet,
)

from .access import REVIEW, current_cycle
from .forms import CATEGORIES
from .models import Ballot, Comment, Cycle, Proposal, Result, Status
from .phases import state_of

__all__ = [
    "kp_nav_items",
    "kp_map_layers",
    "kp_home_widgets",
    "kp_dimension_metrics",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_demo_data",
    "kp_audit_phrases",
    "kp_plugin_off_impact",
]

VISIBLE = (Status.SUBMITTED.value, Status.ACCEPTED.value, Status.REJECTED.value)


@hookimpl
def kp_nav_items(kelurahan, user):
    return [
        NavItem(_l("Usulan warga"), url_for("proposals.index", kelurahan_slug=kelurahan.slug), 25)
    ]


@hookimpl
def kp_map_layers(kelurahan):
    def proposals(args):
        query = select(Proposal).where(
            Proposal.kelurahan_id == kelurahan.id, Proposal.status.in_(VISIBLE)
        )
        cycle_id = parse_id(args.get("siklus"))
        if cycle_id is not None:
            query = query.where(Proposal.cycle_id == cycle_id)
        else:
            current = db.session.scalar(
                select(func.max(Cycle.id)).where(Cycle.kelurahan_id == kelurahan.id)
            )
            query = query.where(Proposal.cycle_id == (current or 0))
        category = args.get("kategori", "")
        if category in CATEGORIES:
            query = query.where(Proposal.category == category)
        rw = args.get("rw", "")
        if rw.isascii() and rw.isdigit() and len(rw) <= 3:
            query = query.where(Proposal.rw == rw.zfill(3))
        return query

    return [
        MapLayer(
            "proposals",
            _l("Usulan warga"),
            query=proposals,
            columns=(Proposal.title, Proposal.category, Proposal.support_count, Proposal.status),
            link="proposals.proposal",
            link_arg="proposal_id",
            icon="megaphone",
        )
    ]


@hookimpl
def kp_home_widgets(kelurahan, user):
    cycle = current_cycle()
    if cycle is None:
        return []
    state = state_of(cycle)
    from .views import day_text

    ends = day_text(state.phase.ends_on) if state.phase is not None else ""
    context = {"cycle": cycle, "state": state, "kelurahan": kelurahan, "ends_text": ends}
    return [
        HomeWidget(
            "proposals-phase",
            _l("Musrenbang Kelurahan"),
            "proposals/_widget.html",
            context,
            order=20,
        )
    ]


def _current_cycle_id(kelurahan) -> int | None:
    cycle = current_cycle()
    return cycle.id if cycle is not None and cycle.kelurahan_id == kelurahan.id else None


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    cycle_id = _current_cycle_id(kelurahan) or 0
    row = db.session.execute(
        select(
            func.count(Proposal.id),
            func.coalesce(func.sum(Proposal.support_count), 0),
            func.count(Proposal.id).filter(Proposal.status == Status.ACCEPTED.value),
            func.count(Proposal.id).filter(
                Proposal.status.in_((Status.ACCEPTED.value, Status.REJECTED.value))
            ),
        ).where(Proposal.kelurahan_id == kelurahan.id, Proposal.cycle_id == cycle_id)
    ).one()
    # Residents who took part: supporters and authors, each counted once.
    took_part = db.session.scalar(
        select(func.count()).select_from(
            select(Ballot.user_id)
            .where(
                Ballot.kelurahan_id == kelurahan.id, Ballot.cycle_id == cycle_id, Ballot.used > 0
            )
            .union(
                select(Proposal.author_id).where(
                    Proposal.kelurahan_id == kelurahan.id, Proposal.cycle_id == cycle_id
                )
            )
            .subquery()
        )
    )
    decided = row[3]
    share = round(100 * row[2] / decided) if decided else 0
    listing = url_for("proposals.index", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "governance",
            "proposals_cycle",
            _l("Usulan warga siklus ini"),
            row[0],
            _l("Usulan warga yang terbit dalam siklus Musrenbang yang sedang berjalan."),
            over_period=False,
            url=listing,
        ),
        Metric(
            "governance",
            "proposals_supports",
            _l("Dukungan warga siklus ini"),
            int(row[1]),
            _l("Dukungan warga terverifikasi untuk usulan siklus yang sedang berjalan."),
            over_period=False,
            url=listing,
        ),
        Metric(
            "governance",
            "proposals_participants",
            _l("Warga yang ikut mengusulkan atau mendukung"),
            int(took_part or 0),
            _l(
                "Warga berbeda yang menulis usulan atau memberi dukungan dalam siklus yang "
                "sedang berjalan."
            ),
            over_period=False,
            url=listing,
        ),
        Metric(
            "governance",
            "proposals_accepted_pct",
            _l("Usulan diterima dari yang diputuskan (%)"),
            share,
            _l("Dari usulan siklus berjalan yang sudah diputuskan, yang diterima."),
            unit="%",
            higher_is_better=None,
            over_period=False,
            url=listing,
        ),
    ]


def _contains(column, needle):
    return func.lower(column).contains(needle, autoescape=True)


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = query.lower()
    rows = db.session.execute(
        select(Proposal)
        .where(
            Proposal.kelurahan_id == kelurahan.id,
            Proposal.status.in_(VISIBLE),
            or_(
                _contains(Proposal.title, needle),
                _contains(Proposal.problem, needle),
                _contains(Proposal.solution, needle),
            ),
        )
        .order_by(Proposal.id.desc())
        .limit(limit)
    ).scalars()
    return [
        SearchHit(
            p.title,
            url_for("proposals.proposal", kelurahan_slug=kelurahan.slug, proposal_id=p.id),
            snippet(p.problem),
            _l("Usulan warga"),
        )
        for p in rows
    ]


# -- open data ---------------------------------------------------------------------------------

PROPOSAL_HEADER = [
    "id",
    "siklus",
    "judul",
    "kategori",
    "masalah",
    "usulan",
    "penerima_manfaat",
    "rt",
    "rw",
    "pengusul",
    "perkiraan_biaya",
    "dukungan",
    "status",
    "alasan",
    "digabung_ke",
    "dibawa_dari",
    "lat",
    "lng",
    "url",
]

RESULT_HEADER = [
    "id",
    "siklus",
    "judul",
    "kategori",
    "rw",
    "dukungan",
    "hasil",
    "peringkat",
    "anggaran_disepakati",
    "catatan",
    "url",
]
PUBLIC_STATUSES = [s.value for s in Status if s is not Status.WITHDRAWN]

PROPOSAL_COLUMNS = (
    Column("id", _l("Nomor usulan (juga di alamat halamannya)"), "integer"),
    Column("siklus", _l("Siklus Musrenbang, misalnya tahun anggarannya")),
    Column("judul", _l("Judul usulan")),
    Column("kategori", _l("Kategori usulan")),
    Column("masalah", _l("Masalah yang ingin diselesaikan")),
    Column("usulan", _l("Usulan penyelesaian")),
    Column("penerima_manfaat", _l("Siapa yang mendapat manfaat, seperti ditulis pengusul")),
    Column("rt", _l("RT lokasi usulan; kosong bila tidak disebut")),
    Column("rw", _l("RW lokasi usulan")),
    Column(
        "pengusul",
        _l("Nama publik pengusul: nama kelompok, atau nama tampilan warga yang mengusulkan"),
    ),
    Column("perkiraan_biaya", _l("Perkiraan biaya dalam rupiah"), "integer"),
    Column("dukungan", _l("Jumlah warga yang mendukung usulan"), "integer"),
    Column("status", _l("Status usulan: %(keys)s", keys=", ".join(PUBLIC_STATUSES))),
    Column("alasan", _l("Alasan status dari petugas, bila ada")),
    Column("digabung_ke", _l("Nomor usulan tempat usulan ini digabung"), "integer"),
    Column("dibawa_dari", _l("Nomor usulan siklus sebelumnya yang dibawa ke sini"), "integer"),
    Column("lat", _l("Garis lintang lokasi usulan (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur lokasi usulan (WGS 84)"), "number"),
    Column("url", _l("Alamat halaman usulan")),
)
RESULT_COLUMNS = (
    Column("id", _l("Nomor usulan"), "integer"),
    Column("siklus", _l("Siklus Musrenbang")),
    Column("judul", _l("Judul usulan")),
    Column("kategori", _l("Kategori usulan")),
    Column("rw", _l("RW lokasi usulan")),
    Column("dukungan", _l("Jumlah warga yang mendukung usulan"), "integer"),
    Column("hasil", _l("Hasil musyawarah: %(keys)s", keys=", ".join(Result))),
    Column("peringkat", _l("Peringkat prioritas; kosong bila bukan prioritas"), "integer"),
    Column("anggaran_disepakati", _l("Anggaran yang disepakati dalam rupiah"), "integer"),
    Column("catatan", _l("Catatan hasil musyawarah")),
    Column("url", _l("Alamat halaman usulan")),
)


def _all_rows(kelurahan) -> list[Proposal]:
    return list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.kelurahan_id == kelurahan.id, Proposal.status != Status.WITHDRAWN.value)
            .options(
                selectinload(Proposal.author),
                selectinload(Proposal.group),
                selectinload(Proposal.cycle),
            )
            .order_by(Proposal.id)
        ).scalars()
    )


def proposal_records(kelurahan) -> list[dict]:
    return [
        {
            "id": p.id,
            "siklus": p.cycle.title,
            "judul": p.title,
            "kategori": p.category,
            "masalah": p.problem,
            "usulan": p.solution,
            "penerima_manfaat": p.beneficiaries,
            "rt": p.rt,
            "rw": p.rw,
            "pengusul": p.author_label,
            "perkiraan_biaya": p.estimated_cost,
            "dukungan": p.support_count,
            "status": p.status,
            "alasan": p.status_reason,
            "digabung_ke": p.merged_into_id or "",
            "dibawa_dari": p.carried_from_id or "",
            "lat": p.lat,
            "lng": p.lng,
            "url": public_url(
                "proposals.proposal", kelurahan_slug=kelurahan.slug, proposal_id=p.id
            ),
        }
        for p in _all_rows(kelurahan)
    ]


@hookimpl
def kp_open_data(kelurahan):
    def proposals_csv():
        return PROPOSAL_HEADER, [
            [r[k] for k in PROPOSAL_HEADER] for r in proposal_records(kelurahan)
        ]

    def proposals_geojson():
        return rows_as_features(proposal_records(kelurahan))

    def results_csv():
        rows = [p for p in _all_rows(kelurahan) if p.result is not None]
        rows.sort(key=lambda p: (p.cycle_id, p.result_rank is None, p.result_rank or 0, p.id))
        return RESULT_HEADER, [
            [
                p.id,
                p.cycle.title,
                p.title,
                p.category,
                p.rw,
                p.support_count,
                p.result,
                p.result_rank or "",
                "" if p.result_amount is None else p.result_amount,
                p.result_note,
                public_url("proposals.proposal", kelurahan_slug=kelurahan.slug, proposal_id=p.id),
            ]
            for p in rows
        ]

    return [
        Dataset(
            "usulan-warga",
            _l("Usulan warga Musrenbang"),
            _l(
                "Semua usulan warga menuju Musrenbang Kelurahan dari setiap siklus: judul, "
                "kategori, masalah dan usulan penyelesaian, RT/RW, lokasi, perkiraan biaya "
                "(rupiah), jumlah dukungan, status dan alasannya. Pengusul hanya nama publiknya."
            ),
            csv=proposals_csv,
            geojson=proposals_geojson,
            columns=PROPOSAL_COLUMNS,
            updated=lambda: last_change(Proposal.updated_at, Cycle.updated_at),
        ),
        Dataset(
            "usulan-hasil-musrenbang",
            _l("Hasil Musrenbang Kelurahan"),
            _l(
                "Hasil musyawarah untuk setiap usulan: prioritas dengan peringkat dan anggaran "
                "yang disepakati (rupiah), diteruskan ke kecamatan, masuk RKPD, atau tidak "
                "terpilih."
            ),
            csv=results_csv,
            columns=RESULT_COLUMNS,
            updated=lambda: last_change(
                select(func.max(Proposal.updated_at)).where(Proposal.result.is_not(None)),
                Cycle.updated_at,
            ),
        ),
    ]


@hookimpl
def kp_staff_tasks(kelurahan, user):
    if not can(REVIEW, user=user, kelurahan=kelurahan):
        return []
    count, oldest = count_and_oldest(
        select(Proposal).where(
            Proposal.kelurahan_id == kelurahan.id, Proposal.status == Status.SUBMITTED.value
        ),
        Proposal.created_at,
    )
    flagged, flagged_since = flag_queue("proposals")
    url = url_for("proposals.review_queue", kelurahan_slug=kelurahan.slug)
    return [
        StaffTask(
            "proposals-review", _l("Usulan warga menunggu verifikasi"), count, url, oldest, order=30
        ),
        StaffTask(
            "proposals-comments",
            _l("Komentar usulan yang ditandai warga"),
            flagged,
            url,
            flagged_since,
            order=31,
        ),
    ]


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_proposals

    seed_demo_proposals(kelurahan)


# -- the admin's pages -------------------------------------------------------------------------


@hookimpl
def kp_plugin_off_impact(kelurahan):
    from app.kit import count_rows

    total = count_rows(select(Proposal.id).where(Proposal.kelurahan_id == kelurahan.id))
    return [
        _l(
            "%(n)s usulan warga dan laporan siklus Musrenbang tidak lagi tampil; warga tidak "
            "bisa mengajukan atau mendukung usulan. Data tidak dihapus dan kembali saat "
            "dinyalakan lagi.",
            n=total,
        )
    ]


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject("proposals_proposal", _l("usulan “%(name)s”"), audit_names(Proposal.title)),
        AuditObject("proposals_cycle", _l("siklus “%(name)s”"), audit_names(Cycle.title)),
        AuditObject("proposals_comment", _l("komentar #%(name)s"), audit_names(Comment.id)),
        AuditPhrase("proposals.submitted", _l("%(actor)s mengajukan %(object)s")),
        AuditPhrase("proposals.edited", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("proposals.withdrawn", _l("%(actor)s menarik %(object)s")),
        AuditPhrase("proposals.accepted", _l("%(actor)s menerima %(object)s untuk musyawarah")),
        AuditPhrase("proposals.rejected", _l("%(actor)s tidak menerima %(object)s")),
        AuditPhrase("proposals.merged", _l("%(actor)s menggabungkan %(object)s ke usulan lain")),
        AuditPhrase("proposals.result", _l("%(actor)s mencatat hasil musyawarah %(object)s")),
        AuditPhrase(
            "proposals.carried_over", _l("%(actor)s membawa %(object)s ke siklus berikutnya")
        ),
        AuditPhrase("proposals.cycle_opened", _l("%(actor)s membuka %(object)s")),
        AuditPhrase("proposals.cycle_changed", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("proposals.phase_moved", _l("%(actor)s memindahkan tahap %(object)s")),
        AuditPhrase("proposals.meeting_saved", _l("%(actor)s mencatat musyawarah %(object)s")),
        AuditPhrase("proposals.comment_hidden", _l("%(actor)s menyembunyikan %(object)s")),
        AuditPhrase("proposals.comment_restored", _l("%(actor)s menampilkan lagi %(object)s")),
    ]
