"""Case numbers: ``SC-20171012-00042``, one counter row per district and day."""

from __future__ import annotations

import datetime as dt

from onetrip.cases.models import CaseCounter
from onetrip.catalogue.models import ServicePoint
from onetrip.db import counter_next


def _next_number(*, district: ServicePoint, day: dt.date) -> str:
    """``SC-20171012-00042`` from the per-(district, day) counter row (locked until the case's
    transaction ends, so numbers never repeat)."""
    last = counter_next(CaseCounter, district_id=district.pk, day=day)
    return f"{district.code.upper()}-{day:%Y%m%d}-{last:05d}"
