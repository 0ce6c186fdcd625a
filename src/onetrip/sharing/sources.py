"""Pluggable sources of shared data.

A source declares the document ``kinds`` it provides and the ``identities`` (holder kinds:
``person`` keyed by resident ID number, ``company`` by unified social credit code) it can be
asked about. ``LocalTableSource`` reads the ``SharedDocument`` table and is always registered;
``HttpSource`` talks to a real department system following ``docs/sharing-http-contract.md``.

Register extra sources with :func:`register_source` (e.g. from an AppConfig.ready; the names
are unique) or list
them in the optional setting ``ONETRIP_SHARING_SOURCES``::

    ONETRIP_SHARING_SOURCES = [
        {"class": "onetrip.sharing.sources.HttpSource", "name": "gaj-hukou",
         "base_url": "https://gaj.example.gov.cn/share/v1", "kinds": ["household_register"],
         "identities": ["person"], "department": "gaj", "token": "…"},
    ]

Sources never log reads themselves: ``selectors`` find, ``services.shared_document_read_log``
logs, and ``services.shared_documents_read`` does both.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from stdnum.cn import uscc

from onetrip.people.validators import is_id_number
from onetrip.registry import Registry
from onetrip.sharing.models import (
    KIND_LABELS,
    HolderKind,
    SharedDocument,
    SharedRecordRules,
    kind_label,
)

if TYPE_CHECKING:
    from onetrip.catalogue.models import Department, ServicePoint

log = logging.getLogger(__name__)


def holder_kind_of(number: str) -> str | None:
    """``person`` for a valid resident ID number, ``company`` for a valid credit code, else None."""
    number = (number or "").strip().upper()
    if is_id_number(number):
        return HolderKind.PERSON
    if uscc.is_valid(number):
        return HolderKind.COMPANY
    return None


@dataclass(frozen=True)
class SourceDepartment:
    """The issuing department of a remote record that has no row in our Department table."""

    code: str
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class SharedRecord(SharedRecordRules):
    """A shared record from a non-local source; same attributes as ``SharedDocument``."""

    kind: str
    number: str
    title: str
    holder_number: str
    holder_kind: str
    source_department: Department | SourceDepartment
    issued_on: dt.date
    valid_until: dt.date | None = None
    holder_name: str = ""
    revoked: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    source: str = "http"
    pk: None = None


class Source(Protocol):
    name: str
    kinds: frozenset[str]
    identities: frozenset[str]

    def lookup(
        self,
        *,
        holder_number: str,
        kinds: Iterable[str],
        on: dt.date,
        district: ServicePoint | None = None,
    ) -> list[Any]:
        """Records for the holder of the given kinds, valid on ``on`` (newest first)."""


class SourceUnavailable(Exception):
    """A remote source failed; callers skip it and carry on with the others."""


class LocalTableSource:
    """The ``SharedDocument`` table, optionally scoped to one district's departments."""

    def __init__(
        self,
        *,
        name: str = "local",
        kinds: Iterable[str] | None = None,
        identities: Iterable[str] = (HolderKind.PERSON, HolderKind.COMPANY),
    ) -> None:
        self.name = name
        self.kinds = frozenset(kinds) if kinds is not None else frozenset(KIND_LABELS)
        self.identities = frozenset(identities)

    def provides(self, kind: str) -> bool:
        # The local table holds whatever departments registered in it.
        return True

    def lookup(self, *, holder_number, kinds, on, district=None):
        qs = SharedDocument.objects.select_related("source_department").filter(
            holder_number=holder_number, kind__in=list(kinds), revoked=False, issued_on__lte=on
        )
        qs = qs.exclude(valid_until__lt=on)
        if district is not None:
            qs = qs.filter(source_department__district=district)
        return list(qs.order_by("kind", "-issued_on", "-id"))


class HttpSource:
    """A department system reached over HTTPS, per ``docs/sharing-http-contract.md``."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        kinds: Iterable[str],
        identities: Iterable[str],
        department: str = "",
        token: str = "",
        timeout: float = 3.0,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.kinds = frozenset(kinds)
        self.identities = frozenset(identities)
        self.department = department
        self.token = token
        self.timeout = timeout

    def provides(self, kind: str) -> bool:
        return kind in self.kinds

    def _department(self, info: dict[str, Any] | None, district):
        from onetrip.catalogue.models import Department

        code = (info or {}).get("code") or self.department
        name = (info or {}).get("name") or code
        if district is not None and code:
            found = Department.objects.filter(district=district, code=code).first()
            if found is not None:
                return found
        return SourceDepartment(code=code, name=name)

    def lookup(self, *, holder_number, kinds, on, district=None):
        wanted = [k for k in kinds if k in self.kinds]
        if not wanted:
            return []
        query = urllib.parse.urlencode(
            {"holder_number": holder_number, "kind": ",".join(sorted(wanted)), "on": on.isoformat()}
        )
        request = urllib.request.Request(
            f"{self.base_url}/documents?{query}", headers={"Accept": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
            raise SourceUnavailable(f"{self.name}: {exc}") from exc
        records = []
        for item in body.get("documents", []):
            try:
                record = SharedRecord(
                    kind=item["kind"],
                    number=item["number"],
                    title=item.get("title") or kind_label(item["kind"]),
                    holder_number=item.get("holder_number", holder_number),
                    holder_kind=holder_kind_of(holder_number) or "",
                    holder_name=item.get("holder_name", ""),
                    source_department=self._department(item.get("source_department"), district),
                    issued_on=dt.date.fromisoformat(item["issued_on"]),
                    valid_until=(
                        dt.date.fromisoformat(item["valid_until"])
                        if item.get("valid_until")
                        else None
                    ),
                    revoked=bool(item.get("revoked", False)),
                    data=item.get("data") or {},
                    source=self.name,
                )
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("sharing source %s sent a malformed record: %s", self.name, exc)
                continue
            if record.kind in wanted and record.holder_number == holder_number:
                if record.is_valid_on(on):
                    records.append(record)
        records.sort(key=lambda r: r.issued_on, reverse=True)
        records.sort(key=lambda r: r.kind)
        return records


def _check(name: str, source: Any) -> None:
    if getattr(source, "name", None) != name:
        raise ImproperlyConfigured(f"shared-data source {name!r}: registered under its own name")
    for attr in ("provides", "lookup"):
        if not callable(getattr(source, attr, None)):
            raise ImproperlyConfigured(f"shared-data source {name!r}: needs {attr}()")
    if not isinstance(getattr(source, "identities", None), frozenset | set):
        raise ImproperlyConfigured(f"shared-data source {name!r}: needs a set of identities")


#: The registry (``onetrip.registry.Registry``: a name taken twice raises). The local table is
#: always first.
SOURCES: Registry[Any] = Registry("shared-data sources", check=_check)
SOURCES.add("local", LocalTableSource())


def register_source(source: Any) -> Any:
    """Add ``source`` under its ``name``."""
    return SOURCES.add(source.name, source)


def unregister_source(name: str) -> None:
    SOURCES.remove(name)


def load_configured_sources(configs: Iterable[dict[str, Any]] | None) -> None:
    for config in configs or []:
        config = dict(config)
        cls = import_string(config.pop("class", "onetrip.sharing.sources.HttpSource"))
        register_source(cls(**config))


def sources_for(*, kind: str, holder_kind: str | None) -> list[Any]:
    """Sources that provide ``kind`` and accept the holder's identity."""
    return [
        s
        for s in SOURCES
        if s.provides(kind) and (holder_kind is None or holder_kind in s.identities)
    ]
