"""One phone rule for people and notices."""

from __future__ import annotations

import pytest

from onetrip.errors import ValidationFailed
from onetrip.notices.services import notice_send
from onetrip.people.validators import clean_phone
from onetrip.phones import mobile_clean


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("13800000001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("008613800000001", "13800000001"),
        ("12800000001", None),  # no mobile network starts 12
        ("1380000000", None),
        # other scripts' digits match a bare \d: such a number could not be texted
        ("13８00000001", None),
        ("138\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0661", None),
        ("", None),
    ],
)
def test_the_rule(raw, clean):
    assert mobile_clean(raw) == clean


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["12800000001", "138000000x1", "+1 415 555 0100"])
def test_people_and_notices_refuse_the_same_numbers(raw):
    with pytest.raises(ValidationFailed) as person:
        clean_phone(raw)
    assert person.value.code == "invalid_phone"
    context = {"ticket": "A001", "ahead": 3, "place": "市民中心"}
    with pytest.raises(ValidationFailed) as notice:
        notice_send(channel="sms", to=raw, template="ticket_almost_due", context=context)
    assert notice.value.code == "bad_recipient"


def test_people_and_notices_accept_the_same_form():
    assert clean_phone("+86 138-0000-0001") == "13800000001"


@pytest.mark.parametrize(
    "raw",
    [
        "13800000001",
        " +86 138-0000-0001 ",
        "13８00000001",
        "138\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0661",
    ],
)
def test_the_api_pattern_accepts_what_the_rule_accepts(raw):
    import re

    from onetrip.phones import MOBILE_INPUT

    assert (re.fullmatch(MOBILE_INPUT, raw) is not None) == (mobile_clean(raw) is not None)
