"""Waste-bank ledger: a member's balance and the monthly report against a plain-SQL floor.

    .venv/bin/python bench/wastebank_ledger.py [--deposits 100000] [--members 500]
        [--postgres URL] [--runs 15]

Seeds one unit with `--members` members and `--deposits` deposits (1 to 3 lines each) spread
over the last two years, with a withdrawal now and then, each with its checked running total
(bulk-inserted, as `ledger.post_deposit` would have written them; `ledger.verify()` proves
it). Then times, in the same run and on the same data:

* the balance: `ledger.balance(member)` and the operator's member page (balance + first page
  of the book) against the floor `SELECT SUM(amount) ... WHERE member_id = ?`;
* the monthly report: the unit's report page and W3's `kg_by_month_and_type` query against the
  floor `SELECT month, type, SUM(grams) ... GROUP BY month, type`.

Prints the ratios (the goal is at most 2×; a balance must not grow slower with history: the
running total is one index lookup, so its ratio falls as books grow). Both databases when
--postgres or KP_TEST_DATABASE_URL names a server (a fresh database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
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


BALANCE_FLOOR = "SELECT SUM(amount) FROM wastebank_entry WHERE member_id = {p}"
MONTHLY_FLOOR = {
    "sqlite": (
        "SELECT strftime('%Y-%m', e.created_at) AS month, l.waste_type_id, "
        "SUM(l.grams * l.direction) FROM wastebank_entry_line l "
        "JOIN wastebank_entry e ON e.id = l.entry_id WHERE e.unit_id = ? "
        "AND e.created_at >= ? GROUP BY month, l.waste_type_id"
    ),
    "postgresql": (
        "SELECT date_trunc('month', e.created_at) AS month, l.waste_type_id, "
        "SUM(l.grams * l.direction) FROM wastebank_entry_line l "
        "JOIN wastebank_entry e ON e.id = l.entry_id WHERE e.unit_id = %s "
        "AND e.created_at >= %s GROUP BY month, l.waste_type_id"
    ),
}


def run_backend(name: str, database_url: str, raw_connect, args) -> list[list[str]]:
    from plugins.wastebank import ledger, reports
    from plugins.wastebank.models import Member

    dialect = "postgresql" if name == "PostgreSQL" else "sqlite"
    placeholder = "%s" if dialect == "postgresql" else "?"
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media, CACHE_TYPE="NullCache", RATELIMIT_ENABLED=False)
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
        raw = raw_connect()
        rows = []

        def page(url):
            def get():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response.get_data()

            return get

        def floor(sql, params):
            def run():
                cur = raw.cursor()
                cur.execute(sql, params)
                return cur.fetchall()

            return run

        with app.app_context(), tenancy.all_kelurahan():
            member = db.session.get(Member, ids["member"])
            starts = reports.month_starts()
            since = starts[0]
            kid = member.kelurahan_id

            balance_floor = floor(BALANCE_FLOOR.format(p=placeholder), (member.id,))
            floor_s, floor_rows = median_time(balance_floor, args.runs)
            service_s, value = median_time(lambda: ledger.balance(member), args.runs)
            assert value == floor_rows[0][0], (value, floor_rows)
            page_s, _ = median_time(page(f"{base}/nasabah/{member.id}"), args.runs)
            rows.append([name, "balance: ledger.balance()", *_times(service_s, floor_s)])
            rows.append([name, "balance: member page (HTTP)", *_times(page_s, floor_s)])

            since_param = since if dialect == "postgresql" else since.strftime("%Y-%m-%d %H:%M:%S")
            monthly_floor = floor(MONTHLY_FLOOR[dialect], (ids["unit"], since_param))
            floor_s, _ = median_time(monthly_floor, args.runs)
            service_s, _ = median_time(
                lambda: reports.kg_by_month_and_type(kid, ids["unit"], starts), args.runs
            )
            page_s, _ = median_time(page(f"{base}/laporan"), args.runs)
            rows.append([name, "monthly: kg_by_month_and_type()", *_times(service_s, floor_s)])
            rows.append([name, "monthly: unit report page (HTTP)", *_times(page_s, floor_s)])
        raw.close()
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
            rows += run_backend("SQLite", f"sqlite:///{path}", lambda: sqlite3.connect(path), args)
    if args.postgres:
        import psycopg

        with postgres_database(args.postgres) as (url, dsn):
            rows += run_backend("PostgreSQL", url, lambda dsn=dsn: psycopg.connect(dsn), args)
    print_table(
        f"Waste-bank ledger: {args.deposits:,} deposits over 2 years, {args.members} members "
        f"(median of {args.runs})",
        ["backend", "case", "measured ms", "floor ms", "ratio"],
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
