"""Citizen pages, file downloads through the view, and the admin."""

from __future__ import annotations

import re

from onetrip.audit.models import AuditEvent
from onetrip.catalogue.models import Matter
from onetrip.catalogue.views import weekdays_label
from onetrip.people.models import User


def test_matter_list_counts_and_search(client, world):
    html = client.get("/matters/").content.decode()
    assert 'data-testid="count-one-visit"><b>2</b>' in html
    assert 'data-testid="count-street"><b>1</b>' in html
    assert "公司设立登记" in html and "老年人优待证办理" in html
    assert "西湖公司设立登记" not in html  # the other district never shows up
    html = client.get("/matters/", {"q": "章程"}).content.decode()
    assert html.count('data-testid="matter-item"') == 1 and "公司设立登记" in html
    html = client.get("/matters/", {"level": "community"}).content.decode()
    assert re.findall(r'data-code="([^"]+)"', html) == ["sc-002"]
    other = client.get("/matters/", {"district": "xh"}).content.decode()
    assert re.findall(r'data-code="([^"]+)"', other) == ["xh-001"]
    assert "/matters/xh-001/?district=xh" in other
    assert client.get("/matters/", {"district": "nowhere"}).status_code == 404


def test_matter_page_checklist_points_and_files(client, world, imported):
    html = client.get("/matters/sc-002/").content.decode()
    assert "老年人优待证办理" in html and "无需提交，政府已有" in html
    assert "东坡路社区" in html and "湖滨街道" in html  # accepted at street and community
    assert client.get("/matters/nope/").status_code == 404
    # Imported matter in district tq (not the default): reached with ?district=tq.
    html = client.get("/matters/tq-scjg-0001/?district=tq").content.decode()
    assert html.count('data-testid="material"') == 3
    assert html.count('data-testid="material-held"') == 1
    assert "容缺后补" in html and "需现场核验法定代表人身份" in html
    links = re.findall(r'href="(/matters/tq-scjg-0001/files/[^"]+)"', html)
    assert len(links) == 3  # sample, blank form, result sample
    bodies = {b"".join(client.get(link.replace("&amp;", "&")).streaming_content) for link in links}
    assert bodies == {
        b"%PDF-1.4 application sample",
        b"%PDF-1.4 blank application form",
        b"%PDF-1.4 licence sample",
    }
    # Files are reachable only through the view, and only for the matter they belong to.
    matter = Matter.objects.get(code="tq-scjg-0001")
    other_material = Matter.objects.get(code="tq-mz-0002").materials.first()
    url = f"/matters/{matter.code}/files/materials/{other_material.pk}/sample/?district=tq"
    assert client.get(url).status_code == 404
    assert client.get("/matters/sc-002/files/result/").status_code == 404  # no sample
    assert client.get("/media/" + matter.result_sample.name).status_code == 404


def test_point_page(client, world):
    html = client.get("/points/sc-hubin-dongpo/").content.decode()
    assert "东坡路社区" in html and "每天 08:30–20:00" in html
    assert "老年人优待证办理" in html and "公司设立登记" not in html
    assert client.get("/points/xh/").status_code == 200
    assert "西湖公司设立登记" in client.get("/points/xh/").content.decode()
    assert client.get("/points/nowhere/").status_code == 404


def test_weekdays_label():
    assert weekdays_label("12345") == "周一至周五"
    assert weekdays_label("1234567") == "每天"
    assert weekdays_label("136") == "周一、周三、周六"


def _admin(client):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(admin)
    return admin


def test_admin_pages_load(client, world):
    _admin(client)
    for url in (
        "/admin/catalogue/matter/",
        "/admin/catalogue/matter/add/",
        f"/admin/catalogue/matter/{world.matter.pk}/change/",
        "/admin/catalogue/servicepoint/",
        "/admin/catalogue/department/",
        "/admin/catalogue/matter/?q=章程",
        "/admin/catalogue/matter/?visits_needed__exact=1&audience__exact=company",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert "事项" in client.get("/admin/catalogue/matter/").content.decode()


def _form(world, **over):
    data = {
        "district": world.district.pk,
        "code": "sc-new",
        "name": "新事项",
        "department": world.dept.pk,
        "audience": "individual",
        "kind": "instant",
        "legal_limit_days": 5,
        "promised_limit_days": 2,
        "visits_needed": 1,
        "visits_reason": "",
        "level_district": "on",
        "channel_window": "on",
        "online_depth": 1,
        "fee": "0",
        "result_type": "certificate",
        "is_active": "on",
        "materials-TOTAL_FORMS": 0,
        "materials-INITIAL_FORMS": 0,
        "materials-MIN_NUM_FORMS": 0,
        "materials-MAX_NUM_FORMS": 1000,
    }
    data.update(over)
    return data


def test_admin_surfaces_rules_as_form_errors(client, world, tmp_path):
    _admin(client)
    resp = client.post("/admin/catalogue/matter/add/", _form(world))
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert "promised_limit_days" in errors and "visits_reason" in errors
    assert "result_sample" in errors
    assert not Matter.objects.filter(code="sc-new").exists()
    sample = tmp_path / "r.pdf"
    sample.write_bytes(b"%PDF")
    with sample.open("rb") as fh:
        data = _form(world, promised_limit_days=0, visits_reason="需面签", result_sample=fh)
        resp = client.post("/admin/catalogue/matter/add/", data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    created = Matter.objects.get(code="sc-new")
    assert AuditEvent.objects.filter(action="matter.create", subject_id=str(created.pk)).exists()


def test_online_matter_page_links_to_the_online_application(client, world):
    """ "可在网上办理" used to be a dead end: no way from the matter page to /apply/<code>/."""
    Matter.objects.filter(pk=world.senior_card.pk).update(channel_online=True)
    html = client.get("/matters/sc-002/").content.decode()
    links = re.findall(r'href="([^"]+)" data-testid="apply-online"', html)
    assert links == ["/apply/sc-002/?district=sc"]
    client.force_login(User.objects.filter(is_superuser=False).first())
    assert client.get(links[0]).status_code == 200
    Matter.objects.filter(pk=world.senior_card.pk).update(channel_online=False)
    assert 'data-testid="apply-online"' not in client.get("/matters/sc-002/").content.decode()


def test_search_finds_a_shortened_name(client, world):
    """The home page suggests "老年优待证"; the matter is "老年人优待证办理"."""
    for q in ("老年优待证", "优待证办理", "老年人优待证"):
        html = client.get("/matters/", {"q": q}).content.decode()
        assert re.findall(r'data-code="([^"]+)"', html) == ["sc-002"], q
    html = client.get("/matters/", {"q": "证优待年老"}).content.decode()  # order matters
    assert 'data-testid="matter-item"' not in html
    html = client.get("/matters/", {"q": "老年优待证", "district": "xh"}).content.decode()
    assert 'data-testid="matter-item"' not in html  # still scoped to the district
