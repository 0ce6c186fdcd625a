from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onetrip.catalogue.interchange import CatalogueImportError, catalogue_import


class Command(BaseCommand):
    help = "Import a service catalogue YAML file (onetrip-catalogue/1); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            report = catalogue_import(path=file)
        except CatalogueImportError as exc:
            for err in exc.errors:
                self.stderr.write(
                    f"{file}:{err.line or 0}: {err.path or '(top)'}: {err.message} [{err.code}]"
                )
            raise CommandError(
                f"{exc.message} ({len(exc.errors)} error(s); nothing imported)"
            ) from exc
        self.stdout.write(report.summary())
