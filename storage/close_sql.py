"""The set-based period close in one SQL statement.

``close_statement`` is ``gateway.domain.billing.bill`` for every register of a range of
meters in one ``INSERT ... SELECT``: window functions pick the reading of each period and the
consumption between them, one aggregate per register gives the facts the rules need, and a
``CASE`` chooses the method. The same statement runs on PostgreSQL and SQLite (3.25+ for
window functions); the table tests run it against the pure functions on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Numeric, bindparam, text

from gateway.domain.model import SERVICES
from gateway.domain.rules import Rules


def _month(column: str) -> str:
    """A ``YYYY-MM`` column as a month count, so that periods subtract (both databases)."""
    year = f"CAST(substr({column}, 1, 4) AS INTEGER)"
    month = f"CAST(substr({column}, 6, 2) AS INTEGER)"
    return f"({year} * 12 + {month})"


_NORMATIVE = " ".join(
    f"WHEN '{service}' THEN CAST(:n_{service} AS NUMERIC)" for service in SERVICES
)

# Mirrors gateway.domain.billing.bill; see there for the why of every rule. The facts of
# each register up to ``usual`` (its average monthly consumption, where the history allows
# one) serve the close and the review queue's cards alike (``usual_statement``).
_FACTS_SQL = f"""
WITH zs(zone) AS (VALUES (1), (2), (3)),
regs AS (
    SELECT m.id AS meter_id, zs.zone, m.service, a.residents,
           CAST('1' || substr('000000000000000000', 1, m.digits) AS NUMERIC) AS capacity,
           CASE WHEN m.status = 'failed' THEN m.failed_on END AS failed_on,
           m.verified_until
    FROM meters m
    JOIN accounts a ON a.id = m.account_id
    JOIN zs ON zs.zone <= m.zones
    WHERE {{registers}}
),
ranked AS (
    SELECT r.meter_id, r.zone, r.period, r.value, g.capacity,
           ROW_NUMBER() OVER (
               PARTITION BY r.meter_id, r.zone, r.period ORDER BY r.taken_on DESC, r.id DESC
           ) AS rn
    FROM readings r
    JOIN regs g ON g.meter_id = r.meter_id AND g.zone = r.zone
    WHERE r.status = 'accepted' AND r.period <= :period
      AND r.meter_id >= :lo AND r.meter_id < :hi
      AND (g.failed_on IS NULL OR r.taken_on < g.failed_on)
      AND (g.verified_until IS NULL OR r.taken_on <= g.verified_until)
),
seq AS (
    SELECT meter_id, zone, period, value, capacity, {_month("period")} AS pidx,
           LAG(value) OVER w AS prev_value,
           LAG({_month("period")}) OVER w AS prev_pidx,
           MAX(CASE WHEN period < :period THEN {_month("period")} END)
               OVER (PARTITION BY meter_id, zone) AS last_pidx
    FROM ranked
    WHERE rn = 1
    WINDOW w AS (PARTITION BY meter_id, zone ORDER BY period)
),
steps AS (
    SELECT meter_id, zone, period, value, pidx, prev_pidx, last_pidx,
           CASE WHEN value >= prev_value THEN value - prev_value
                WHEN prev_value >= capacity * 0.9 AND value < capacity * 0.1
                    THEN capacity - prev_value + value
                ELSE value - prev_value END AS used
    FROM seq
),
facts AS (
    SELECT meter_id, zone,
           MAX(CASE WHEN period = :period THEN value END) AS reading_end,
           MAX(CASE WHEN period = :period THEN used END) AS used,
           MAX(last_pidx) AS last_pidx,
           MAX(CASE WHEN pidx = last_pidx THEN value END) AS reading_start,
           SUM(CASE WHEN pidx <= last_pidx AND prev_pidx >= last_pidx - :window
                    THEN used END) AS window_used,
           MIN(CASE WHEN pidx <= last_pidx AND prev_pidx >= last_pidx - :window
                    THEN prev_pidx END) AS window_from
    FROM steps
    GROUP BY meter_id, zone
),
usual AS (
    SELECT meter_id, zone,
           CASE WHEN last_pidx - window_from >= :min_months AND last_pidx > window_from
                THEN ROUND(window_used * 1.0 / (last_pidx - window_from), 4) END AS average
    FROM facts
)"""

_CLOSE_SQL = (
    _FACTS_SQL.replace("{registers}", "a.status = 'open' AND m.id >= :lo AND m.id < :hi")
    + f""",
estimated AS (
    SELECT v.meter_id, v.zone, SUM(v.volume) AS total
    FROM period_volumes v
    JOIN facts f ON f.meter_id = v.meter_id AND f.zone = v.zone
    WHERE v.period < :period AND v.method IN ('average', 'normative')
      AND v.meter_id >= :lo AND v.meter_id < :hi
      AND f.reading_end IS NOT NULL AND {_month("v.period")} > f.last_pidx
    GROUP BY v.meter_id, v.zone
),
decided AS (
    SELECT g.meter_id, g.zone, f.reading_start, f.reading_end, f.used,
           CASE WHEN f.reading_end IS NOT NULL AND f.reading_start IS NOT NULL THEN 'actual'
                WHEN f.reading_end IS NULL
                     AND CAST(:pidx AS INTEGER) - f.last_pidx <= :max_periods
                     AND u.average IS NOT NULL THEN 'average'
                ELSE 'normative' END AS method,
           u.average,
           ROUND(g.residents * (CASE g.service {_NORMATIVE} ELSE 0 END)
                 * CAST(:factor AS NUMERIC), 4) AS normative,
           COALESCE(e.total, 0) AS estimated
    FROM regs g
    LEFT JOIN facts f ON f.meter_id = g.meter_id AND f.zone = g.zone
    LEFT JOIN usual u ON u.meter_id = g.meter_id AND u.zone = g.zone
    LEFT JOIN estimated e ON e.meter_id = g.meter_id AND e.zone = g.zone
)
INSERT INTO period_volumes
    (period, meter_id, zone, method, volume, correction, reading_start, reading_end)
SELECT :period, meter_id, zone, method,
       CASE method WHEN 'actual' THEN used - estimated
                   WHEN 'average' THEN average
                   ELSE normative END,
       CASE method WHEN 'actual' THEN -estimated ELSE 0 END,
       reading_start, reading_end
FROM decided
"""
)


def close_statement(
    period: str, lo: int, hi: int, rules: Rules, normatives: Mapping[str, Decimal]
) -> Any:
    params: dict[str, Any] = {
        "period": period,
        "pidx": int(period[:4]) * 12 + int(period[5:7]),
        "lo": lo,
        "hi": hi,
        "window": rules.average_window_months,
        "max_periods": rules.average_max_periods,
        "min_months": rules.average_min_months,
        "factor": rules.normative_factor,
    }
    numeric = [bindparam("factor", type_=Numeric(18, 4))]
    for service in SERVICES:
        params[f"n_{service}"] = normatives.get(service, Decimal(0))
        numeric.append(bindparam(f"n_{service}", type_=Numeric(18, 4)))
    ints = [
        bindparam(k, type_=Integer)
        for k in ("pidx", "lo", "hi", "window", "max_periods", "min_months")
    ]
    return text(_CLOSE_SQL).bindparams(*numeric, *ints).params(params)


def usual_statement(period: str, meter_ids: list[int], rules: Rules) -> Any:
    """The average monthly consumption the close of ``period`` would estimate each register
    of ``meter_ids`` with (``usual.average``, NULL where the history is too short): what a
    reviewer compares a reading with."""
    sql = _FACTS_SQL.replace("{registers}", "m.id IN :ids") + (
        "\nSELECT meter_id, zone, average FROM usual"
    )
    params: dict[str, Any] = {
        "period": period,
        "ids": meter_ids,
        "lo": min(meter_ids, default=0),
        "hi": max(meter_ids, default=0) + 1,
        "window": rules.average_window_months,
        "min_months": rules.average_min_months,
    }
    ints = [bindparam(k, type_=Integer) for k in ("lo", "hi", "window", "min_months")]
    ids: Any = bindparam("ids", expanding=True)
    return text(sql).bindparams(ids, *ints).params(params)
