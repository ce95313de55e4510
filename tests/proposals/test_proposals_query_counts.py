"""The cycle report, a proposal's page with its comments, and the map's GeoJSON run the same
number of SQL statements with few proposals, supports and comments as with many: nothing
per proposal, supporter, comment or commenter. Requests are made signed in, so the
visitors' page cache is not used."""

from __future__ import annotations

import json

import pytest
from conftest import StatementCounter, act_as, enable_plugin
from proposals_helpers import BASE, make_cycle, make_proposal, text

from app.extensions import db as _db
from app.models import Media
from plugins.proposals.models import Ballot, Comment, Follow, PhaseKind, ProposalPhoto, Support


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")


_made = iter(range(10**6))


class World:
    def __init__(self, factory, cycle):
        self.factory = factory
        self.cycle = cycle
        self.proposals = []
        self.main = None

    def add(self, n: int) -> None:
        """`n` more proposals by new authors, each with a photo, two supporters and a
        follower; and `n` more comments (with replies) by new residents on the main one."""
        categories = ["infrastruktur", "lingkungan", "kesehatan"]
        for i in range(n):
            k = next(_made)
            author = self.factory.user("warga", "kauman", verified=True)
            proposal = make_proposal(
                self.cycle,
                author,
                title=f"Usulan massal {k}",
                category=categories[i % 3],
                rw=f"{1 + i % 4:03d}",
            )
            full, thumb = (
                Media(
                    relpath=f"proposals/massal-{k}-{size}.jpg",
                    width=w,
                    height=h,
                    content_type="image/jpeg",
                    size_bytes=1000,
                    kelurahan_id=proposal.kelurahan_id,
                )
                for size, w, h in (("full", 1200, 800), ("thumb", 480, 320))
            )
            _db.session.add(
                ProposalPhoto(
                    kelurahan_id=proposal.kelurahan_id, proposal=proposal, media=full, thumb=thumb
                )
            )
            for _ in range(2):
                supporter = self.factory.user("warga", "kauman", verified=True)
                _db.session.add_all(
                    [
                        Support(
                            kelurahan_id=proposal.kelurahan_id,
                            proposal_id=proposal.id,
                            user_id=supporter.id,
                        ),
                        Ballot(
                            kelurahan_id=proposal.kelurahan_id,
                            cycle_id=self.cycle.id,
                            user_id=supporter.id,
                            used=1,
                        ),
                        Follow(
                            kelurahan_id=proposal.kelurahan_id,
                            proposal_id=proposal.id,
                            user_id=supporter.id,
                        ),
                    ]
                )
            proposal.support_count = 2
            _db.session.commit()
            self.proposals.append(proposal)
        if self.main is None:
            self.main = self.proposals[0]
        for _ in range(n):
            commenter = self.factory.user("warga", "kauman", verified=True)
            top = Comment(
                kelurahan_id=self.main.kelurahan_id,
                proposal_id=self.main.id,
                user_id=commenter.id,
                body=f"Komentar warga {next(_made)}",
            )
            _db.session.add(top)
            _db.session.flush()
            replier = self.factory.user("warga", "kauman", verified=True)
            _db.session.add(
                Comment(
                    kelurahan_id=self.main.kelurahan_id,
                    proposal_id=self.main.id,
                    parent_id=top.id,
                    user_id=replier.id,
                    body=f"Balasan warga {next(_made)}",
                )
            )
        _db.session.commit()


def urls(world) -> dict[str, str]:
    cycle = world.cycle
    return {
        "current cycle": f"{BASE}/",
        "cycle report": f"{BASE}/siklus/{cycle.id}",
        "cycle report, filtered": f"{BASE}/siklus/{cycle.id}?kategori=infrastruktur&rw=1",
        "proposal with comments": f"{BASE}/{world.main.id}",
        "map": f"{BASE}/peta.geojson?siklus={cycle.id}",
        "map, filtered": f"{BASE}/peta.geojson?siklus={cycle.id}&kategori=lingkungan",
        "printable report": f"{BASE}/siklus/{cycle.id}/cetak",
    }


def measure(client, world) -> dict[str, int]:
    counts = {}
    for name, url in urls(world).items():
        assert client.get(url).status_code == 200, url  # warm-up: connection, caches
        with StatementCounter(_db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = counter.n
    return counts


def test_pages_and_the_map_do_not_grow_with_the_data(client, factory):
    cycle = make_cycle(current=PhaseKind.SUPPORT, threshold=2)
    world = World(factory, cycle)
    world.add(3)
    resident = factory.user("warga", "kauman", verified=True)
    staff = factory.user("petugas", "kauman", verified=True)
    _db.session.add(
        Support(kelurahan_id=cycle.kelurahan_id, proposal_id=world.main.id, user_id=resident.id)
    )
    _db.session.commit()

    def measure_all():
        counts = {}
        for who, user in (("resident", resident), ("staff", staff)):
            act_as(client, user)
            counts.update({f"{k} ({who})": v for k, v in measure(client, world).items()})
        return counts

    small = measure_all()
    world.add(12)
    # The larger world really is larger, on every page measured.
    act_as(client, resident)
    report = text(client.get(f"{BASE}/siklus/{cycle.id}"))
    assert report.count('class="proposal-card') == 15
    page = text(client.get(f"{BASE}/{world.main.id}"))
    assert page.count("Komentar warga") == 15 and page.count("Balasan warga") == 15
    features = json.loads(client.get(f"{BASE}/peta.geojson?siklus={cycle.id}").data)["features"]
    assert len(features) == 15
    large = measure_all()
    assert large == small, "\n".join(
        f"{name}: {small[name]} statements with 3, {large[name]} with 15"
        for name in small
        if small[name] != large[name]
    )
