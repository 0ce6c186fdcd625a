"""Writes for the sample district (work in progress: see demo_load)."""

from __future__ import annotations

from onetrip.demo.registry import DEMO_EXTENSIONS, DemoExtension, demo_extension

__all__ = ["DEMO_EXTENSIONS", "DemoExtension", "demo_extension"]
