"""Mark overdue cases and escalate them: run every few minutes by cron or the task worker."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Mark overdue cases, escalate them to the department head and notify."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="ISO date to sweep as (default: today in Shanghai)")
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue the task instead of running it here"
        )

    def handle(self, *args, today=None, enqueue=False, **options):
        if enqueue:
            from onetrip.cases.tasks import sweep_overdue_cases

            result = sweep_overdue_cases.enqueue(today=today)
            self.stdout.write(f"enqueued {result.id}")
            return
        from onetrip.cases.services import cases_sweep_overdue

        marked = cases_sweep_overdue(today=dt.date.fromisoformat(today) if today else None)
        self.stdout.write(f"{marked} case(s) marked overdue")
