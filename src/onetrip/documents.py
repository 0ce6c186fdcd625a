"""Printable documents (one-time notices, receipts, result notices) as PDF through WeasyPrint.

Templates extend ``onetrip/print_base.html``, which sets ``lang="zh-CN"`` and the
Noto Sans CJK SC face so WeasyPrint does not fall back to the Japanese glyphs.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(*, template: str, context: dict[str, Any], request: Any = None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(*, pdf: bytes, filename: str, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
