"""``notices_retry``: enqueue every notice whose retry is due (run from cron or a worker loop)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from onetrip.notices.services import notices_retry_due


class Command(BaseCommand):
    help = "Re-enqueue failed, stuck or lost notices whose next attempt is due."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, **options):
        count = notices_retry_due(limit=options["limit"])
        self.stdout.write(f"{count} notice(s) enqueued")
