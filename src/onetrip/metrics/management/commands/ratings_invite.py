"""``onetrip ratings_invite``: invite, once, each case decided 3+ days ago and still unrated."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from onetrip.metrics.services import rating_invites_send


class Command(BaseCommand):
    help = (
        "Send the one 好差评 invitation (SMS with the tracking link) for every case decided at "
        "least --days days ago and not rated after completion. Run daily by cron or the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, days: int, **options):
        sent = rating_invites_send(days=max(days, 0))
        self.stdout.write(f"rating invitations sent: {sent}")
