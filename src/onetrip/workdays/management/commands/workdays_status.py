"""``workdays_status``: which years the working-day calendar covers, and any warning."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from onetrip.clock import local_today
from onetrip.workdays.selectors import workdays_status


class Command(BaseCommand):
    help = "Show the years of the working-day calendar and warn when it is about to run out."

    def handle(self, *args, **options):
        status = workdays_status(today=local_today())
        if status.years:
            self.stdout.write(
                f"scheduled years: {status.first_year}–{status.last_year} "
                f"({len(status.years)} years); last day {status.last_day}, "
                f"{status.days_left} days left"
            )
        if status.missing_years:
            self.stdout.write(f"missing years: {', '.join(map(str, status.missing_years))}")
        if status.provisional_years:
            self.stdout.write(
                "provisional (not official): " + ", ".join(map(str, status.provisional_years))
            )
        if status.warning:
            self.stdout.write(self.style.WARNING(status.warning))
        else:
            self.stdout.write(self.style.SUCCESS("calendar OK"))
