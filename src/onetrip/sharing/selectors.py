"""Reads of shared data. Finding does not log: whoever uses a record calls
``services.shared_document_read_log`` (or ``services.shared_documents_read`` which does both)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from onetrip.clock import local_today
from onetrip.sharing.sources import SourceUnavailable, holder_kind_of, sources_for

log = logging.getLogger(__name__)


def _today() -> dt.date:
    return local_today()


def shared_documents_for_holder(
    *,
    holder_number: str,
    kinds: list[str] | None = None,
    on: dt.date | None = None,
    district: Any = None,
) -> list[Any]:
    """Every valid record (local table and registered sources) for the holder.

    ``kinds`` None means every kind the local table holds plus those remote sources declare.
    ``district`` restricts local records to documents issued by that district's departments.
    """
    from onetrip.sharing.sources import SOURCES

    holder_number = (holder_number or "").strip().upper()
    if not holder_number:
        return []
    on = on or _today()
    holder_kind = holder_kind_of(holder_number)
    results: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for source in SOURCES:
        if holder_kind is not None and holder_kind not in source.identities:
            continue
        if kinds is None:
            wanted = source.kinds if source.name != "local" else _local_kinds(holder_number)
        else:
            wanted = [k for k in kinds if source.provides(k)]
        if not wanted:
            continue
        try:
            found = source.lookup(
                holder_number=holder_number, kinds=wanted, on=on, district=district
            )
        except SourceUnavailable as exc:
            log.warning("shared data source unavailable: %s", exc)
            continue
        for record in found:
            key = (record.kind, record.number)
            if key not in seen:
                seen.add(key)
                results.append(record)
    return results


def _local_kinds(holder_number: str) -> list[str]:
    from onetrip.sharing.models import SharedDocument

    return list(
        SharedDocument.objects.filter(holder_number=holder_number)
        .values_list("kind", flat=True)
        .distinct()
    )


def shared_document_find(
    *, holder_number: str, kind: str, on: dt.date | None = None, district: Any = None
) -> Any | None:
    """The newest valid record of ``kind`` for the holder, from the first source that has one.

    Returns a ``SharedDocument`` (local) or a ``SharedRecord`` (remote); both have ``.kind``,
    ``.number``, ``.title``, ``.source_department``, ``.issued_on``, ``.valid_until``, ``.source``.
    """
    holder_number = (holder_number or "").strip().upper()
    if not holder_number or not kind:
        return None
    on = on or _today()
    for source in sources_for(kind=kind, holder_kind=holder_kind_of(holder_number)):
        try:
            found = source.lookup(
                holder_number=holder_number, kinds=[kind], on=on, district=district
            )
        except SourceUnavailable as exc:
            log.warning("shared data source unavailable: %s", exc)
            continue
        if found:
            return found[0]
    return None


def share_reads_for_document(*, document: Any) -> list[Any]:
    from onetrip.sharing.models import ShareReadLog

    return list(ShareReadLog.objects.filter(document=document).select_related("reader"))
