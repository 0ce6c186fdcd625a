"""Reads of shared data. Finding does not log: whoever uses a record calls
``services.shared_document_read_log`` (or ``services.shared_documents_read`` which does both)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from onetrip.clock import local_today
from onetrip.sharing.sources import SourceUnavailable, holder_kind_of, sources_for

if TYPE_CHECKING:
    from onetrip.catalogue.models import ServicePoint
    from onetrip.sharing.models import SharedDocument
    from onetrip.sharing.sources import SharedRecord

log = logging.getLogger(__name__)


def _today() -> dt.date:
    return local_today()


def shared_documents_for_holder(
    *,
    holder_number: str,
    kinds: list[str] | None = None,
    on: dt.date | None = None,
    district: ServicePoint | None = None,
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
    *,
    holder_number: str,
    kind: str,
    on: dt.date | None = None,
    district: ServicePoint | None = None,
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


@dataclass(frozen=True)
class HeldLookup:
    """What a government-held material lookup found, or why it found nothing.

    ``reason`` is "" when found, ``no_number`` when the holder's number is not known (a company
    being founded has no credit code; a company's legal representative has no ID number on
    file), ``not_found`` when every source answered without a record, ``unavailable`` when a
    source that may hold it did not answer (the clerk then takes the paper copy)."""

    document: SharedDocument | SharedRecord | None
    reason: str = ""
    holder_number: str = ""
    #: the sources that did not answer, as (source name, why): a timeout, an error
    failed: tuple[tuple[str, str], ...] = ()

    @property
    def found(self) -> bool:
        return self.document is not None


def holder_numbers_for(*, applicant: Any = None, company: Any = None) -> dict[str, str]:
    """The numbers a government-held material may be keyed by, per holder kind: a person's ID
    number; a company's credit code (none while it is being founded) and its legal
    representative's ID number."""
    numbers: dict[str, str] = {}
    if applicant is not None and getattr(applicant, "id_number", None):
        numbers["person"] = applicant.id_number
    if company is not None:
        if getattr(company, "credit_code", None):
            numbers["company"] = company.credit_code
        if getattr(company, "legal_rep_id_number", ""):
            numbers.setdefault("person", company.legal_rep_id_number)
    return numbers


def held_material_lookup(
    *,
    kind: str,
    numbers: dict[str, str],
    on: dt.date | None = None,
    district: ServicePoint | None = None,
) -> HeldLookup:
    """The shared record of ``kind`` for the right holder among ``numbers`` (see
    ``holder_numbers_for``): a person's kind (居民身份证) is looked up by the person's number —
    for a company, its legal representative's — a company's kind (营业执照) by the credit code.
    Kinds of unknown holder try every number, the person's first."""
    from onetrip.sharing.models import KIND_HOLDER

    wanted = KIND_HOLDER.get(kind)
    order = [wanted] if wanted else ["person", "company"]
    candidates = [numbers[k] for k in order if numbers.get(k)]
    if not kind or not candidates:
        return HeldLookup(document=None, reason="no_number")
    on = on or _today()
    failed: list[tuple[str, str]] = []
    for number in candidates:
        number = number.strip().upper()
        for source in sources_for(kind=kind, holder_kind=holder_kind_of(number)):
            try:
                found = source.lookup(holder_number=number, kinds=[kind], on=on, district=district)
            except SourceUnavailable as exc:
                log.warning("shared data source unavailable: %s", exc)
                failed.append((source.name, _failure_text(exc)))
                continue
            if found:
                return HeldLookup(document=found[0], holder_number=number)
    return HeldLookup(
        document=None, reason="unavailable" if failed else "not_found", failed=tuple(failed)
    )


def _failure_text(exc: Exception) -> str:
    """Why a source did not answer, in a few words a clerk can repeat (no URLs, no tokens)."""
    cause = exc.__cause__ or exc
    text = str(getattr(cause, "reason", "") or cause)
    if isinstance(cause, TimeoutError) or "timed out" in text.lower():
        return "timeout"
    return type(cause).__name__ if cause is not exc else (text[:80] or "error")


def source_failures_text(failed: tuple[tuple[str, str], ...] | list) -> str:
    """The failed sources for the clerk: "共享数据源“gaj-hukou”查询超时；…"."""
    from django.utils.translation import gettext as _

    parts = []
    for name, why in failed:
        reason = _("查询超时") if why == "timeout" else _("查询出错（%(why)s）") % {"why": why}
        parts.append(_("共享数据源“%(source)s”%(reason)s") % {"source": name, "reason": reason})
    return "；".join(parts)


def share_reads_for_document(*, document: SharedDocument) -> list[Any]:
    from onetrip.sharing.models import ShareReadLog

    return list(ShareReadLog.objects.filter(document=document).select_related("reader"))
