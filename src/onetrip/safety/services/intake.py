"""Checks on a report before anything is written: the place (grid cell, address or coordinates
inside the district), the photos (real images within size limits) and the anonymous flood."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from onetrip.errors import ValidationFailed
from onetrip.safety.models import DistrictBounds, GridCell
from onetrip.throttles import throttle_key
from onetrip.uploads import Refusal, UploadLimits, checked_files

MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_LIMITS = UploadLimits(
    max_count=MAX_PHOTOS, max_bytes=MAX_PHOTO_BYTES, max_pixels=MAX_PHOTO_PIXELS
)


@dataclass
class Place:
    cell: GridCell
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass
class Photo:
    upload: Any
    content_type: str
    ext: str
    size: int
    width: int
    height: int
    sha256: str

    def columns(self) -> dict[str, Any]:
        """What an ``IncidentPhoto`` row stores of it beside the file itself."""
        return {f: getattr(self, f) for f in ("content_type", "size", "width", "height", "sha256")}


def as_id(value: Any) -> int | None:
    """A database id from form or JSON input, or None (never raises, never overflows)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _coordinate(value: Any, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("坐标格式不正确。"), code="bad_coordinates", fields={name: [_("应为数字")]}
        ) from None
    if not number.is_finite() or abs(number) > 360:
        raise ValidationFailed(_("坐标格式不正确。"), code="bad_coordinates")
    return number.quantize(Decimal("0.000001"))


def _nearest(cells: list[GridCell], lat: Decimal, lon: Decimal) -> GridCell:
    return min(
        cells,
        key=lambda c: (
            (float(c.latitude) - float(lat)) ** 2 + (float(c.longitude) - float(lon)) ** 2
        ),
    )


def resolve_place(
    *,
    district,
    cell_code: str | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
) -> Place:
    """The grid cell a report belongs to: the cell named, else the nearest cell to coordinates
    inside the district, else the cell whose roads the address names."""
    address = (address or "").strip()[:200]
    lat = _coordinate(latitude, "lat")
    lon = _coordinate(longitude, "long")
    if (lat is None) != (lon is None):
        raise ValidationFailed(
            _("经纬度需同时提供。"), code="bad_coordinates", fields={"lat": [_("缺少经度或纬度")]}
        )
    cells = list(GridCell.objects.filter(district=district).select_related("community"))
    if cell_code:
        for cell in cells:
            if cell.code == cell_code:
                return Place(cell, address, lat, lon)
        raise ValidationFailed(
            _("所选网格不在本区。"), code="unknown_cell", fields={"cell": [_("网格不存在")]}
        )
    if lat is not None and lon is not None:
        bounds = DistrictBounds.objects.filter(district=district).first()
        if bounds is None or not bounds.contains(float(lat), float(lon)) or not cells:
            raise ValidationFailed(
                _("坐标不在本区范围内，请确认位置或改填地址。"),
                code="outside_district",
                fields={"lat": [_("不在辖区内")]},
            )
        return Place(_nearest(cells, lat, lon), address, lat, lon)
    if address:
        for cell in cells:
            if any(road in address for road in cell.road_list()):
                return Place(cell, address, None, None)
        raise ValidationFailed(
            _("无法根据地址确定所属网格，请选择网格或使用定位。"),
            code="place_unknown",
            fields={"address": [_("地址不在本区网格内")]},
        )
    raise ValidationFailed(
        _("请选择网格、填写地址或使用定位。"),
        code="place_required",
        fields={"place": [_("必填")]},
    )


def _photo_refusal(why: Refusal) -> ValidationFailed:
    match why:
        case Refusal.TOO_MANY:
            return ValidationFailed(
                _("最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS},
                code="too_many_photos",
                fields={"photos": [_("照片过多")]},
            )
        case Refusal.TOO_LARGE:
            return ValidationFailed(
                _("照片过大：每张最大 %(mb)s MB。") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
                code="photo_too_large",
                fields={"photos": [_("照片过大")]},
                status=413,
            )
        case Refusal.EMPTY:
            return ValidationFailed(
                _("照片为空。"), code="photo_empty", fields={"photos": [_("空文件")]}
            )
        case Refusal.TOO_MANY_PIXELS:
            return ValidationFailed(_("照片分辨率过大。"), code="photo_too_large", status=413)
        case Refusal.WRONG_TYPE:
            return ValidationFailed(
                _("只接受 JPEG、PNG 格式的照片。"),
                code="photo_not_image",
                fields={"photos": [_("不是有效的图片")]},
                status=415,
            )
        case Refusal.REQUIRED:
            raise AssertionError("a report's photos are optional")


def check_photos(uploads: list[Any]) -> list[Photo]:
    """Every upload must be a real JPEG or PNG (decoded by Pillow, not trusted by name or content
    type), at most ``MAX_PHOTO_BYTES`` and ``MAX_PHOTO_PIXELS``; at most ``MAX_PHOTOS`` of them."""
    photos = []
    for f in checked_files(uploads=uploads, limits=PHOTO_LIMITS, refuse=_photo_refusal):
        width, height = f.dimensions or (0, 0)  # always decoded: PHOTO_LIMITS has max_pixels
        digest = hashlib.sha256(f.data).hexdigest()
        photos.append(Photo(f.upload, f.content_type, f.ext, f.size, width, height, digest))
    return photos


def check_flood(*, client_key: str) -> None:
    """Anonymous reports are rate-limited per client (scope ``safety_anon`` in
    ``ONETRIP_THROTTLE_RATES``: 429 with ``retry_after``, nothing written)."""
    throttle_key(
        scope="safety_anon",
        ident=client_key,
        message=_("匿名上报过于频繁，请 10 分钟后再试；紧急情况请拨打 110。"),
    )
