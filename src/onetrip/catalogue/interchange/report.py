"""The import's findings: each problem with its place in the file, and the counts of a run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext as _

from onetrip.errors import ValidationFailed

FORMAT = "onetrip-catalogue/1"
LEVELS = ("district", "street", "community")
CHANNELS = ("window", "online", "door", "post")
_LEVEL_RANK = {"city": 0, "district": 1, "street": 2, "community": 3}
_PARENT_LEVEL = {"district": ("city",), "street": ("district",), "community": ("street",)}


# --------------------------------------------------------------------------- errors & report


@dataclass(frozen=True)
class ImportIssue:
    line: int | None
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.path or '(top)'}: {self.message} [{self.code}]"


class CatalogueImportError(ValidationFailed):
    code = "catalogue_invalid"

    def __init__(self, errors: list[ImportIssue]) -> None:
        self.errors = errors
        super().__init__(
            _("事项清单有 %(n)d 处错误，未导入任何内容。") % {"n": len(errors)},
            fields={"errors": [str(e) for e in errors]},
        )


@dataclass
class ImportReport:
    district: str = ""
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def bump(self, bucket: str, kind: str, n: int = 1) -> None:
        counts = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + n

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def changed(self) -> bool:
        return bool(self.total_created or self.total_updated or self.total_deleted)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        kinds = ("points", "departments", "matters", "materials")
        parts = [
            f"{k}: +{self.created.get(k, 0)} ~{self.updated.get(k, 0)} -{self.deleted.get(k, 0)}"
            f" ={self.unchanged.get(k, 0)}"
            for k in kinds
        ]
        return (
            f"district {self.district}: created {self.total_created}, updated "
            f"{self.total_updated}, deleted {self.total_deleted} ({'; '.join(parts)})"
        )


# --------------------------------------------------------------------------- YAML with lines


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster
