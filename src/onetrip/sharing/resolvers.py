"""The cases hook: a case's material that government already holds is satisfied from shared data.

Registered into ``onetrip.catalogue.resolvers.MATERIAL_RESOLVERS`` (id "sharing", first) by
``SharingConfig.ready``. Every successful lookup writes a read-log row with the case number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onetrip.catalogue.resolvers import MATERIAL_RESOLVERS, MaterialResolver, ResolvedMaterial
from onetrip.sharing.selectors import held_material_lookup, holder_numbers_for
from onetrip.sharing.services import shared_document_read_log
from onetrip.sharing.sources import holder_kind_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User
    from onetrip.sharing.models import SharedDocument
    from onetrip.sharing.sources import SharedRecord

CASE_PURPOSE = "办件材料核验（政府已有材料免提交）"


def source_text(document: SharedDocument | SharedRecord) -> str:
    """What the reviewer sees as the source: department and document title (the number is
    carried separately in ``ResolvedMaterial.number``)."""
    return f"{document.source_department} {document.title}".strip()


def shared_material_resolver(
    case: Any, material: Any, *, reader: User | AnonymousUser | None = None
):
    """``(case, material) -> ResolvedMaterial | None`` for materials with a ``shared_kind``:
    looked up for the right holder (a company case's 居民身份证 is its legal representative's)."""
    if not getattr(material, "shared_kind", ""):
        return None
    numbers = holder_numbers_for(
        applicant=getattr(case, "applicant", None), company=getattr(case, "company", None)
    )
    if not numbers and getattr(case, "holder_number", None):  # a bare holder (no case row)
        kind = holder_kind_of(case.holder_number)
        numbers = {kind: case.holder_number} if kind else {}
    found = held_material_lookup(
        kind=material.shared_kind, numbers=numbers, district=getattr(case, "district", None)
    )
    document = found.document
    if document is None and found.reason == "unavailable":
        from django.utils.translation import gettext as _

        from onetrip.sharing.selectors import source_failures_text

        return ResolvedMaterial(
            source=_("%(why)s：请收取纸质材料") % {"why": source_failures_text(found.failed)},
            unavailable=True,
        )
    if document is None:
        return None
    shared_document_read_log(
        document=document,
        reader=reader,
        purpose=CASE_PURPOSE,
        case_ref=getattr(case, "number", "") or "",
    )
    return ResolvedMaterial(
        source=source_text(document), number=document.number, valid_until=document.valid_until
    )


#: It reads (and logs) only for materials with a ``shared_kind``.
SHARED_RESOLVER = MaterialResolver(shared_material_resolver, shared_kind_only=True)


def register_case_resolver() -> bool:
    """Add the resolver to the cases hook if the cases app has one. Idempotent."""
    MATERIAL_RESOLVERS.add("sharing", SHARED_RESOLVER, first=True)
    return True
