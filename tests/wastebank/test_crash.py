"""A process posting a batch of deposits is killed (SIGKILL) in the middle of it. After a
restart, every deposit it acknowledged (printed only after its commit) is in the ledger with
all its lines, nothing is half-written, and every balance is still the sum of its entries.
On SQLite (a file, WAL) and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fresh_database, make_app
from ledger_helpers import make_member, make_operator, make_type, make_unit
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.seed import seed_kelurahan
from plugins.wastebank import ledger, pricing
from plugins.wastebank.models import Entry, EntryLine, Member

ROOT = Path(__file__).resolve().parents[2]
ACKNOWLEDGED_BEFORE_KILL = 25

# The child: posts deposits of 2 lines each, printing "<entry id> <key>" after each commit.
CHILD = """
import sys
from pathlib import Path
from tests.conftest import make_app
from app import tenancy
from app.extensions import db
from app.models import User
from plugins.wastebank import ledger
from plugins.wastebank.models import Member, WasteType

url, tmp, member_ids, type_id, operator_id = sys.argv[1:6]
app = make_app(url, Path(tmp))
with app.app_context(), tenancy.all_kelurahan():
    operator = db.session.get(User, int(operator_id))
    paper = db.session.get(WasteType, int(type_id))
    members = [int(m) for m in member_ids.split(",")]
    for i in range(100000):
        member = db.session.get(Member, members[i % len(members)])
        key = f"crash-{i}"
        entry = ledger.post_deposit(member, [(paper, 1000 + i), (paper, 7)], operator, key=key)
        print(entry.id, key, flush=True)
"""


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_killed_batch_keeps_every_acknowledged_deposit_whole(backend, tmp_path):
    with fresh_database(backend, tmp_path, "kp_wb_crash") as url:
        app = make_app(url, tmp_path)
        with app.app_context(), tenancy.all_kelurahan():
            db.create_all()
            seed_kelurahan()
            unit = make_unit()
            paper = make_type(unit, "Kertas / kardus", buy=2000)
            members = [make_member(unit) for _ in range(3)]
            operator = make_operator()
            args = [
                url,
                str(tmp_path),
                ",".join(str(m.id) for m in members),
                str(paper.id),
                str(operator.id),
            ]
            db.session.remove()
            db.engine.dispose()

        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        acknowledged: list[tuple[int, str]] = []
        try:
            for line in child.stdout:
                entry_id, key = line.split()
                acknowledged.append((int(entry_id), key))
                if len(acknowledged) == ACKNOWLEDGED_BEFORE_KILL:
                    child.send_signal(signal.SIGKILL)  # mid-batch: the next post is under way
                    break
            rest, errors = child.communicate()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL, errors
        for line in rest.splitlines():  # printed after a commit, before the kill landed
            entry_id, key = line.split()
            acknowledged.append((int(entry_id), key))
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

        # The restart: a new process' view of the database.
        restarted = make_app(url, tmp_path)
        with restarted.app_context(), tenancy.all_kelurahan():
            entries = {
                e.id: e for e in db.session.execute(select(Entry).order_by(Entry.id)).scalars()
            }
            for entry_id, key in acknowledged:
                entry = entries[entry_id]
                i = int(key.removeprefix("crash-"))
                assert entry.idempotency_key == key
                assert [line.grams for line in entry.lines] == [1000 + i, 7]
                assert entry.amount == pricing.line_value(1000 + i, 2000) + 14
            # Nothing half-written: no entry without its lines, no line without its entry.
            assert all(len(entry.lines) == 2 for entry in entries.values())
            assert db.session.scalar(select(func.count()).select_from(EntryLine)) == 2 * len(
                entries
            )
            # At most the one post the kill interrupted can have committed unacknowledged.
            assert len(entries) - len(acknowledged) in (0, 1)
            assert ledger.verify() == []
            for member in db.session.execute(select(Member)).scalars():
                total = db.session.scalar(
                    select(func.coalesce(func.sum(Entry.amount), 0)).where(
                        Entry.member_id == member.id
                    )
                )
                assert ledger.balance(member) == total
            db.session.remove()
            db.engine.dispose()
