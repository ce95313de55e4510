"""What the guide and calendar pages show, for one kelurahan or the whole city: the
filtered, paged destinations grouped by category ("open now" computed in WIB), and the
events calendar of a month, as a grid or a list. A fixed number of queries per page."""

from __future__ import annotations

import calendar as stdcalendar
import re
from datetime import date, datetime, timedelta

from flask import request
from sqlalchemy import select

from app.kit import WIB, db, page_number

from . import hours as opening
from .forms import CATEGORY_LABELS
from .models import Destination, Status, TourEvent
from .queries import PER_PAGE, now_utc, public_destinations, public_events, sittings

GUIDE_CAP = 2000  # destinations read for one guide page; a city has a few hundred
WIDGET_DAYS = 7
UPCOMING_ON_GUIDE = 6
UPCOMING_DAYS = 62  # the calendar list's first page
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Page:
    """A page of results with the attributes macros/ui.html's pagination reads."""

    def __init__(self, items, page: int, total: int):
        self.items, self.page, self.total = items, page, total
        self.pages = max(1, -(-total // PER_PAGE))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


def read_guide_filters(args) -> dict:
    category = (args.get("kategori") or "").strip()
    return {
        "kategori": category if category in CATEGORY_LABELS else "",
        "buka": (args.get("buka") or "") == "1",
    }


def guide_context(kelurahan_ids, *, kelurahan=None, moment: datetime | None = None) -> dict:
    filters = read_guide_filters(request.args)
    at = moment or now_utc()
    # A light first read decides the page: category and hours of every published one.
    rows = db.session.execute(
        select(
            Destination.id, Destination.category, Destination.hours, Destination.closed_on_holidays
        )
        .where(
            Destination.kelurahan_id.in_(kelurahan_ids),
            Destination.status == Status.PUBLISHED.value,
        )
        .order_by(Destination.name, Destination.id)
        .limit(GUIDE_CAP)
    ).all()
    open_ids = {r.id for r in rows if opening.is_open(r.hours, r.closed_on_holidays, at)}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.category] = counts.get(r.category, 0) + 1
    chosen = [
        r
        for r in rows
        if (not filters["kategori"] or r.category == filters["kategori"])
        and (not filters["buka"] or r.id in open_ids)
    ]
    # Grouped by category in the guide's order, then by name.
    order = {key: i for i, key in enumerate(CATEGORY_LABELS)}
    chosen.sort(key=lambda r: order.get(r.category, len(order)))
    page = page_number()
    ids = [r.id for r in chosen[(page - 1) * PER_PAGE : page * PER_PAGE]]
    loaded = {
        d.id: d
        for d in db.session.execute(
            public_destinations().where(Destination.id.in_(ids or [0]))
        ).scalars()
    }
    items = [loaded[i] for i in ids if i in loaded]
    groups: list[tuple[str, list]] = []
    for item in items:
        if not groups or groups[-1][0] != item.category:
            groups.append((item.category, []))
        groups[-1][1].append(item)
    return {
        "filters": filters,
        "filters_active": bool(filters["kategori"] or filters["buka"]),
        "pagination": Page(items, page, len(chosen)),
        "groups": groups,
        "category_counts": counts,
        "open_ids": open_ids,
        "total_published": len(rows),
        "upcoming": upcoming_sittings(kelurahan_ids, UPCOMING_ON_GUIDE, moment=at),
        "kelurahan": kelurahan,
    }


def window_events(kelurahan_ids, start: datetime, end: datetime):
    return list(
        db.session.execute(
            public_events()
            .where(
                TourEvent.kelurahan_id.in_(kelurahan_ids),
                TourEvent.starts_at < end,
                TourEvent.series_ends_at > start,
            )
            .order_by(TourEvent.starts_at, TourEvent.id)
            .limit(300)
        ).scalars()
    )


def upcoming_sittings(kelurahan_ids, limit: int, *, days: int = 60, moment=None):
    start = moment or now_utc()
    end = start + timedelta(days=days)
    return sittings(window_events(kelurahan_ids, start, end), start, end)[:limit]


def _month_arg(raw: str | None, today: date) -> date | None:
    if not raw:
        return date(today.year, today.month, 1)
    found = MONTH.match(raw.strip())
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _shift(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def calendar_context(kelurahan_ids, *, endpoint: str, moment: datetime | None = None):
    """The month's sittings for ?bulan=YYYY-MM (this month by default) as a grid
    (?tampilan=bulan) or a list (the default, easier on a phone). None for a malformed
    month: the page answers 400."""
    at = (moment or now_utc()).astimezone(WIB)
    month = _month_arg(request.args.get("bulan"), at.date())
    if month is None:
        return None
    view = "bulan" if request.args.get("tampilan") == "bulan" else "daftar"
    first = datetime(month.year, month.month, 1, tzinfo=WIB)
    after = datetime(_shift(month, 1).year, _shift(month, 1).month, 1, tzinfo=WIB)
    upcoming = view == "daftar" and not request.args.get("bulan")
    if upcoming:  # the list's first page: what is on from now, not this month's past
        first, after = at, at + timedelta(days=UPCOMING_DAYS)
    found = sittings(window_events(kelurahan_ids, first, after), first, after)
    by_day: dict[date, list] = {}
    for sitting in found:
        by_day.setdefault(sitting.local_day, []).append(sitting)
    weeks = stdcalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return {
        "month": month,
        "view": view,
        "upcoming": upcoming,
        "sittings": found,
        "by_day": by_day,
        "weeks": weeks,
        "today": at.date(),
        "prev_month": _shift(month, -1).strftime("%Y-%m"),
        "next_month": _shift(month, 1).strftime("%Y-%m"),
        "endpoint": endpoint,
    }
