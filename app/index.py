"""The Kelurahan Pintar index: one score from 0 to 100 per dimension per kelurahan,
computed the same way for all 27.

1. Only figures with a better direction count (`higher_is_better` True or False; a figure
   where neither way is better, such as letters requested, does not) and only those whose
   weight is above 0. Weights are whole numbers from 0 to 10, 1 unless the city admin set
   another on `/kota/indeks`; they are kept city-wide in the `city_setting` table under
   `core.index_weights` (JSON {metric key: weight}, only the weights that differ from 1
   need a row entry).
2. Each figure is normalised over the kelurahan where it exists (min–max): the lowest
   value gets 0 and the highest 100, the rest in between in proportion; when lower is
   better it is flipped (the lowest gets 100). When every kelurahan has the same value
   (including a single kelurahan), all get 100: nobody is behind anybody.
3. A kelurahan's score in a dimension is the weighted mean of its normalised figures in
   that dimension. A kelurahan with no counted figure there (no plugin of the dimension
   switched on, or none of its figures counts) has no score: None, shown as "—", not 0.

Figures that count over the period are those of [since, until). State figures are the
state now, except for a period that ended before the current month: then the kept
monthly value (`flask kp metrics snapshot`) of the period's last month stands for them,
and a state figure without one is left out for that kelurahan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from . import audit, caching
from .extensions import db
from .formatting import WIB
from .models import CitySetting
from .plugins import DIMENSIONS, Metric, host

WEIGHTS_KEY = "core.index_weights"
DEFAULT_WEIGHT = 1
MIN_WEIGHT = 0
MAX_WEIGHT = 10


def counts(metric: Metric) -> bool:
    """Whether a figure can take part in the index: it has a better direction."""
    return metric.higher_is_better is not None


def stored_weights() -> dict[str, int]:
    """The weights the city admin set (only valid whole numbers 0–10), from memory."""
    raw = host().snapshot().city_settings.get(WEIGHTS_KEY)
    if not isinstance(raw, dict):
        return {}
    return {
        str(key): value
        for key, value in raw.items()
        if isinstance(value, int)
        and not isinstance(value, bool)
        and MIN_WEIGHT <= value <= MAX_WEIGHT
    }


def weights(keys: Iterable[str] | None = None) -> dict[str, int]:
    """{metric key: weight} for every figure the dashboards know (`keys`, by default those
    of the definitions page): the city admin's weight, 1 where none was set."""
    if keys is None:
        from .dashboard import definitions

        keys = [m.key for _, metrics in definitions() for m in metrics]
    stored = stored_weights()
    return {key: stored.get(key, DEFAULT_WEIGHT) for key in keys}


def normalise(values: dict[int, float], higher_is_better: bool) -> dict[int, float]:
    """Min–max to 0–100 over the given kelurahan, flipped when lower is better; 100 for all
    when every value is the same."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high == low:
        return dict.fromkeys(values, 100.0)
    span = high - low
    if higher_is_better:
        return {k: 100 * (v - low) / span for k, v in values.items()}
    return {k: 100 * (high - v) / span for k, v in values.items()}


def compute(
    figures: dict[int, list[Metric]], given_weights: dict[str, int] | None = None
) -> dict[int, dict[str, float | None]]:
    """The index from each kelurahan's figures ({kelurahan id: [Metric]}): {kelurahan id:
    {dimension: score or None}} for every kelurahan given and every dimension."""
    given = given_weights if given_weights is not None else {}
    stored = stored_weights()
    values: dict[str, dict[int, float]] = defaultdict(dict)
    direction: dict[str, tuple[str, bool]] = {}
    for kelurahan_id, metrics in figures.items():
        for m in metrics:
            if not counts(m) or m.dimension not in DIMENSIONS:
                continue
            values[m.key][kelurahan_id] = m.value
            direction.setdefault(m.key, (m.dimension, bool(m.higher_is_better)))
    totals: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for key, by_kelurahan in values.items():
        weight = given.get(key, stored.get(key, DEFAULT_WEIGHT))
        if weight <= 0:
            continue
        dimension, higher = direction[key]
        for kelurahan_id, score in normalise(by_kelurahan, higher).items():
            total = totals[(kelurahan_id, dimension)]
            total[0] += weight * score
            total[1] += weight
    result: dict[int, dict[str, float | None]] = {}
    for kelurahan_id in figures:
        result[kelurahan_id] = {}
        for dimension in DIMENSIONS:
            weighted, weight = totals.get((kelurahan_id, dimension), (0.0, 0.0))
            result[kelurahan_id][dimension] = round(weighted / weight, 1) if weight else None
    return result


def _with_kept_states(kelurahan_id: int, metrics: list[Metric], kept: dict) -> list[Metric]:
    """The figures with each state figure replaced by its kept value (dropped without one)."""
    out = []
    for m in metrics:
        if m.over_period:
            out.append(m)
        elif (kelurahan_id, m.key) in kept:
            out.append(replace(m, value=kept[(kelurahan_id, m.key)]))
    return out


def scores(since: datetime, until: datetime) -> dict[int, dict[str, float | None]]:
    """The index of every kelurahan for the period [since, until): {kelurahan id:
    {dimension: score 0–100 (one decimal) or None}}. Asks the plugins (the dashboards'
    cache) inside each kelurahan; needs a request or app context that can build URLs."""
    from .dashboard import kelurahan_metrics, snapshot_values
    from .directory import all_kelurahan
    from .kelurahan_context import acting_in

    this_month = datetime.now(WIB).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    past = until <= this_month
    kept = (
        snapshot_values((until - timedelta(days=1)).astimezone(WIB).date().replace(day=1))
        if past
        else {}
    )
    figures: dict[int, list[Metric]] = {}
    for kelurahan in all_kelurahan():
        with acting_in(kelurahan):
            metrics = kelurahan_metrics(kelurahan, since, until)
        figures[kelurahan.id] = _with_kept_states(kelurahan.id, metrics, kept) if past else metrics
    return compute(figures)


def save_weights(new: dict[str, int], actor=None) -> bool:
    """Store the weights, audited (before/after of what changed); not committed. Every
    worker reads them again once the caller commits. Returns whether anything changed."""
    stored = stored_weights()
    before = {key: stored.get(key, DEFAULT_WEIGHT) for key in new}
    changed = {key: value for key, value in new.items() if before[key] != value}
    if not changed:
        return False
    merged = {**stored, **new}
    merged = {key: value for key, value in sorted(merged.items()) if value != DEFAULT_WEIGHT}
    row = db.session.get(CitySetting, WEIGHTS_KEY)
    if row is None:
        db.session.add(CitySetting(key=WEIGHTS_KEY, value=merged))
    else:
        row.value = merged
    audit.record(
        "city.index_weights_changed",
        "index",
        None,
        before={key: before[key] for key in changed},
        after=changed,
        actor=actor,
    )
    caching.bump_after_commit(db.session, caching.CONFIG)
    return True
