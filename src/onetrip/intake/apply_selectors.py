"""Reads of the online application (网上办): who the signed-in user may apply as, what the
catalogue's rule set (``catalogue.rules``) offers that kind of applicant online, and the
materials plan — the same rule set the pre-check and the window intake read.

A *holder* (``Holder``) is one way the user may apply, a dict with ``key`` (sent by the form), ``kind``
(a ``catalogue.rules.ApplicantKind``), ``label``, ``applicant`` / ``company`` (the records the
case is opened for: a founder's company does not exist yet) and ``number`` (the number shared
data is looked up by):

- ``me``: the user's own Applicant record (a natural person);
- ``company-<id>``: a registered company the user acts for (``Company.users``);
- ``found``: the user founding a company not registered yet (no credit code: the company's
  name is given in the form and the registration issues the code);
- ``client-<id>``: an agent's client company, authorised on the day (``agent_authorised``:
  an unrevoked authorisation letter valid that day, or the agency's client list).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onetrip.access import authenticated
from onetrip.catalogue.models import Matter, ServicePoint
from onetrip.catalogue.rules import ApplicantKind, Handling, MatterRules, matter_rules
from onetrip.clock import local_today
from onetrip.people.models import Applicant, Company
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User


class Holder(TypedDict):
    """One way the user may apply (see the module docstring): exactly one of ``applicant``
    (a person, or the founder of a company not registered yet) and ``company`` is set."""

    key: str
    kind: str
    label: str
    applicant: Applicant | None
    company: Company | None
    number: str


def online_matters(*, district: ServicePoint) -> QuerySet[Matter]:
    """Active matters of the district the catalogue lists with the online channel (whether a
    kind of applicant may apply online is the rule set's answer: ``holder_rules``)."""
    return (
        Matter.objects.filter(district=district, is_active=True, channel_online=True)
        .select_related("department", "district")
        .prefetch_related("materials")
        .order_by("code")
    )


def _person(key: str, kind: str, label: str, *, applicant: Applicant) -> Holder:
    """The user applying as ``applicant`` (a person, or a company's founder): ``number`` is the
    person's identity number."""
    return Holder(
        key=key,
        kind=kind,
        label=label,
        applicant=applicant,
        company=None,
        number=applicant.id_number,
    )


def _company(prefix: str, kind: str, label: str, company: Company) -> Holder:
    """The user applying for a registered ``company``, keyed ``<prefix>-<pk>``: ``label`` takes
    its name as ``%(name)s``; ``number`` is its credit code."""
    return Holder(
        key=f"{prefix}-{company.pk}",
        kind=kind,
        label=label % {"name": company.name},
        applicant=None,
        company=company,
        number=company.credit_code or "",
    )


def holders_for(*, user: User | AnonymousUser | None, on: dt.date | None = None) -> list[Holder]:
    """The ways the signed-in user may apply (see the module docstring), in a stable order."""
    from onetrip.people.services import agent_authorised

    out: list[Holder] = []
    if not authenticated(user):
        return out
    me = Applicant.objects.filter(user=user).first()
    if me is not None:
        out.append(
            _person(
                "me", ApplicantKind.PERSON, _("本人：%(name)s") % {"name": me.name}, applicant=me
            )
        )
    for company in user.companies.filter(credit_code__isnull=False).order_by("id"):
        out.append(_company("company", ApplicantKind.COMPANY, _("企业：%(name)s"), company))
    if me is not None:
        out.append(
            _person(
                "found",
                ApplicantKind.FOUNDER,
                _("设立新企业（设立人：%(name)s）") % {"name": me.name},
                applicant=me,
            )
        )
    agency_id = getattr(user, "agency_id", None)
    if agency_id and user.has_role(Role.AGENT):
        day = on or local_today()
        clients = Company.objects.filter(credit_code__isnull=False).filter(
            pk__in=_candidate_clients(agency_id)
        )
        for company in clients.order_by("id"):
            if not agent_authorised(agent=user, company=company, on=day):
                continue
            out.append(_company("client", ApplicantKind.AGENT, _("代办：%(name)s"), company))
    return out


def _candidate_clients(agency_id: int) -> set[int]:
    """Companies the agency has on file: its clients and those with a letter for it."""
    ids = set(Company.objects.filter(agencies__pk=agency_id).values_list("pk", flat=True))
    relation = getattr(Company, "authorisations", None)
    if relation is not None:
        ids |= set(
            Company.objects.filter(authorisations__agency_id=agency_id).values_list("pk", flat=True)
        )
    return ids


def holder_rules(*, matter: Matter, holder: Holder) -> MatterRules:
    """The matter's rule set for the holder's kind of applicant."""
    return matter_rules(matter=matter, applicant_kind=holder["kind"])


def holder_fits(*, matter: Matter, holder: Holder) -> bool:
    """The rule set lets this holder apply for the matter online."""
    rules = holder_rules(matter=matter, holder=holder)
    return rules.allowed and rules.online


def holder_visit(*, matter: Matter, holder: Holder) -> MatterRules | None:
    """The rule set when this holder may apply but not online because of an on-site step
    (real-name verification): the one visit the catalogue promises. None otherwise."""
    rules = holder_rules(matter=matter, holder=holder)
    if rules.allowed and not rules.online and rules.onsite_steps:
        return rules
    return None


def holder_numbers(holder: Holder) -> dict[str, str]:
    """The numbers government-held materials are looked up by for this holder: a person's
    (or founder's) ID number; a company's credit code and its legal representative's."""
    from onetrip.sharing.selectors import holder_numbers_for

    return holder_numbers_for(applicant=holder["applicant"], company=holder["company"])


def material_plan(
    *, matter: Matter, holder: Holder, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Each material of the matter as the online form offers it, per the rule set:

    - ``held`` (政府已有): found in shared data for the right holder (a company's 居民身份证 is
      its legal representative's) or held without a record kind: never asked for;
    - ``upload``: to upload now (``required`` when it must be); a held material that shared data
      does not have — or whose source did not answer (``note`` says which and why) — is
      uploaded instead;
    - ``later`` (容缺): required, but instead of uploading it now the applicant may commit to
      hand it in within ``later_days`` (not an applicant on the bad-credit list);
    - waived materials (an authorisation nobody needs) are left out.
    """
    from onetrip.sharing.selectors import held_material_lookup, source_failures_text

    rules = holder_rules(matter=matter, holder=holder)
    numbers = holder_numbers(holder)
    bad_credit = _bad_credit(holder)
    day = on or local_today()
    by_id = {m.pk: m for m in matter.materials.all()}
    plan = []
    for rule in rules.materials:
        m = by_id[rule.id]
        item: dict[str, Any] = {
            "material": m,
            "handling": rule.handling,
            "upload": True,
            "required": rule.handling == Handling.HAND_IN,
            "later": False,
            "later_days": None,
            "source": "",
            "note": m.note,
        }
        if rule.handling == Handling.WAIVED:
            continue
        if rule.handling == Handling.HELD:
            if m.shared_kind:
                found = held_material_lookup(
                    kind=m.shared_kind, numbers=numbers, on=day, district=matter.district
                )
                if found.document is not None:
                    doc = found.document
                    item.update(upload=False, required=False, source=f"{doc.source_department}")
                elif found.reason == "unavailable":
                    item.update(
                        required=True,
                        note=_("%(why)s：请上传%(name)s。")
                        % {"why": source_failures_text(found.failed), "name": m.name},
                    )
                else:
                    item.update(required=True, note=_("共享数据中未找到，请上传。"))
            else:
                issuer = m.issuing_department
                source = issuer.name if issuer is not None else _("政府部门")
                item.update(upload=False, required=False, source=source)
        elif rule.handling == Handling.LATER:
            if bad_credit:
                item.update(required=True, note=_("申请人在失信名单上，不适用容缺受理，须提交。"))
            else:
                item.update(required=True, later=True, later_days=rules.later_days)
        plan.append(item)
    return plan


def _bad_credit(holder: Holder) -> bool:
    holding = holder["applicant"] or holder["company"]
    return holding is not None and holding.bad_credit


def form_fields_for_holder(*, matter: Matter, holder: Holder | None) -> list[dict]:
    """The matter's application form for this kind of applicant: a company being founded has
    no credit code yet, so that field is left out (its name is asked for instead)."""
    from onetrip.intake.selectors import form_fields_for

    fields = form_fields_for(matter=matter)
    if holder is not None and holder["kind"] == ApplicantKind.FOUNDER:
        fields = [
            dict(f, required=True) if f["name"] == "company_name" else f
            for f in fields
            if f.get("type") != "credit_code"
        ]
    return fields


def form_initial(*, holder: Holder | None, user: User | None = None) -> dict[str, str]:
    """What the form is prefilled with: the holder's own details and today's date."""
    if holder is None:
        return {}
    today = {"request_date": local_today().isoformat()}
    applicant, company = holder["applicant"], holder["company"]
    if applicant is not None:
        person = {
            **today,
            "applicant_name": applicant.name,
            "id_number": applicant.id_number,
            "phone": applicant.phone,
            "address": applicant.address,
        }
        if holder["kind"] == ApplicantKind.FOUNDER:
            person.update(
                legal_representative=applicant.name,
                contact_name=applicant.name,
                contact_id_number=applicant.id_number,
            )
        return person
    if company is not None:
        out = {
            **today,
            "company_name": company.name,
            "credit_code": company.credit_code or "",
            "legal_representative": company.legal_representative,
            "phone": company.phone,
            "address": company.address,
        }
        if holder["kind"] == ApplicantKind.AGENT and user is not None:
            out["contact_name"] = user.display_name or ""
            out["phone"] = user.phone or company.phone
        return out
    return today
