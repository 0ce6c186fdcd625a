"""Material resolvers: called when a case is created, to mark materials the government
already holds (shared data between departments) so the applicant is not asked for them.

Other apps register a callable ``(case, material) -> ResolvedMaterial | None``::

    from onetrip.catalogue.resolvers import MATERIAL_RESOLVERS, ResolvedMaterial
    MATERIAL_RESOLVERS.append(my_resolver)

The first resolver returning a ``ResolvedMaterial`` wins. A resolver that raises is logged and
skipped: a broken data source must not stop a window from accepting a case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedMaterial:
    #: a short description of where the data came from, e.g. "市场监管局 营业执照 9133…"
    source: str
    number: str = ""
    valid_until: Any = None


Resolver = Callable[[Any, Any], "ResolvedMaterial | None"]
MATERIAL_RESOLVERS: list[Resolver] = []


def government_held_resolver(case, material) -> ResolvedMaterial | None:
    """Materials flagged ``government_held`` with no shared-data kind count as held."""
    if material.government_held and not material.shared_kind:
        return ResolvedMaterial(source="government-held")
    return None


MATERIAL_RESOLVERS.append(government_held_resolver)


#: Resolvers known to act (and write, e.g. a shared-data read log) only for materials with a
#: ``shared_kind``; for any other material they are pure functions of the material's flags.
SHARED_KIND_ONLY = frozenset({"government_held_resolver", "shared_material_resolver"})


def resolves_without_writes(material) -> bool:
    """True when resolving ``material`` for a case writes nothing and needs no case row: it has
    no shared-data kind and every registered resolver is one of ``SHARED_KIND_ONLY``. The
    one-statement intake resolves such materials before the case exists; any other case takes
    the ORM path, where resolvers run after the case row is written."""
    if getattr(material, "shared_kind", ""):
        return False
    return all(getattr(r, "__name__", "") in SHARED_KIND_ONLY for r in MATERIAL_RESOLVERS)


def resolve_material(case, material) -> ResolvedMaterial | None:
    for resolver in list(MATERIAL_RESOLVERS):
        try:
            found = resolver(case, material)
        except Exception:  # noqa: BLE001 - one bad source must not block intake
            logger.exception("material resolver %r failed", resolver)
            continue
        if found is not None:
            return found
    return None
