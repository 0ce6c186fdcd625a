"""Demo identity numbers are valid by the same checks the people services apply."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from onetrip.demo import people_data as pd
from onetrip.errors import ValidationFailed
from onetrip.people.validators import clean_credit_code, clean_id_number


def test_resident_ids_valid_unique_and_consistent():
    numbers = []
    for p in pd.PEOPLE:
        n = pd.ric_make(region=p.region, birth=p.birth, seq=p.seq, female=p.female)
        assert clean_id_number(n) == n
        assert ric.get_birth_date(n) == dt.datetime.strptime(p.birth, "%Y%m%d").date()
        assert (int(n[16]) % 2 == 0) == p.female  # 17th digit: even for women
        numbers.append(n)
    assert len(set(numbers)) == len(numbers)
    seniors = [p for p in pd.PEOPLE if p.birth < "19660101"]
    assert seniors, "someone must be old enough for the senior citizen card"


def test_credit_codes_valid_unique():
    codes = [pd.uscc_make(seq=c.seq) for c in pd.COMPANIES] + [
        pd.uscc_make(seq=a.seq) for a in pd.AGENCIES
    ]
    for code in codes:
        assert clean_credit_code(code) == code
        assert code.startswith("91330102MA")
    assert len(set(codes)) == len(codes)


def test_a_broken_check_digit_is_still_refused():
    n = pd.ric_make(region="330102", birth="19900315", seq=1, female=True)
    bad = n[:-1] + ("0" if n[-1] != "0" else "1")
    with pytest.raises(ValidationFailed):
        clean_id_number(bad)
    code = pd.uscc_make(seq=1)
    with pytest.raises(ValidationFailed):
        clean_credit_code(code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert uscc.is_valid(code) and ric.is_valid(n)


def test_agencies_have_several_clients_that_exist():
    companies = {c.name for c in pd.COMPANIES}
    assert len(pd.AGENCIES) >= 5
    for a in pd.AGENCIES:
        assert len(a.clients) >= 3 and set(a.clients) <= companies
