"""QR codes (tracking links on tickets, receipts and windows) as inline SVG."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(data: str, *, box_size: int = 10) -> str:
    """An SVG document encoding ``data``; embed with ``|safe`` or serve as image/svg+xml."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size)
    return image.to_string(encoding="unicode")
