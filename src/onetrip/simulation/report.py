"""Plain-text and row forms of simulation results, for the command, the page and the docs."""

from __future__ import annotations

from typing import Any

from onetrip.simulation.figures import FIGURES
from onetrip.simulation.layout import Layout


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def pad_to_width(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (for plain-text tables)."""
    return text + " " * max(0, width - display_width(text))


def comparison_rows(runs: list[tuple[Layout, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per figure: the label, each layout's estimate, and what the source reports."""
    rows = []
    headline = runs[0][0].matter(runs[0][0].headline_matter) if runs else None
    for key, label, unit in FIGURES:
        if key.startswith("headline") and headline is not None and headline.key != "commercial":
            # a street's or community's layout: its headline matter is not 商事登记
            label = label.replace("商事登记", headline.name)
            label = label.replace("commercial registration", headline.key)
            label = label.replace("commercial", headline.key)
        cells = [res[key].fmt(unit) for _layout, res in runs]
        source = [dict(layout.source_figures).get(key, "") for layout, _res in runs]
        rows.append({"key": key, "label": label, "unit": unit, "cells": cells, "source": source})
    share = [
        "—" if layout.self_service_share is None else f"{layout.self_service_share * 100:.0f}%"
        for layout, _res in runs
    ]
    rows.append(
        {
            "key": "self_service_share",
            "label": "自办专窗占比 self-service-only windows (commercial)",
            "unit": "rate",
            "cells": share,
            "source": [
                dict(layout.source_figures).get("self_service_share", "") for layout, _ in runs
            ],
        }
    )
    rows.append(
        {
            "key": "window_count",
            "label": "受理窗口数 accepting windows",
            "unit": "n",
            "cells": [str(layout.window_count) for layout, _res in runs],
            "source": ["" for _ in runs],
        }
    )
    return rows


def comparison_text(
    runs: list[tuple[Layout, dict[str, Any]]], *, days: int, seeds: list[int], markdown=False
) -> str:
    rows = comparison_rows(runs)
    head = ["figure"]
    for layout, _res in runs:
        head += [layout.name, f"source ({layout.name})"]
    body = []
    for r in rows:
        line = [r["label"]]
        for cell, src in zip(r["cells"], r["source"], strict=True):
            line += [cell, src or "—"]
        body.append(line)
    seed_text = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}…{seeds[-1]}"
    note = (
        f"{days} working days per run, seeds {seed_text} ({len(seeds)} runs); "
        "mean ± half-width of the 95% confidence interval over the seeds"
    )
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(line) + " |" for line in body]
        return "\n".join(out) + f"\n\n{note}\n"
    widths = [max(display_width(line[i]) for line in [head, *body]) for i in range(len(head))]
    out = ["  ".join(pad_to_width(c, w) for c, w in zip(head, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += [
        "  ".join(pad_to_width(c, w) for c, w in zip(line, widths, strict=True)) for line in body
    ]
    return "\n".join(out) + f"\n{note}\n"


def target_text(layout: Layout, answer: dict[str, Any]) -> str:
    if answer["windows"] is None:
        return (
            f"{layout.name}: no window count up to the limit brings the average wait to "
            f"{answer['target']:g} min\n"
        )
    groups = ", ".join(f"{name} {n}" for name, n in answer["groups"].items())
    tried = ", ".join(
        f"{n}: {'—' if w is None else f'{w:.1f}'}" for n, w in answer["tried"].items()
    )
    return (
        f"{layout.name}: {answer['windows']} accepting windows ({groups}) give an average wait "
        f"of {answer['wait']:.1f} min <= {answer['target']:g} min at this demand "
        f"(layout has {layout.window_count}; windows: avg wait tried {tried})\n"
    )
