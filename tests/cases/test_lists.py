"""The lists: the case API list and the back-office queue page by keyset (every case once, in
order, whatever the depth), and the API list's queries do not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.cases import lists
from onetrip.cases import selectors as sel
from onetrip.cases.models import BACKOFFICE_INDEX_STATES, Case
from tests.cases.helpers import window_case
from tests.cases.test_api import auth

pytestmark = pytest.mark.usefixtures("frozen")
D = dt.date(2026, 3, 2)


def _mixed_cases(cw, n: int) -> None:
    for i in range(n):
        if i % 3 == 0:
            window_case(cw, day=D, matter=cw.matter, applicant=None, company=cw.company)
        else:
            window_case(cw, day=D - dt.timedelta(days=i % 5), accept=i % 4 != 1)


def _list_queries(client, headers, url="/api/v1/cases?limit=200") -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, headers=headers)
    assert r.status_code == 200
    return len(ctx.captured_queries), len(r.json())


@pytest.mark.parametrize("who", ["manager", "clerk", "company_user"])
def test_api_list_queries_do_not_grow_with_rows(cw, client, who):
    headers = auth(getattr(cw, who))
    _mixed_cases(cw, 3)
    _list_queries(client, headers)  # the token's first use writes its last-used time
    few, rows_few = _list_queries(client, headers)
    _mixed_cases(cw, 12)
    many, rows_many = _list_queries(client, headers)
    assert rows_many > rows_few > 0
    assert many == few, (few, many)


def test_api_list_pages_by_keyset(cw, client):
    _mixed_cases(cw, 12)
    headers = auth(cw.manager)
    url, seen, pages = "/api/v1/cases?limit=5", [], 0
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200
        seen += [c["number"] for c in r.json()]
        pages += 1
        link = r.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        if url:
            assert r.headers["X-Next-Before"] in url
    expected = list(
        sel.cases_visible_to(user=cw.manager).order_by("-id").values_list("number", flat=True)
    )
    assert seen == expected and len(expected) == 12 and pages == 3
    # a state filter pages the same way
    first = client.get("/api/v1/cases?limit=2&state=accepted", headers=headers)
    assert all(c["state"] == "accepted" for c in first.json())


def _backoffice_all(cw, user, size, **kw):
    out, after, pages = [], None, 0
    while True:
        queue = lists.backoffice_queue(user=user, department=cw.civil, today=D, **kw)
        rows, after = lists.backoffice_page(queue=queue, after=after, size=size)
        out += [c.number for c in rows]
        pages += 1
        if after is None:
            return out, pages


def test_backoffice_pages_by_keyset(cw):
    # dated (accepted) cases on several due dates and undated ones (submitted, not accepted)
    _mixed_cases(cw, 14)
    civil = Case.objects.filter(department=cw.civil)
    assert civil.filter(promised_due__isnull=True).count() >= 2
    assert civil.values("promised_due").distinct().count() >= 3
    for user in (cw.civil_reviewer, cw.manager, cw.clerk):
        full = [c.number for c in lists.backoffice_queue(user=user, department=cw.civil, today=D)]
        for size in (1, 2, 3, 50):
            paged, pages = _backoffice_all(cw, user, size)
            assert paged == full, (user, size)
            assert pages == max(1, -(-len(full) // size))
    # a cursor that is not one gives the first page
    queue = lists.backoffice_queue(user=cw.manager, department=cw.civil, today=D)
    first, _ = lists.backoffice_page(queue=queue, size=3)
    junk, _ = lists.backoffice_page(queue=queue, size=3, after="x.y")
    assert [c.pk for c in junk] == [c.pk for c in first]


def test_backoffice_page_links(cw, client):
    for i in range(3):
        window_case(cw, day=D - dt.timedelta(days=i))
    client.force_login(cw.civil_reviewer)
    full = client.get("/backoffice/").content.decode()
    assert 'rel="next"' not in full
    original = lists.PAGE_SIZE
    try:
        lists.backoffice_page.__kwdefaults__["size"] = 2
        page1 = client.get("/backoffice/").content.decode()
        assert 'rel="next"' in page1
        start = page1.index('href="?', page1.index('class="pager"'))
        nxt = page1[start + 6 : page1.index('"', start + 6)].replace("&amp;", "&")
        page2 = client.get("/backoffice/" + nxt).content.decode()
        assert 'rel="next"' not in page2 and "第一页" in page2
    finally:
        lists.backoffice_page.__kwdefaults__["size"] = original
    numbers = list(Case.objects.order_by("promised_due", "id").values_list("number", flat=True))
    assert all(n in page1 for n in numbers[:2]) and numbers[2] not in page1
    assert numbers[2] in page2


def test_index_states_match_the_default_view():
    assert list(lists.BACKOFFICE_STATES) == list(BACKOFFICE_INDEX_STATES)


@pytest.mark.parametrize("who", ["manager", "civil_reviewer"])
def test_backoffice_page_queries_do_not_grow_with_rows(cw, client, who):
    """The departments are read once (the menu and the chosen one), the page's cases in one
    query whatever their number, and every row links to its case page."""
    client.force_login(getattr(cw, who))

    def page() -> tuple[int, int, str]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/backoffice/")
        assert r.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        assert sum('FROM "catalogue_department"' in q for q in sql) == 1, sql
        return len(sql), r.content.decode().count("<tr><td><a href="), r.content.decode()

    window_case(cw, day=D)
    client.get("/backoffice/")  # first request of the session
    few, rows_few, _html = page()
    for i in range(6):
        window_case(cw, day=D - dt.timedelta(days=i))
    many, rows_many, html = page()
    assert rows_many > rows_few > 0
    assert many == few
    for number in Case.objects.filter(department=cw.civil_reviewer.department).values_list(
        "number", flat=True
    ):
        assert f'<a href="/cases/{number}/">{number}</a>' in html
