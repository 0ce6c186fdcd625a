"""Material resolvers: called when a case is created, to mark materials the government
already holds (shared data between departments) so the applicant is not asked for them.

Other apps register a callable ``(case, material) -> ResolvedMaterial | None`` under an id::

    from onetrip.catalogue.resolvers import MATERIAL_RESOLVERS, MaterialResolver
    MATERIAL_RESOLVERS.add("my_source", MaterialResolver(my_resolver), first=True)

The first resolver returning a ``ResolvedMaterial`` wins. A resolver that raises is logged and
skipped: a broken data source must not stop a window from accepting a case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from onetrip.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedMaterial:
    #: a short description of where the data came from, e.g. "市场监管局 营业执照 9133…"
    source: str
    number: str = ""
    valid_until: Any = None
    #: the record could not be looked up (a shared-data source did not answer): ``source``
    #: then says which and why, and the material is taken on paper instead
    unavailable: bool = False


Resolver = Callable[[Any, Any], "ResolvedMaterial | None"]


@dataclass(frozen=True)
class MaterialResolver:
    resolve: Resolver
    #: Acts (and may write, e.g. a shared-data read log) only for materials with a
    #: ``shared_kind``; for any other material a pure function of the material's flags. When
    #: every registered resolver says so, a case without such materials can be written by the
    #: one-statement intake (``resolves_without_writes``).
    shared_kind_only: bool = False


def _check(id: str, entry: MaterialResolver) -> None:
    if not isinstance(entry, MaterialResolver) or not callable(entry.resolve):
        raise ImproperlyConfigured(f"material resolver {id!r}: a MaterialResolver is needed")


#: The plugin point: ``MATERIAL_RESOLVERS.add("id", MaterialResolver(func), first=True)``.
MATERIAL_RESOLVERS: Registry[MaterialResolver] = Registry("material resolvers", check=_check)


def government_held_resolver(case, material) -> ResolvedMaterial | None:
    """Materials flagged ``government_held`` with no shared-data kind count as held."""
    if material.government_held and not material.shared_kind:
        return ResolvedMaterial(source="government-held")
    return None


MATERIAL_RESOLVERS.add(
    "government_held", MaterialResolver(government_held_resolver, shared_kind_only=True)
)


def resolves_without_writes(material) -> bool:
    """True when resolving ``material`` for a case writes nothing and needs no case row: it has
    no shared-data kind and every registered resolver declares ``shared_kind_only``. The
    one-statement intake resolves such materials before the case exists; any other case takes
    the ORM path, where resolvers run after the case row is written."""
    if getattr(material, "shared_kind", ""):
        return False
    return all(entry.shared_kind_only for entry in MATERIAL_RESOLVERS)


def resolve_material(case, material) -> ResolvedMaterial | None:
    """The first resolver's record; else, when a source did not answer, that (``unavailable``:
    the clerk takes the paper copy); else None."""
    down = None
    for entry in MATERIAL_RESOLVERS:
        try:
            found = entry.resolve(case, material)
        except Exception:  # noqa: BLE001 - one bad source must not block intake
            logger.exception("material resolver %r failed", entry.resolve)
            continue
        if found is not None and found.unavailable:
            down = down or found
        elif found is not None:
            return found
    return down
