"""Rebuild the daily and monthly roll-ups of the figures from the raw rows (after a bulk load,
a restore, or a change of a figure's definition); ``--refresh`` only brings changed days up to
date, as the task worker does."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Rebuild the metrics roll-up tables (or --refresh the changed days only)."

    def add_arguments(self, parser):
        parser.add_argument("--district", help="code of one district to rebuild")
        parser.add_argument("--refresh", action="store_true", help="only the changed days")
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue a refresh for the task worker"
        )

    def handle(self, *args, district=None, refresh=False, enqueue=False, **options):
        from onetrip.metrics.rollups import rollups_rebuild, rollups_refresh

        if enqueue:
            from onetrip.metrics.tasks import refresh_rollups

            self.stdout.write(f"enqueued {refresh_rollups.enqueue().id}")
            return
        started = time.perf_counter()
        if refresh:
            n = rollups_refresh(wait=True)
            self.stdout.write(f"{n} bucket(s) recomputed in {time.perf_counter() - started:.1f} s")
            return
        district_id = None
        if district:
            from onetrip.catalogue.models import PointLevel, ServicePoint

            point = ServicePoint.objects.filter(code=district, level=PointLevel.DISTRICT).first()
            if point is None:
                raise CommandError(f"no district with code {district!r}")
            district_id = point.pk
        written = rollups_rebuild(district_id=district_id)
        rows = ", ".join(f"{k} {v}" for k, v in written.items())
        self.stdout.write(f"rebuilt in {time.perf_counter() - started:.1f} s: {rows}")
