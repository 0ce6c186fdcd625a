"""``workdays_import FILE.yaml [--replace]``: enter one year's official holiday schedule."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from onetrip.errors import DomainError
from onetrip.workdays.services import schedule_import


class Command(BaseCommand):
    help = "Import one year's holiday schedule (year, holidays, workdays) from a YAML file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="YAML file with year:, holidays: and workdays:")
        parser.add_argument(
            "--replace", action="store_true", help="rewrite the year if it already exists"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise CommandError(f"{path} is not valid YAML: {exc}") from exc
        except ValueError as exc:  # a date-like value that is no date, e.g. 2027-13-01
            raise CommandError(f"{path} has an invalid date: {exc}") from exc
        try:
            schedule = schedule_import(data=data, replace=options["replace"])
        except DomainError as exc:
            lines = [str(exc.message)]
            for key, messages in exc.field_messages().items():
                lines += [f"  {key}: {message}" for message in messages]
            raise CommandError("\n".join(lines)) from exc
        days = schedule.days.all()
        self.stdout.write(
            self.style.SUCCESS(
                f"{schedule.year}: {sum(1 for d in days if not d.is_workday)} holidays, "
                f"{sum(1 for d in days if d.is_workday)} shifted workdays imported "
                f"(source: {schedule.source})."
            )
        )
