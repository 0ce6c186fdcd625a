"""Sample shared data for ``onetrip demo``: business licences for the demo companies and
resident ID / household register / senior card records for the demo people. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onetrip.demo.registry import demo_extension

#: kind -> (department codes to try in order, title)
_ISSUERS = {
    "business_licence": (("scjg", "sj", "market"), "营业执照"),
    "resident_id": (("gaj", "ga", "police"), "居民身份证"),
    "household_register": (("gaj", "ga", "police"), "居民户口簿"),
    "senior_card": (("mz", "mzj", "civil"), "老年人优待证"),
}


def _department(district, codes):
    from onetrip.catalogue.models import Department

    for code in codes:
        found = Department.objects.filter(district=district, code=code).first()
        if found is not None:
            return found
    return Department.objects.filter(district=district).order_by("code").first()


def _ensure(*, kind, holder_number, holder_name, department, number, issued_on, valid_until):
    from onetrip.sharing.models import SharedDocument
    from onetrip.sharing.services import shared_document_issue

    if SharedDocument.objects.filter(
        source_department=department, kind=kind, number=number
    ).exists():
        return 0
    shared_document_issue(
        kind=kind,
        holder_number=holder_number,
        holder_name=holder_name,
        title=_ISSUERS[kind][1],
        number=number,
        source_department=department,
        issued_on=issued_on,
        valid_until=valid_until,
        data={"demo": True},
    )
    return 1


@demo_extension(name="sharing", order=20)
def load_shared_documents(*, district, stdout=None, **_: Any) -> dict[str, int]:
    from onetrip.people.models import Applicant, Company

    created = 0
    departments = {kind: _department(district, codes) for kind, (codes, _t) in _ISSUERS.items()}
    if not all(departments.values()):
        return {"shared_documents": 0}
    base = dt.date(2016, 3, 1)
    for company in Company.objects.order_by("id"):
        created += _ensure(
            kind="business_licence",
            holder_number=company.credit_code,
            holder_name=company.name,
            department=departments["business_licence"],
            number=company.credit_code,  # the licence carries the credit code as its number
            issued_on=base,
            valid_until=None,
        )
    for person in Applicant.objects.order_by("id"):
        issued = base + dt.timedelta(days=person.pk % 300)
        # (kind, number, issued on, valid until) of each record the person holds
        records = [
            (
                "resident_id",
                f"ID-{person.id_number}",
                issued,
                issued.replace(year=issued.year + 20),
            ),
            ("household_register", f"HK-{person.id_number[:6]}-{person.pk:06d}", issued, None),
        ]
        birth = person.birth_date
        if birth is not None and birth <= dt.date(1966, 12, 31):
            records.append(
                ("senior_card", f"YD-{person.pk:08d}", dt.date(birth.year + 60, 1, 15), None)
            )
        for kind, number, issued_on, valid_until in records:
            created += _ensure(
                kind=kind,
                holder_number=person.id_number,
                holder_name=person.name,
                department=departments[kind],
                number=number,
                issued_on=issued_on,
                valid_until=valid_until,
            )
    if stdout is not None:
        stdout.write(f"sharing: {created} shared records added\n")
    return {"shared_documents": created}
