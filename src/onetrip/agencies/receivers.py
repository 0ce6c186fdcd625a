"""Batches follow their cases: a supplement request joins the batch's consolidated notice, and
the batch is ready once every case is decided."""

from __future__ import annotations

from django.dispatch import receiver

from onetrip.cases.signals import case_state_changed


@receiver(case_state_changed, dispatch_uid="agencies.batch_follows_case")
def _batch_follows_case(sender, case, from_state, to_state, **kwargs) -> None:
    if getattr(case, "channel", None) != "agent":
        return  # only agents' cases belong to batches: no query for anybody else's
    from onetrip.agencies.models import BatchCase
    from onetrip.agencies.services import batch_case_supplement_noted, batch_refresh

    if getattr(case, "agency_id", None) is None:
        return  # only agency cases are in batches: a window intake pays no query for this
    item = BatchCase.objects.filter(case_id=case.pk).select_related("batch").first()
    if item is None:
        return
    if to_state == "supplement_requested":
        batch_case_supplement_noted(case=case)
    batch_refresh(batch=item.batch)
