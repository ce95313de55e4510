"""Permanent redirects from a plugin's former URL segment to its current one
(`Manifest.former_paths`), e.g. /k/kauman/reports/12 -> /k/kauman/laporan/12."""

from flask import g, redirect, request


def moved(new_path: str, rest: str = ""):
    target = f"/k/{g.kelurahan.slug}/{new_path}/{rest}"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    # 301 for reading; 308 keeps a POST a POST (an old form left open on a phone).
    return redirect(target, 301 if request.method in ("GET", "HEAD") else 308)
