"""The dashboard's figures computed from a simulation run, their spread over seeds, and the
window count a target wait needs.

The definitions are the dashboard's (``metrics.selectors``), applied to the simulated records:

- wait: first call − ticket time; tickets never called (walk-outs) are not counted. Average and
  90th percentile (linear interpolation, like ``percentile_cont``).
- first-submission pass rate: cases accepted without a supplement request ÷ cases accepted or
  refused at intake; ``first_pass_rate_counter`` counts only what was handed in at a window
  (by the applicant or an agent), the figure the source reports.
- one-go supplement rate: cases whose only supplement request was answered ÷ cases with a
  supplement request, except those still waiting for the answer to their first.
- visits per case, the share of cases with zero visits.

A run's first ``warmup`` days are left out (the hall starts empty: nobody is coming back yet).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable
from typing import Any

from onetrip.ratios import ratio
from onetrip.simulation.layout import Layout
from onetrip.simulation.model import DAY, SimResult, simulate

# two-sided 97.5% quantiles of Student's t for 1 … 30 degrees of freedom
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

#: (key, label, unit) of the figures printed, in order
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("headline_avg_wait", "商事登记平均等候 commercial registration avg wait", "min"),
    (
        "headline_total_wait",
        "商事登记平均等候（含0号窗口）avg wait incl. window zero",
        "min",
    ),
    ("headline_p90_wait", "商事登记90%等候 commercial registration p90 wait", "min"),
    ("headline_first_pass", "商事登记窗口首次提交通过率 commercial first-submission pass", "rate"),
    ("avg_wait", "平均等候 average wait (all tickets)", "min"),
    ("p90_wait", "90%的人等候不超过 p90 wait", "min"),
    ("tickets", "叫号数 tickets called per day", "n"),
    ("walk_out_share", "未叫号离开 walked out", "rate"),
    ("cases", "办件 cases per day", "n"),
    ("first_pass_rate", "首次提交通过率 first-submission pass (all cases)", "rate"),
    ("first_pass_rate_counter", "窗口首次提交通过率 first-submission pass (at a window)", "rate"),
    ("one_go_supplement_rate", "一次性补正率 one-go supplement", "rate"),
    ("avg_visits", "件均跑动次数 visits per case", "num"),
    ("zero_visit_share", "零跑动办件占比 zero-visit cases", "rate"),
    ("precheck_wait", "0号窗口等候 wait at window zero", "min"),
    ("utilisation", "受理窗口利用率 accepting-window utilisation", "rate"),
)


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    pos = q * (len(values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (pos - lo) * (values[hi] - values[lo])


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def run_figures(result: SimResult, *, warmup: int = 0) -> dict[str, Any]:
    """The figures of one run, for days ``warmup`` … end."""
    layout = result.layout
    since = warmup * DAY
    days = max(result.days - warmup, 1)
    tickets = [t for t in result.tickets if t.issued >= since]
    called = [(t, t.called - t.issued) for t in tickets if t.called is not None]
    waits = [wait for _, wait in called]
    head = layout.headline_matter
    head_waits = [wait for t, wait in called if t.matter == head]
    cases = [c for c in result.cases if c.submitted >= since]
    decided = cases  # every simulated case is accepted or refused at intake
    accepted = [c for c in cases if c.accepted]
    first_pass = [c for c in accepted if c.rounds == 0]
    counter = [c for c in decided if c.channel != "online"]
    head_counter = [c for c in counter if c.matter == head]
    supplemented = [
        c
        for c in cases
        if c.rounds >= 1 and not (c.rounds == 1 and c.supplement_answered[0] is None)
    ]
    one_go = [c for c in supplemented if c.rounds == 1 and c.supplement_answered[0] is not None]
    guide_waits = [
        g.started - g.arrived for g in result.guides if g.arrived >= since and g.started is not None
    ]
    accepting = [w for w in layout.accepting if w.count]
    open_minutes = (layout.arrivals.cutoff - layout.arrivals.open) * result.days
    capacity = sum(w.count for w in accepting) * open_minutes
    by_matter = {}
    for m in layout.matters:
        mw = [wait for t, wait in called if t.matter == m.key]
        by_matter[m.key] = {"tickets": len(mw), "avg_wait": _mean(mw), "p90_wait": _p(mw, 0.9)}
    return {
        "days": days,
        "headline_avg_wait": _mean(head_waits),
        "headline_p90_wait": _p(head_waits, 0.9),
        "headline_total_wait": _mean(
            [wait + t.guide_wait for t, wait in called if t.matter == head]
        ),
        "avg_wait": _mean(waits),
        "p90_wait": _p(waits, 0.9),
        "tickets": len(called) / days,
        "tickets_total": len(called),
        "walk_outs": sum(1 for t in tickets if t.walked_out is not None),
        "walk_out_share": ratio(sum(1 for t in tickets if t.walked_out is not None), len(tickets)),
        "cases": len(cases) / days,
        "cases_total": len(cases),
        "refused": sum(1 for c in cases if c.refused),
        "first_pass_rate": ratio(len(first_pass), len(decided)),
        "headline_first_pass": ratio(
            sum(1 for c in head_counter if c.accepted and c.rounds == 0), len(head_counter)
        ),
        "first_pass_rate_counter": ratio(
            sum(1 for c in counter if c.accepted and c.rounds == 0), len(counter)
        ),
        "supplemented": len(supplemented),
        "one_go": len(one_go),
        "one_go_supplement_rate": ratio(len(one_go), len(supplemented)),
        "avg_visits": _mean([c.visits for c in cases]),
        "zero_visit_share": ratio(sum(1 for c in cases if c.visits == 0), len(cases)),
        "precheck_wait": _mean(guide_waits),
        "utilisation": ratio(
            sum(result.busy[w.name] for w in accepting), capacity
        ),  # may exceed 1: windows serve past the cut-off
        "self_service_share": layout.self_service_share,
        "by_matter": by_matter,
    }


@dataclasses.dataclass(frozen=True)
class Estimate:
    mean: float | None
    half_width: float | None  # 95% confidence interval: mean ± half_width
    n: int

    def fmt(self, unit: str) -> str:
        if self.mean is None:
            return "—"
        if unit == "rate":
            text = f"{self.mean * 100:.1f}%"
            hw = None if self.half_width is None else f"{self.half_width * 100:.1f}"
        else:
            text = f"{self.mean:.2f}" if unit == "num" else f"{self.mean:.1f}"
            hw = None if self.half_width is None else f"{self.half_width:.2f}"
        return text if hw is None else f"{text} ± {hw}"


def estimate(values: Iterable[float | None]) -> Estimate:
    """Mean and the 95% confidence half-width (Student's t) over independent seeds."""
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return Estimate(None, None, 0)
    if len(xs) == 1:
        return Estimate(xs[0], None, 1)
    df = len(xs) - 1
    t = _T975[df - 1] if df <= len(_T975) else 1.96
    return Estimate(statistics.fmean(xs), t * statistics.stdev(xs) / math.sqrt(len(xs)), len(xs))


def default_warmup(days: int) -> int:
    return min(5, days // 4)


def replicate(
    layout: Layout, *, days: int, seeds: Iterable[int], warmup: int | None = None
) -> dict[str, Any]:
    """Run ``layout`` once per seed; every figure's mean and 95% CI over the seeds."""
    warmup = default_warmup(days) if warmup is None else warmup
    runs = [run_figures(simulate(layout, days=days, seed=s), warmup=warmup) for s in seeds]
    out: dict[str, Any] = {key: estimate(r[key] for r in runs) for key, _label, _unit in FIGURES}
    out["self_service_share"] = layout.self_service_share
    out["window_count"] = layout.window_count
    out["runs"] = runs
    out["by_matter"] = {
        m.key: {
            "name": m.name,
            "avg_wait": estimate(r["by_matter"][m.key]["avg_wait"] for r in runs),
            "tickets": estimate(r["by_matter"][m.key]["tickets"] / r["days"] for r in runs),
        }
        for m in layout.matters
    }
    return out


def with_window_count(layout: Layout, total: int) -> Layout:
    """``layout`` with ``total`` accepting windows, shared out in proportion to its groups
    (largest remainder; every group keeps at least one window while there are enough)."""
    groups = [w for w in layout.accepting if w.count]
    base = sum(w.count for w in groups)
    if total < len(groups):
        raise ValueError("fewer windows than window groups")
    shares = [total * w.count / base for w in groups]
    counts = [max(1, math.floor(s)) for s in shares]
    order = sorted(
        range(len(groups)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True
    )
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(groups)), key=lambda k: counts[k] - shares[k])
        counts[j] -= 1
    new = {w.name: c for w, c in zip(groups, counts, strict=True)}
    return dataclasses.replace(
        layout,
        windows=tuple(
            dataclasses.replace(w, count=new[w.name]) if w.name in new else w
            for w in layout.windows
        ),
    )


def windows_for_wait(
    layout: Layout,
    *,
    target: float,
    days: int,
    seeds: Iterable[int],
    figure: str = "avg_wait",
    limit: int = 60,
) -> dict[str, Any]:
    """The fewest accepting windows whose mean ``figure`` (minutes, over the seeds) is at most
    ``target``, at the layout's demand. Waits fall as windows are added, so the search walks
    from the layout's own count down (while the target holds) or up (until it does)."""
    seeds = list(seeds)
    groups = len([w for w in layout.accepting if w.count])
    tried: dict[int, float | None] = {}

    def wait_at(n: int) -> float | None:
        if n not in tried:
            tried[n] = replicate(with_window_count(layout, n), days=days, seeds=seeds)[figure].mean
        return tried[n]

    def ok(n: int) -> bool:
        w = wait_at(n)
        return w is not None and w <= target

    n = max(layout.window_count, groups)
    if ok(n):
        while n - 1 >= groups and ok(n - 1):
            n -= 1
    else:
        while not ok(n):
            n += 1
            if n > limit:
                return {"windows": None, "tried": tried, "target": target, "figure": figure}
    best = with_window_count(layout, n)
    return {
        "windows": n,
        "groups": {w.name: w.count for w in best.accepting},
        "wait": tried[n],
        "wait_one_fewer": tried.get(n - 1),
        "tried": dict(sorted(tried.items())),
        "target": target,
        "figure": figure,
    }
