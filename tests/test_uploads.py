"""The one check of uploaded files (``onetrip.uploads.checked_files``): count, size, type by the
first bytes, pixels when decoded; each refusal is the caller's own error."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onetrip.uploads import (
    IMAGES,
    CheckedFile,
    Refusal,
    UploadLimits,
    checked_files,
    sniff,
)

PDF = b"%PDF-1.7\n" + b"0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


class Refused(Exception):
    def __init__(self, why: Refusal) -> None:
        super().__init__(why.value)
        self.why = why


def refuse(why: Refusal) -> Exception:
    return Refused(why)


def image(size=(8, 8), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def upload(data: bytes, name="x.bin", content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type)


class Unsized(io.BytesIO):
    """A file object with no declared size that counts what is read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.most = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.most = max(self.most, len(chunk))
        return chunk


SCANS = UploadLimits(max_count=1, max_bytes=100, types=IMAGES | {"application/pdf"}, required=True)
PHOTOS = UploadLimits(max_count=2, max_bytes=10_000, max_pixels=400)


def why(uploads, limits) -> Refusal:
    with pytest.raises(Refused) as exc:
        checked_files(uploads=uploads, limits=limits, refuse=refuse)
    return exc.value.why


def test_good_files_by_their_first_bytes_not_their_names():
    (scan,) = checked_files(
        uploads=[upload(PDF, "../../etc/passwd.exe", "text/plain")], limits=SCANS, refuse=refuse
    )
    assert isinstance(scan, CheckedFile)
    assert (scan.content_type, scan.ext, scan.size, scan.data) == (
        "application/pdf",
        ".pdf",
        len(PDF),
        PDF,
    )
    assert scan.dimensions is None and scan.upload.read() == PDF  # rewound for storage
    jpg, png = checked_files(
        uploads=[upload(JPEG), None, upload(PNG)],
        limits=UploadLimits(max_count=2, max_bytes=100),
        refuse=refuse,
    )
    assert (jpg.content_type, jpg.ext, png.content_type, png.ext) == (
        "image/jpeg",
        ".jpg",
        "image/png",
        ".png",
    )


def test_decoded_photos_carry_their_dimensions():
    jpg, png = checked_files(
        uploads=[upload(image((20, 10), "JPEG")), upload(image((10, 20)))],
        limits=PHOTOS,
        refuse=refuse,
    )
    assert (jpg.content_type, jpg.dimensions) == ("image/jpeg", (20, 10))
    assert (png.content_type, png.ext, png.dimensions) == ("image/png", ".png", (10, 20))


def test_none_at_all():
    assert why([], SCANS) is Refusal.REQUIRED
    assert why([None], SCANS) is Refusal.REQUIRED
    assert checked_files(uploads=[None], limits=PHOTOS, refuse=refuse) == []


def test_over_count():
    assert why([upload(PNG)] * 3, PHOTOS) is Refusal.TOO_MANY
    assert why([upload(PDF), upload(PDF)], SCANS) is Refusal.TOO_MANY


def test_over_size_declared_or_read():
    assert why([upload(PDF + b"0" * 100)], SCANS) is Refusal.TOO_LARGE
    exactly = PDF + b"0" * (100 - len(PDF))
    assert checked_files(uploads=[upload(exactly)], limits=SCANS, refuse=refuse)[0].size == 100
    # no declared size: refused on what is read, and no more than the limit + 1 bytes are read
    big = Unsized(PDF + b"0" * 10_000)
    assert why([big], SCANS) is Refusal.TOO_LARGE
    assert big.most == 101


def test_empty():
    assert why([upload(b"")], SCANS) is Refusal.EMPTY
    assert why([Unsized(b"")], PHOTOS) is Refusal.EMPTY


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00 not a pdf", b"GIF89a" + b"\0" * 8, b"%PD", b"\xff\xd8"],
    ids=["exe", "gif", "short pdf", "short jpeg"],
)
def test_wrong_type(data):
    assert why([upload(data)], SCANS) is Refusal.WRONG_TYPE


def test_only_the_allowed_types():
    assert why([upload(PDF)], UploadLimits(max_count=1, max_bytes=100)) is Refusal.WRONG_TYPE
    assert sniff(PDF, types=IMAGES) is None
    assert sniff(PDF, types=frozenset({"application/pdf"})).ext == ".pdf"


@pytest.mark.parametrize(
    "data",
    [PNG, image((16, 16))[:50], b"this is not an image at all", image(fmt="GIF")],
    ids=["png magic only", "truncated png", "text", "gif"],
)
def test_decoded_photos_must_be_real_jpeg_or_png(data):
    assert why([upload(data)], PHOTOS) is Refusal.WRONG_TYPE


def png_claiming(width: int, height: int) -> bytes:
    """A 1 x 1 PNG whose header claims ``width`` x ``height`` pixels (a few dozen bytes)."""
    data = bytearray(image((1, 1)))
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def test_pixel_bomb():
    """Pixels are told from the header, before the image is verified (whatever its format)."""
    assert why([upload(image((21, 20)))], PHOTOS) is Refusal.TOO_MANY_PIXELS
    assert why([upload(image((21, 20), "GIF"))], PHOTOS) is Refusal.TOO_MANY_PIXELS
    assert checked_files(uploads=[upload(image((20, 20)))], limits=PHOTOS, refuse=refuse)
    assert why([upload(png_claiming(5_000, 5_000))], PHOTOS) is Refusal.TOO_MANY_PIXELS
    # over twice Pillow's own MAX_IMAGE_PIXELS Pillow refuses to open it: still too many pixels
    assert why([upload(png_claiming(100_000, 100_000))], PHOTOS) is Refusal.TOO_MANY_PIXELS
    # without a pixel limit, the first bytes alone decide
    magic_only = UploadLimits(max_count=1, max_bytes=100)
    bomb = png_claiming(100_000, 100_000)
    assert checked_files(uploads=[upload(bomb)], limits=magic_only, refuse=refuse)[0].ext == ".png"


def test_first_refusal_is_the_callers_error():
    class Mine(ValueError):
        pass

    with pytest.raises(Mine):
        checked_files(uploads=[upload(b"")], limits=SCANS, refuse=lambda why: Mine(why.value))
