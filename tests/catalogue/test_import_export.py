"""YAML import/export: counts, idempotence, round trip, line-precise errors, nothing written."""

from __future__ import annotations

import datetime as dt
import filecmp
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from onetrip.audit.models import AuditEvent
from onetrip.catalogue.interchange import (
    CatalogueImportError,
    catalogue_export,
    catalogue_import,
)
from onetrip.catalogue.models import Department, Material, Matter, ServicePoint
from tests.catalogue.conftest import SAMPLE_YAML, write_catalogue

DEMO_YAML = Path(__file__).resolve().parents[2] / "src/onetrip/demo/data/catalogue.yaml"


def _counts():
    return (
        ServicePoint.objects.count(),
        Department.objects.count(),
        Matter.objects.count(),
        Material.objects.count(),
    )


def test_import_creates_everything(imported):
    assert imported.created == {"points": 4, "departments": 3, "matters": 3, "materials": 7}
    assert _counts() == (4, 3, 3, 7)
    tq = ServicePoint.objects.get(code="tq")
    assert tq.district_id == tq.pk
    street = ServicePoint.objects.get(code="tq-east")
    assert street.district_id == tq.pk
    assert street.opens_at == dt.time(8, 30)  # unquoted 8:30 is a YAML 1.1 number: still a time
    assert ServicePoint.objects.get(code="tq-east-a").district_id == tq.pk
    m = Matter.objects.get(code="tq-scjg-0001")
    assert m.district == tq and m.department.code == "scjg"
    assert m.levels == ["district", "street"] and m.channels == ["window", "online", "post"]
    assert m.result_sample.read() == b"%PDF-1.4 licence sample"
    mats = list(m.materials.all())
    assert [x.position for x in mats] == [1, 2, 3, 4]
    assert mats[0].blank_form.read() == b"%PDF-1.4 blank application form"
    assert mats[2].later_allowed and mats[3].government_held
    assert mats[3].issuing_department.code == "gaj"
    perf = Matter.objects.get(code="tq-wg-0003")
    assert perf.fee == Decimal("12.50") and perf.is_five_star
    assert AuditEvent.objects.filter(action="catalogue.import", subject_id="tq").count() == 1


def test_import_is_idempotent(imported, catalogue_file):
    before = _counts()
    stamps = list(Matter.objects.order_by("pk").values_list("updated_at", flat=True))
    again = catalogue_import(path=catalogue_file)
    assert again.total_created == 0 and again.total_updated == 0 and again.total_deleted == 0
    assert again.unchanged["matters"] == 3 and again.unchanged["materials"] == 7
    assert _counts() == before
    assert list(Matter.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert AuditEvent.objects.filter(action="catalogue.import").count() == 1


def test_reimport_updates_changed_rows(imported, tmp_path):
    text = SAMPLE_YAML.replace("promised_limit_days: 3", "promised_limit_days: 2").replace(
        "      - name: 公司章程\n        form: original\n        required: true\n", ""
    )
    report = catalogue_import(path=write_catalogue(tmp_path / "v2", text))
    assert report.updated == {"matters": 1, "materials": 2}  # two materials moved up
    assert report.deleted == {"materials": 1}
    assert report.total_created == 0
    m = Matter.objects.get(code="tq-scjg-0001")
    assert m.promised_limit_days == 2
    assert [x.name for x in m.materials.all()][:2] == ["公司登记（备案）申请书", "住所使用证明"]


def test_round_trip_export_import_export(imported, tmp_path):
    first = tmp_path / "a" / "catalogue.yaml"
    catalogue_export(district=ServicePoint.objects.get(code="tq"), path=first)
    # Empty the database, import the export, export again.
    Material.objects.all().delete()
    Matter.objects.all().delete()
    Department.objects.all().delete()
    AuditEvent.objects.all().delete()  # test-only: audit rows pin the points
    ServicePoint.objects.update(district=None)
    for level in ("community", "street", "district", "city"):
        ServicePoint.objects.filter(level=level).delete()
    assert _counts() == (0, 0, 0, 0)
    report = catalogue_import(path=first)
    assert report.created == {"points": 4, "departments": 3, "matters": 3, "materials": 7}
    second = tmp_path / "b" / "catalogue.yaml"
    catalogue_export(district="tq", path=second)
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    cmp = filecmp.dircmp(first.parent / "files", second.parent / "files")
    files_a = sorted(p.relative_to(first.parent) for p in first.parent.rglob("*.pdf"))
    files_b = sorted(p.relative_to(second.parent) for p in second.parent.rglob("*.pdf"))
    assert files_a == files_b and len(files_a) == 5 and not cmp.diff_files
    doc = yaml.safe_load(first.read_text(encoding="utf-8"))
    assert doc["format"] == "onetrip-catalogue/1" and doc["district"] == "tq"
    assert [p["code"] for p in doc["points"]] == ["tcity", "tq", "tq-east", "tq-east-a"]


def test_export_is_district_scoped(world, imported, tmp_path):
    out = tmp_path / "sc.yaml"
    catalogue_export(district=world.district, path=out)
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    codes = {m["code"] for m in doc["matters"]}
    assert codes == {"sc-001", "sc-002"}
    assert "xh" not in {p["code"] for p in doc["points"]}
    assert "tq" not in {p["code"] for p in doc["points"]}


def _bad(tmp_path, text: str) -> CatalogueImportError:
    path = write_catalogue(tmp_path / "bad", text)
    before = _counts()
    with pytest.raises(CatalogueImportError) as exc:
        catalogue_import(path=path)
    assert _counts() == before  # nothing written
    assert not AuditEvent.objects.filter(action="catalogue.import").exists()
    return exc.value


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth - 1]


def test_syntax_error_has_line(db, tmp_path):
    text = SAMPLE_YAML.replace("    name: 老年人优待证办理", "    name: [老年人优待证办理")
    err = _bad(tmp_path, text)
    assert len(err.errors) == 1 and err.errors[0].code == "yaml_syntax"
    assert err.errors[0].line is not None
    assert abs(err.errors[0].line - _line_of(text, "老年人优待证办理")) <= 2
    assert err.as_dict()["code"] == "catalogue_invalid"


def test_all_errors_collected_with_lines(db, tmp_path):
    text = (
        SAMPLE_YAML.replace("department: mz\n", "department: nosuch\n")  # unknown department
        .replace(
            "audience: company\n    kind: committed\n    legal_limit_days: 20",
            "audience: company\n    kind: sometimes\n    legal_limit_days: 20",
        )  # bad enum
        .replace("    visits_reason: 需现场核验法定代表人身份\n", "")  # rule violation
    )
    err = _bad(tmp_path, text)
    found = {(e.code, e.line) for e in err.errors}
    assert ("unknown_department", _line_of(text, "department: nosuch")) in found
    assert ("bad_choice", _line_of(text, "kind: sometimes")) in found
    # A missing field is reported on the matter's first line.
    assert ("visits_reason_missing", _line_of(text, "code: tq-scjg-0001")) in found
    assert len(err.errors) == 3, [str(e) for e in err.errors]
    assert [e.line for e in err.errors] == sorted(e.line for e in err.errors)


def test_rule_violation_line_points_at_the_field(db, tmp_path):
    text = SAMPLE_YAML.replace("    promised_limit_days: 0\n", "    promised_limit_days: 2\n")
    err = _bad(tmp_path, text)
    assert [(e.code, e.line) for e in err.errors] == [
        ("instant_limit", _line_of(text, "promised_limit_days: 2"))
    ]
    assert "即办件" in err.errors[0].message


def test_material_errors_and_missing_file(db, tmp_path):
    text = (
        SAMPLE_YAML.replace("sample: files/samples/sqs.pdf", "sample: files/samples/none.pdf")
        .replace(
            "        count: 2\n",
            "        count: 2\n        later_allowed: true\n        required: false\n",
        )
        .replace("result_sample: files/results/card.pdf", "result_sample: ../../etc/passwd")
    )
    err = _bad(tmp_path, text)
    codes = {(e.code, e.line) for e in err.errors}
    assert ("file_missing", _line_of(text, "files/samples/none.pdf")) in codes
    assert ("later_allowed_optional", _line_of(text, "later_allowed: true", 2)) in codes
    assert ("file_outside", _line_of(text, "../../etc/passwd")) in codes


def test_unknown_key_bad_type_and_unknown_parent(db, tmp_path):
    text = (
        SAMPLE_YAML.replace("parent: tq-east\n", "parent: tq-west\n")
        .replace("legal_limit_days: 15", "legal_limit_days: fifteen")
        .replace("    online_depth: 2\n", "    online_depth: 2\n    stars: 5\n")
    )
    err = _bad(tmp_path, text)
    codes = {(e.code, e.line) for e in err.errors}
    assert ("unknown_point", _line_of(text, "parent: tq-west")) in codes
    assert ("bad_type", _line_of(text, "legal_limit_days: fifteen")) in codes
    assert ("unknown_key", _line_of(text, "stars: 5")) in codes


def test_wrong_format_and_unknown_district(db, tmp_path):
    text = SAMPLE_YAML.replace("format: onetrip-catalogue/1", "format: other/2").replace(
        "district: tq\n", "district: nowhere\n", 1
    )
    err = _bad(tmp_path, text)
    assert {e.code for e in err.errors} == {"bad_format", "unknown_district"}
    assert {e.line for e in err.errors} == {1, 2}


def test_command_prints_line_errors_and_fails(db, tmp_path, capsys):
    text = SAMPLE_YAML.replace("kind: instant", "kind: quick")
    path = write_catalogue(tmp_path / "cmd", text)
    with pytest.raises(CommandError):
        call_command("catalogue_import", str(path))
    err = capsys.readouterr().err
    assert re.search(rf"catalogue\.yaml:{_line_of(text, 'kind: quick')}: matters\[1\]\.kind: ", err)
    assert Matter.objects.count() == 0


def test_command_import_and_export(db, catalogue_file, tmp_path, capsys):
    call_command("catalogue_import", str(catalogue_file))
    assert "created 17" in capsys.readouterr().out
    out = tmp_path / "exp" / "c.yaml"
    call_command("catalogue_export", str(out), "--district", "tq")
    assert out.exists() and (out.parent / "files/results/tq-scjg-0001/yyzz.pdf").exists()


def test_cli_maps_catalogue_subcommand(db, catalogue_file, monkeypatch):
    """`onetrip catalogue import FILE` runs the catalogue_import command.

    (run_from_argv closes DB connections at the end, which would break the test transaction on
    PostgreSQL, so the argv is handed to call_command instead.)
    """
    import django.core.management as mgmt

    from onetrip.cli import main

    seen = []

    def fake_execute(argv):
        seen.append(argv)
        call_command(*argv[1:])

    monkeypatch.setattr(mgmt, "execute_from_command_line", fake_execute)
    main(["catalogue", "import", str(catalogue_file)])
    assert seen == [["onetrip", "catalogue_import", str(catalogue_file)]]
    assert Matter.objects.count() == 3


def test_demo_catalogue_imports_with_placeholder_files(db, tmp_path):
    """The sample district's YAML passes every rule (its PDFs are generated at load time)."""
    assert DEMO_YAML.exists(), DEMO_YAML  # shipped with the code: its absence is a failure
    shutil.copy(DEMO_YAML, tmp_path / "catalogue.yaml")
    for rel in set(
        re.findall(r"(?:result_sample|sample|blank_form): (\S+)", DEMO_YAML.read_text())
    ):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF placeholder " + rel.encode())
    report = catalogue_import(path=tmp_path / "catalogue.yaml")
    assert report.created["matters"] >= 60
    again = catalogue_import(path=tmp_path / "catalogue.yaml")
    assert not again.changed
