"""Waste-bank ledger: a member's balance and the monthly report against a plain-SQL floor.

    .venv/bin/python bench/wastebank_ledger.py [--deposits 100000] [--members 500]
        [--postgres URL] [--runs 15]

Seeds one unit with `--members` members and `--deposits` deposits (1 to 3 lines each) spread
over the last two years, with a withdrawal now and then, each with its checked running total
(bulk-inserted, as `ledger.post_deposit` would have written them; `ledger.verify()` proves
it). Then times, in the same run and on the same data, each against its floor:

* `ledger.balance()` against `SELECT SUM(amount)` of the member's book: the running total
  is one index lookup, so its ratio falls as books grow;
* the operator's member page (balance + first page of the book) against a floor page:
  the same request path (sign-in, kelurahan, layout) showing the plain-SQL sum and the
  book's 20 latest entries, and nothing else;
* `reports.compute()` + `ledger.balances()` against the six plain-SQL sums the unit
  report shows (kg per month and type, cash per month and kind, active members per month
  and in 90 days, sales, every member's balance);
* the unit report page against a floor page showing those six sums.

A floor page is added to the bench's own app only. Prints the ratios; the goal is at most
2× on both databases. Both databases when --postgres or KP_TEST_DATABASE_URL names a
server (a fresh database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    add_backend_arguments,
    make_app,
    median_time,
    postgres_database,
    print_table,
)
from sqlalchemy import insert, select  # noqa: E402

from app import tenancy  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Group, GroupMember, Kelurahan, User  # noqa: E402
from app.seed import seed_kelurahan  # noqa: E402

SLUG = "kauman"
TYPES = [
    ("Kertas / kardus", 2500),
    ("Plastik PET", 4000),
    ("Plastik campur", 1200),
    ("Logam / kaleng", 8000),
    ("Kaca", 500),
    ("Minyak jelantah", 5000),
]


def seed(app, deposits: int, members: int) -> dict:
    """The unit, its members and types, and the ledger rows; returns the ids the cases use."""
    from plugins.wastebank import ledger
    from plugins.wastebank.models import (
        Entry,
        EntryLine,
        Member,
        PricePeriod,
        Unit,
        WasteType,
    )
    from plugins.wastebank.pricing import line_value

    rng = random.Random(11)
    seed_kelurahan()
    with tenancy.all_kelurahan():
        kauman = db.session.execute(select(Kelurahan).where(Kelurahan.slug == SLUG)).scalar_one()
        kid = kauman.id
        with app.test_request_context():
            assert app.extensions["kp"].set_enabled(kauman, "wastebank", True) is None
            db.session.commit()
        operator = User(
            email="operator@contoh.id",
            display_name="Operator",
            password_hash="x",  # noqa: S106 - never signs in; the bench sets the session
            home_kelurahan_id=kid,
        )
        db.session.add(operator)
        db.session.flush()
        group = Group(
            kelurahan_id=kid,
            name="KSM Bank Sampah Bench",
            slug="ksm-bench",
            kind="ksm_bank_sampah",
            created_by_id=operator.id,
            verified_at=datetime.now(UTC),
        )
        group.members.append(
            GroupMember(kelurahan_id=kid, user_id=operator.id, role="operator", status="active")
        )
        db.session.add(group)
        db.session.flush()
        unit = Unit(kelurahan_id=kid, group_id=group.id, name="Bank Sampah Bench")
        db.session.add(unit)
        db.session.flush()
        start = datetime.now(UTC) - timedelta(days=730)
        types = []
        for position, (name, price) in enumerate(TYPES):
            waste_type = WasteType(kelurahan_id=kid, unit_id=unit.id, name=name, position=position)
            db.session.add(waste_type)
            db.session.flush()
            db.session.add(
                PricePeriod(
                    kelurahan_id=kid,
                    waste_type_id=waste_type.id,
                    buy_per_kg=price,
                    sell_per_kg=price + 500,
                    valid_from=start.date() - timedelta(days=1),
                )
            )
            types.append((waste_type.id, price))
        member_rows = [
            Member(kelurahan_id=kid, unit_id=unit.id, number=f"{n:04d}", name=f"Nasabah {n}")
            for n in range(1, members + 1)
        ]
        db.session.add_all(member_rows)
        db.session.commit()
        member_ids = [m.id for m in member_rows]

        # Deposits in time order, each member's running total kept as the ledger keeps it.
        moments = sorted(
            start + timedelta(seconds=rng.randrange(730 * 86400)) for _ in range(deposits)
        )
        state = {m: (0, 0) for m in member_ids}  # member: (seq, balance)
        entries, lines = [], []
        entry_id = line_id = 0
        for n, at in enumerate(moments):
            member = rng.choice(member_ids)
            seq, balance = state[member]
            entry_id += 1
            values = []
            for _ in range(rng.randint(1, 3)):
                type_id, price = rng.choice(types)
                grams = rng.randint(200, 15_000)
                value = line_value(grams, price)
                line_id += 1
                values.append(value)
                lines.append(
                    {
                        "id": line_id,
                        "kelurahan_id": kid,
                        "entry_id": entry_id,
                        "waste_type_id": type_id,
                        "grams": grams,
                        "direction": 1,
                        "price_per_kg": price,
                        "value": value,
                    }
                )
            amount = sum(values)
            entries.append(
                {
                    "id": entry_id,
                    "kelurahan_id": kid,
                    "unit_id": unit.id,
                    "member_id": member,
                    "member_seq": seq + 1,
                    "kind": "deposit",
                    "amount": amount,
                    "balance_after": balance + amount,
                    "idempotency_key": f"b{n}",
                    "created_by_id": operator.id,
                    "created_at": at,
                }
            )
            seq, balance = seq + 1, balance + amount
            if n % 20 == 19 and balance > 10_000:  # now and then, a withdrawal
                entry_id += 1
                entries.append(
                    {
                        "id": entry_id,
                        "kelurahan_id": kid,
                        "unit_id": unit.id,
                        "member_id": member,
                        "member_seq": seq + 1,
                        "kind": "withdrawal",
                        "amount": -10_000,
                        "balance_after": balance - 10_000,
                        "idempotency_key": f"w{n}",
                        "created_by_id": operator.id,
                        "created_at": at + timedelta(minutes=5),
                    }
                )
                seq, balance = seq + 1, balance - 10_000
            state[member] = (seq, balance)
        for i in range(0, len(entries), 5000):
            db.session.execute(insert(Entry), entries[i : i + 5000])
        for i in range(0, len(lines), 5000):
            db.session.execute(insert(EntryLine), lines[i : i + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT setval('wastebank_entry_id_seq', {entry_id})")
                conn.exec_driver_sql(f"SELECT setval('wastebank_entry_line_id_seq', {line_id})")
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        problems = ledger.verify()
        assert problems == [], problems[:5]
        busiest = max(state, key=lambda m: state[m][0])
        return {
            "unit": unit.id,
            "member": busiest,
            "book": state[busiest][0],
            "operator": operator.id,
            "entries": len(entries),
        }


# The floors: the sums alone, in the simplest plain SQL that gives the same figures.
MONTH = {
    "sqlite": "strftime('%Y-%m', {c}, '+7 hours')",
    "postgresql": "date_trunc('month', {c} + interval '7 hours')",
}
FLOOR_SQL = {
    "balance": "SELECT SUM(amount) FROM wastebank_entry WHERE member_id = :member",
    "book": (
        "SELECT e.id, e.kind, e.amount, e.balance_after, e.created_at, l.waste_type_id, "
        "l.grams, l.value FROM wastebank_entry e "
        "LEFT JOIN wastebank_entry_line l ON l.entry_id = e.id WHERE e.id IN "
        "(SELECT id FROM wastebank_entry WHERE member_id = :member "
        "ORDER BY member_seq DESC LIMIT 20) ORDER BY e.member_seq DESC"
    ),
    "kg": (
        "SELECT {month} AS month, e.kind, l.waste_type_id, SUM(l.grams * l.direction) "
        "FROM wastebank_entry_line l JOIN wastebank_entry e ON e.id = l.entry_id "
        "WHERE e.unit_id = :unit AND e.created_at >= :since "
        "GROUP BY month, e.kind, l.waste_type_id"
    ),
    "cash": (
        "SELECT {month} AS month, kind, SUM(amount) FROM wastebank_entry "
        "WHERE unit_id = :unit AND created_at >= :since GROUP BY month, kind"
    ),
    "active": (
        "SELECT {month} AS month, COUNT(DISTINCT member_id) FROM wastebank_entry "
        "WHERE unit_id = :unit AND kind = 'deposit' AND created_at >= :since GROUP BY month"
    ),
    "active_90_days": (
        "SELECT COUNT(DISTINCT member_id) FROM wastebank_entry WHERE unit_id = :unit "
        "AND kind = 'deposit' AND created_at >= :recent"
    ),
    "sales": (
        "SELECT e.created_at, l.waste_type_id, SUM(l.grams), SUM(l.value) "
        "FROM wastebank_entry_line l JOIN wastebank_entry e ON e.id = l.entry_id "
        "WHERE e.unit_id = :unit AND e.kind = 'sale' AND e.created_at >= :since "
        "GROUP BY e.created_at, l.waste_type_id"
    ),
    "balances": (
        "SELECT member_id, SUM(amount) FROM wastebank_entry WHERE unit_id = :unit "
        "GROUP BY member_id"
    ),
}
REPORT_SUMS = ("kg", "cash", "active", "active_90_days", "sales", "balances")

# A floor page shows the floor's figures in the bare layout, through the same request path
# (sign-in, kelurahan, header, footer): what any page showing those numbers must cost.
FLOOR_PAGE = """{% extends "base.html" %}{% block content %}
{% for name, rows in sums %}<table><caption>{{ name }}</caption>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endfor %}{% endblock %}"""


def report_params(unit_id: int) -> dict:
    from plugins.wastebank import reports

    recent = datetime.now(UTC) - timedelta(days=reports.ACTIVE_DAYS)
    return {"unit": unit_id, "since": reports.month_starts()[0], "recent": recent}


def floor_sql(dialect: str, name: str) -> str:
    month = MONTH[dialect].format(c="e.created_at" if name == "kg" else "created_at")
    return FLOOR_SQL[name].replace("{month}", month)


def add_floor_pages(app, dialect: str) -> None:
    """Two bench-only routes: the member page's and the report page's figures by plain SQL."""
    from flask import render_template_string
    from sqlalchemy import text

    from app.kit import login_required

    def sums(names, params):
        return [
            (name, db.session.execute(text(floor_sql(dialect, name)), params).all())
            for name in names
        ]

    @login_required
    def member_floor(member_id):
        return render_template_string(
            FLOOR_PAGE, sums=sums(("balance", "book"), {"member": member_id})
        )

    @login_required
    def report_floor(unit_id):
        return render_template_string(FLOOR_PAGE, sums=sums(REPORT_SUMS, report_params(unit_id)))

    prefix = "/k/<kelurahan_slug>/floor"
    app.add_url_rule(f"{prefix}/member/<int:member_id>", "floor_member", member_floor)
    app.add_url_rule(f"{prefix}/report/<int:unit_id>", "floor_report", report_floor)


def run_backend(name: str, database_url: str, args) -> list[list[str]]:
    from sqlalchemy import text

    from plugins.wastebank import ledger, reports
    from plugins.wastebank.models import Member, Unit

    dialect = "postgresql" if name == "PostgreSQL" else "sqlite"
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media, CACHE_TYPE="NullCache", RATELIMIT_ENABLED=False)
        add_floor_pages(app, dialect)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            ids = seed(app, args.deposits, args.members)
            seeded = time.perf_counter() - started
            db.session.remove()
        print(
            f"{name}: seeded {ids['entries']:,} entries in {seeded:.1f} s "
            f"(busiest book: {ids['book']} entries)",
            file=sys.stderr,
        )
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(ids["operator"])
            session["_fresh"] = True
        base = f"/k/{SLUG}/bank-sampah/unit/{ids['unit']}"
        rows = []

        def page(url):
            def get():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response.get_data()

            return get

        def plain(names, params):
            def run():
                return [
                    db.session.execute(text(floor_sql(dialect, n)), params).all() for n in names
                ]

            return run

        def case(label, measured, floor, floor_label):
            measured_s, _ = median_time(measured, args.runs)
            floor_s, _ = median_time(floor, args.runs)
            rows.append([name, label, floor_label, *_times(measured_s, floor_s)])

        with app.app_context(), tenancy.all_kelurahan():
            member = db.session.get(Member, ids["member"])
            unit = db.session.get(Unit, ids["unit"])
            kelurahan = db.session.get(Kelurahan, member.kelurahan_id)
            summed = db.session.execute(text(FLOOR_SQL["balance"]), {"member": member.id})
            assert ledger.balance(member) == summed.scalar_one()
            case(
                "balance: ledger.balance()",
                lambda: ledger.balance(member),
                plain(("balance",), {"member": member.id}),
                "SUM of the book",
            )
            case(
                "member page (HTTP)",
                page(f"{base}/nasabah/{member.id}"),
                page(f"/k/{SLUG}/floor/member/{member.id}"),
                "SUM + 20 entries, bare page",
            )
            case(
                "report: compute() + balances()",
                lambda: (reports.compute(kelurahan, unit), ledger.balances(unit)),
                plain(REPORT_SUMS, report_params(unit.id)),
                "the 6 sums",
            )
            case(
                "unit report page (HTTP)",
                page(f"{base}/laporan"),
                page(f"/k/{SLUG}/floor/report/{unit.id}"),
                "the 6 sums, bare page",
            )
        with app.app_context():
            db.engine.dispose()
    return rows


def _times(measured: float, floor: float) -> list[str]:
    return [f"{measured * 1000:.2f}", f"{floor * 1000:.2f}", f"{measured / floor:.1f}×"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deposits", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case")
    add_backend_arguments(parser)
    args = parser.parse_args()

    rows: list[list[str]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            rows += run_backend("SQLite", f"sqlite:///{path}", args)
    if args.postgres:
        with postgres_database(args.postgres) as (url, _dsn):
            rows += run_backend("PostgreSQL", url, args)
    print_table(
        f"Waste-bank ledger: {args.deposits:,} deposits over 2 years, {args.members} members "
        f"(median of {args.runs})",
        ["backend", "case", "floor", "measured ms", "floor ms", "ratio"],
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
