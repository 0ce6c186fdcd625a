"""Every SMS text lives in ``notices.texts``; the case states only name theirs."""

from __future__ import annotations

import dataclasses

from onetrip.cases import states as S
from onetrip.notices import texts


def test_every_state_notice_has_its_text_in_notices():
    codes = {info.notify_template for info in S.STATES.values() if info.notify_template}
    assert codes  # the state table does tell applicants
    assert codes <= set(texts.TEMPLATES.ids()), codes - set(texts.TEMPLATES.ids())


def test_the_state_table_holds_no_texts():
    assert [f.name for f in dataclasses.fields(S.StateInfo) if "text" in f.name] == []


def test_state_notices_render_with_the_case_context_fields():
    # the fields ``cases.notify.case_context`` fills in for a case notice
    given = {
        "case_number",
        "number",
        "matter",
        "due_date",
        "promised_due",
        "state_due",
        "url",
        "tracking_url",
        "missing",
        "result",
        "note",
        "delivery",
        "place",
    }
    for info in S.STATES.values():
        if info.notify_template:
            tpl = texts.TEMPLATES.get(info.notify_template)
            assert set(tpl.fields) <= given, (tpl.code, set(tpl.fields) - given)
            title, text = texts.notice_render(
                template=tpl.code, context={name: "x" for name in given}
            )
            assert title and text
