"""Sample and blank-form PDFs for the sample catalogue, rendered at load time (not committed).

``catalogue_files_build(dest=...)`` copies catalogue.yaml into ``dest`` and writes every file the
YAML refers to (result samples, material samples, blank forms) beside it, laid out as the YAML
expects, so ``catalogue_import(path=dest / "catalogue.yaml")`` can read them.

Rendering goes through ``onetrip.documents.render_pdf`` (WeasyPrint) with the template
``demo/sheet.html``. WeasyPrint takes ~0.1–0.2 s a page, so identical sheets render once, finished
PDFs are cached in ``<ONETRIP_VAR>/demo-cache/`` keyed by a hash of their context, and a cold cache
is filled by a small (spawned) process pool. WeasyPrint output is deterministic, so the catalogue's
content-addressed file storage sees the same bytes on every load (the import stays idempotent).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_YAML = DATA_DIR / "catalogue.yaml"
TEMPLATE = "demo/sheet.html"
#: bump when the sheet template changes, so cached PDFs are re-rendered
SHEET_VERSION = 1

RESULT_TYPE_LABELS = {
    "licence": "证照",
    "approval": "批准文书",
    "filing": "备案回执",
    "certificate": "证明",
    "card": "卡证",
    "other": "其他结果",
}
PERSON = "陈晓雯"
COMPANY = "杭州湖滨数字科技有限公司"


def load_catalogue_data(path: Path = CATALOGUE_YAML) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _holder(audience: str) -> str:
    return PERSON if audience == "individual" else COMPANY


def _result_context(matter: dict, department: str, district: str) -> dict[str, Any]:
    holder = _holder(matter["audience"])
    id_label = "公民身份号码" if matter["audience"] == "individual" else "统一社会信用代码"
    id_value = "330102********0026" if matter["audience"] == "individual" else "91330102MA2******X"
    return {
        "sheet": "result",
        "title": matter.get("result_name") or matter["name"],
        "subtitle": RESULT_TYPE_LABELS.get(matter["result_type"], matter["result_type"]),
        "department": department,
        "district": district,
        "holder": holder,
        "rows": [
            ("编号", "SC-样本-000001"),
            ("名称/姓名", holder),
            (id_label, id_value),
            ("发证（出具）机关", department),
            ("日期", "2026年1月5日"),
        ],
        "notes": ["样本中的号码已按个人信息保护要求遮蔽。"],
    }


def _form_rows(audience: str) -> list[tuple[str, str]]:
    if audience == "individual":
        return [
            ("申请人姓名", PERSON),
            ("公民身份号码", "330102********0026"),
            ("联系电话", "138****0001"),
            ("住址", "杭州市上城区东坡路 1 号"),
            ("申请事项及内容", "（按实际情况填写，可参照本样本）"),
            ("材料清单", "见办事指南；政府已有材料无需提交"),
        ]
    return [
        ("申请单位名称", COMPANY),
        ("统一社会信用代码", "91330102MA2XXXXXXX"),
        ("法定代表人（负责人）", PERSON),
        ("联系电话", "0571-8700 0001"),
        ("住所（经营场所）", "杭州市上城区解放路 100 号"),
        ("申请事项及内容", "（按实际情况填写，可参照本样本）"),
        ("经办人及联系方式", "王示例 138****0002"),
    ]


def _material_context(
    material: dict, sheet: str, audience: str, department: str, district: str
) -> dict[str, Any]:
    # No matter-specific text (notes, department), so a form shared by several matters renders once.
    notes = ["填写说明：请用黑色签字笔或钢笔填写，字迹清楚；不涉及的栏目填“无”。"]
    return {
        "sheet": sheet,
        "title": material["name"],
        "subtitle": "",
        "department": "",
        "district": district,
        "holder": _holder(audience),
        "rows": _form_rows(audience),
        "notes": notes,
    }


def planned_files(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Map each file path the YAML names to the template context that renders it."""
    departments = {d["code"]: d["name"] for d in data.get("departments", [])}
    district_name = next(
        (p["name"] for p in data.get("points", []) if p.get("code") == data.get("district")),
        data.get("district", ""),
    )
    out: dict[str, dict[str, Any]] = {}
    for m in data.get("matters", []):
        dept = departments.get(m["department"], m["department"])
        if m.get("result_sample"):
            out[m["result_sample"]] = _result_context(m, dept, district_name)
        for mat in m.get("materials", []):
            for key, sheet in (("sample", "sample"), ("blank_form", "blank")):
                if mat.get(key):
                    out[mat[key]] = _material_context(
                        mat, sheet, m["audience"], dept, district_name
                    )
    return out


def _key(context: dict[str, Any]) -> str:
    blob = json.dumps([SHEET_VERSION, TEMPLATE, context], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _render(context: dict[str, Any]) -> bytes:
    import logging

    from onetrip.documents import render_pdf

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return render_pdf(template=TEMPLATE, context=context)


def _worker_init() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    import django

    django.setup()


def cache_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path("var"))) / "demo-cache"


def render_missing(contexts: dict[str, dict[str, Any]], *, workers: int | None = None) -> int:
    """Render into the cache every distinct sheet not there yet; return how many were rendered."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    todo: dict[str, dict[str, Any]] = {}
    for ctx in contexts.values():
        key = _key(ctx)
        if key not in todo and not (cache / f"{key}.pdf").exists():
            todo[key] = ctx
    if not todo:
        return 0
    keys = list(todo)
    workers = workers or min(len(keys), os.cpu_count() or 1, 4)
    if workers > 1 and len(keys) > 8:
        # spawn, not fork: forking a process that may hold threads (servers, test browsers)
        # and open database connections is unsafe; the children only render templates.
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init
        ) as pool:
            pdfs = list(pool.map(_render, [todo[k] for k in keys], chunksize=4))
    else:
        pdfs = [_render(todo[k]) for k in keys]
    for key, pdf in zip(keys, pdfs, strict=True):
        tmp = cache / f"{key}.pdf.tmp{os.getpid()}"
        tmp.write_bytes(pdf)
        tmp.replace(cache / f"{key}.pdf")
    return len(keys)


def catalogue_files_build(*, dest: Path, source: Path = CATALOGUE_YAML) -> dict[str, int]:
    """Copy the catalogue YAML into ``dest`` and write every file it names beside it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    data = load_catalogue_data(source)
    contexts = planned_files(data)
    rendered = render_missing(contexts)
    cache = cache_dir()
    for rel, ctx in contexts.items():
        target = (dest / rel).resolve()
        if dest.resolve() not in target.parents:
            raise ValueError(f"file path escapes the catalogue folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache / f"{_key(ctx)}.pdf", target)
    shutil.copyfile(source, dest / "catalogue.yaml")
    return {"files": len(contexts), "rendered": rendered}
