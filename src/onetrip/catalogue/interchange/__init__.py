"""The catalogue's YAML interchange (format onetrip-catalogue/1, documented in
docs/catalogue-format.md). Import is all-or-nothing: the whole file is parsed and checked
first (``check``: every error is collected with its line number), and only a file without
errors is written, in one transaction (``load``). Importing the same file twice changes nothing
the second time. ``export`` writes a district's catalogue back out."""

from onetrip.catalogue.interchange.export import catalogue_export, hhmm
from onetrip.catalogue.interchange.load import catalogue_check, catalogue_import
from onetrip.catalogue.interchange.report import (
    FORMAT,
    CatalogueImportError,
    ImportIssue,
    ImportReport,
)

__all__ = [
    "FORMAT",
    "CatalogueImportError",
    "ImportIssue",
    "ImportReport",
    "catalogue_check",
    "catalogue_export",
    "catalogue_import",
    "hhmm",
]
