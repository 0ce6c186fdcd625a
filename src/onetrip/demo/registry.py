"""The demo extension registry: other apps add their sample data to ``onetrip demo``.

An extension is a plain function called with keyword arguments after the base load
(catalogue, people, calendar) has finished::

    # src/onetrip/demo/<topic>.py  (imported by demo_load; domain apps never import demo)
    from onetrip.demo.registry import demo_extension

    @demo_extension(name="queueing", order=10)
    def load_queues(*, district, stdout=None) -> dict | None:
        ...  # idempotent: look rows up by code/name before creating them
        return {"queues": 4}

``district`` is the sample district's ServicePoint (code ``sc``); ``stdout`` is a text stream
(or None) for progress lines. The returned dict, if any, lands in demo_load's summary under the
extension's name. Extensions must be idempotent: ``onetrip demo`` runs them on every start.
Extensions run in ascending ``order`` (then name); lower numbers first (queues before history).
Names are unique (``onetrip.registry.Registry``): a second, different extension under a name
taken raises at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from onetrip.registry import Registry


@dataclass(frozen=True)
class DemoExtension:
    name: str
    func: Callable[..., dict[str, Any] | None]
    order: int = 100


def _check(name: str, ext: DemoExtension) -> None:
    if not isinstance(ext, DemoExtension) or ext.name != name or not callable(ext.func):
        raise ImproperlyConfigured(f"demo extension {name!r}: a DemoExtension of that name")


DEMO_EXTENSIONS: Registry[DemoExtension] = Registry("demo extensions", check=_check)


def demo_extension(
    func: Callable[..., Any] | None = None, *, name: str | None = None, order: int = 100
):
    """Register ``func`` as a demo extension (usable bare or with arguments)."""

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        ext = DemoExtension(name=name or f"{f.__module__}.{f.__qualname__}", func=f, order=order)
        DEMO_EXTENSIONS.add(ext.name, ext)
        return f

    if func is not None:
        return register(func)
    return register


def demo_extensions_ordered() -> list[DemoExtension]:
    return sorted(DEMO_EXTENSIONS, key=lambda e: (e.order, e.name))
