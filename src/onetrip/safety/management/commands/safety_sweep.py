"""``onetrip safety_sweep``: escalate open incidents about to breach their SLA (cron or the task
worker runs it every few minutes; each incident is escalated once, with an audit event)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from onetrip.safety.services import incidents_escalate


class Command(BaseCommand):
    help = "Escalate open incidents about to breach their SLA."

    def handle(self, *args, **options):
        count = incidents_escalate()
        self.stdout.write(f"escalated {count}")
