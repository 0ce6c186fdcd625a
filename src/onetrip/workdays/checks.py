"""System check: warn at startup when the working-day calendar is about to run out."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError

from onetrip.clock import local_today


@checks.register("workdays")
def schedule_runs_out(app_configs=None, databases=None, **kwargs):

    from onetrip.workdays.selectors import schedule_warning

    try:
        warning = schedule_warning(today=local_today())
    except DatabaseError:
        # Not migrated yet (e.g. the checks that run before ``migrate``): nothing to say.
        return []
    if not warning:
        return []
    return [
        checks.Warning(
            warning,
            hint="Import the next year's schedule: `onetrip workdays_import FILE.yaml` "
            "or admin → 工作日历.",
            id="workdays.W001",
        )
    ]
