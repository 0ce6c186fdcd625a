from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onetrip.catalogue.interchange import catalogue_export
from onetrip.catalogue.models import PointLevel, ServicePoint


class Command(BaseCommand):
    help = "Export a district's service catalogue as YAML (files/ written beside it)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--district", help="district code (default: the first district)")

    def handle(self, *args, file: Path, district: str | None = None, **options):
        qs = ServicePoint.objects.filter(level=PointLevel.DISTRICT)
        point = qs.filter(code=district).first() if district else qs.order_by("id").first()
        if point is None:
            raise CommandError(f"no such district: {district or '(none in database)'}")
        counts = catalogue_export(district=point, path=file)
        self.stdout.write(
            f"exported {point.code}: {counts['matters']} matters, {counts['departments']} "
            f"departments, {counts['points']} points -> {file}"
        )
