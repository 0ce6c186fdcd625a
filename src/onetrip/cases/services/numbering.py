"""Case numbers: ``SC-20171012-00042``, one counter row per district and day."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from onetrip.cases.models import CaseCounter
from onetrip.catalogue.models import ServicePoint


def _next_number(*, district: ServicePoint, day: dt.date) -> str:
    """``SC-20171012-00042`` from a per-(district, day) counter row: one UPDATE … RETURNING
    (the row stays locked until the case's transaction ends, so numbers never repeat)."""
    table = CaseCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE district_id = %s AND day = %s RETURNING last"
    with connection.cursor() as cur:
        cur.execute(sql, [district.pk, day])
        row = cur.fetchone()
        if row is None:
            CaseCounter.objects.bulk_create(
                [CaseCounter(district=district, day=day, last=0)], ignore_conflicts=True
            )
            cur.execute(sql, [district.pk, day])
            row = cur.fetchone()
    return f"{district.code.upper()}-{day:%Y%m%d}-{int(row[0]):05d}"
