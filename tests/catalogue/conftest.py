"""A small but complete catalogue file (two matters per kind of rule) written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SAMPLE_YAML = textwrap.dedent(
    """\
    format: onetrip-catalogue/1
    district: tq
    points:
      - code: tcity
        name: 测试市
        level: city
      - code: tq
        name: 测试区
        level: district
        parent: tcity
        address: 测试市测试区行政服务中心
        latitude: 30.2425
        longitude: 120.1694
        phone: "0571-1234567"
        opens_at: "09:00"
        closes_at: "17:00"
        open_weekdays: "12345"
      - code: tq-east
        name: 东街道
        level: street
        parent: tq
        address: 东街道便民服务中心
        opens_at: 8:30
      - code: tq-east-a
        name: 甲社区
        level: community
        parent: tq-east
        opens_at: "08:30"
        closes_at: "20:00"
        open_weekdays: "1234567"
        open_on_holidays: true
    departments:
      - code: scjg
        name: 区市场监督管理局
        phone: "0571-1111"
      - code: mz
        name: 区民政局
      - code: gaj
        name: 公安分局
    matters:
      - code: tq-scjg-0001
        name: 有限责任公司设立登记
        department: scjg
        description: 商事登记，企业自办与中介代办分窗受理。
        audience: company
        kind: committed
        legal_limit_days: 15
        promised_limit_days: 3
        visits_needed: 1
        visits_reason: 需现场核验法定代表人身份
        levels: [district, street]
        channels: [window, online, post]
        online_depth: 3
        fee: 0
        online_payment: false
        legal_basis: 《中华人民共和国公司法》
        result_type: licence
        result_name: 营业执照
        result_sample: files/results/yyzz.pdf
        basic_code: "000117001000"
        materials:
          - name: 公司登记（备案）申请书
            form: original
            count: 1
            required: true
            sample: files/samples/sqs.pdf
            blank_form: files/forms/sqs.pdf
          - name: 公司章程
            form: original
            required: true
          - name: 住所使用证明
            form: copy
            required: true
            later_allowed: true
            note: 租赁合同或产权证明
          - name: 法定代表人身份证件
            form: copy
            government_held: true
            issuing_department: gaj
            shared_kind: resident_id
      - code: tq-mz-0002
        name: 老年人优待证办理
        department: mz
        audience: individual
        kind: instant
        legal_limit_days: 5
        promised_limit_days: 0
        visits_needed: 0
        levels: [district, street, community]
        channels: [window, door]
        online_depth: 2
        fee: 0
        result_type: card
        result_name: 浙江省老年人优待证
        result_sample: files/results/card.pdf
        materials:
          - name: 居民身份证
            government_held: true
            issuing_department: gaj
            shared_kind: resident_id
          - name: 近期一寸免冠照片
            count: 2
      - code: tq-wg-0003
        name: 营业性演出许可
        department: scjg
        audience: company
        kind: committed
        legal_limit_days: 20
        promised_limit_days: 5
        visits_needed: 0
        levels: [district]
        channels: [online]
        online_depth: 4
        fee: 12.5
        online_payment: true
        result_type: licence
        result_name: 营业性演出许可证
        result_sample: files/results/yyzz.pdf
        materials:
          - name: 演出申请表
            form: electronic
    """
)


def write_catalogue(folder: Path, text: str = SAMPLE_YAML) -> Path:
    """Write the YAML and the files it names into ``folder``; return the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, body in {
        "files/results/yyzz.pdf": b"%PDF-1.4 licence sample",
        "files/results/card.pdf": b"%PDF-1.4 card sample",
        "files/samples/sqs.pdf": b"%PDF-1.4 application sample",
        "files/forms/sqs.pdf": b"%PDF-1.4 blank application form",
    }.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    path = folder / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def catalogue_file(tmp_path) -> Path:
    return write_catalogue(tmp_path / "src")


@pytest.fixture
def imported(db, catalogue_file):
    from onetrip.catalogue.interchange import catalogue_import

    return catalogue_import(path=catalogue_file)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # make_world() creates users; the default PBKDF2 hasher costs ~1 s per user here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
