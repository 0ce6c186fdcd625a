"""Ratios shared by the apps' figures (metrics, agencies, safety, the simulator)."""

from __future__ import annotations


def ratio(num: float, den: float | None) -> float | None:
    """``num / den``; None when there is nothing to divide by (``den`` is 0 or None)."""
    return (num / den) if den else None
