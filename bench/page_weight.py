"""Page weight of Kauman's reports map page, uncompressed and as the app sends it compressed.

    .venv/bin/python bench/page_weight.py

Builds the demo set in a fresh SQLite file, then asks for /k/kauman/laporan/ as a visitor and
for every script and stylesheet the page links (local assets, KP_ASSETS=local), once without
and once with `Accept-Encoding: gzip` (and once with `br`). Prints each file's size and the
ratio compressed / uncompressed, and the total. Sizes only: nothing is timed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import make_app, print_table  # noqa: E402

PAGE = "/k/kauman/laporan/"
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="(/[^"]+\.(?:js|css))"')


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def weights(client) -> list[tuple[str, int, int, int]]:
    """(url, uncompressed, gzip, brotli) bytes for the page and each asset it links."""
    html = client.get(PAGE).get_data(as_text=True)
    rows = []
    for url in [PAGE, *dict.fromkeys(ASSET.findall(html))]:
        sizes = []
        for encoding in ("identity", "gzip", "br"):
            response = client.get(url, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200, (url, response.status_code)
            sizes.append(len(response.get_data()))
        rows.append((url, *sizes))
    return rows


def main() -> None:
    from app.extensions import db
    from app.seed import seed_demo, seed_kelurahan

    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(f"sqlite:///{workdir}/bench.db", f"{workdir}/media")
        with app.app_context():
            db.create_all()
            seed_kelurahan()
            seed_demo()
            rows = weights(app.test_client())
            db.session.remove()
            db.engine.dispose()
    total = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    lines = [
        [url, kib(raw), kib(gz), f"{gz / raw:.2f}×", kib(br), f"{br / raw:.2f}×"]
        for url, raw, gz, br in [*rows, ("total", *total)]
    ]
    print_table(
        f"Page weight of {PAGE} (visitor, local assets)",
        ["file", "uncompressed", "gzip", "ratio", "brotli", "ratio"],
        lines,
    )


if __name__ == "__main__":
    main()
