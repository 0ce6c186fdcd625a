"""Material resolvers for cases: kept in ``onetrip.catalogue.resolvers`` (below the apps that
register resolvers, e.g. sharing); re-exported here for the cases code that calls them."""

from onetrip.catalogue.resolvers import (
    MATERIAL_RESOLVERS,
    MaterialResolver,
    ResolvedMaterial,
    Resolver,
    government_held_resolver,
    resolve_material,
    resolves_without_writes,
)

__all__ = [
    "MATERIAL_RESOLVERS",
    "MaterialResolver",
    "ResolvedMaterial",
    "Resolver",
    "government_held_resolver",
    "resolve_material",
    "resolves_without_writes",
]
