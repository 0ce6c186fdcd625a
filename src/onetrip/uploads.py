"""Checks on uploaded files before anything is stored: how many, how large, what they really are
(by their first bytes, never the client's name or content type) and, for photos, how many pixels.

One rule for every app that takes uploads (a case's scans, a safety report's photos, the photos of
originals taken at the door, an agency's authorisation letters); each app keeps its own limits and its own wording: it passes a
``refuse`` function that turns a ``Refusal`` into the error it raises.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Upload(Protocol):
    """What is read of an uploaded file (Django's ``UploadedFile`` is one)."""

    def seek(self, offset: int, /) -> object: ...

    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Kind:
    """A file type told by its first bytes; ``pillow``: Pillow's format name for images."""

    content_type: str
    ext: str
    magic: bytes
    pillow: str | None = None


PDF = Kind("application/pdf", ".pdf", b"%PDF-")
JPEG = Kind("image/jpeg", ".jpg", b"\xff\xd8\xff", "JPEG")
PNG = Kind("image/png", ".png", b"\x89PNG\r\n\x1a\n", "PNG")
KINDS = (PDF, JPEG, PNG)
IMAGES = frozenset({JPEG.content_type, PNG.content_type})
PDF_OR_IMAGE = frozenset(k.content_type for k in KINDS)  # scans, letters


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """One app's limits: at most ``max_count`` files (at least one when ``required``), each at
    most ``max_bytes``, of the ``types`` (content types of ``KINDS``). With ``max_pixels``, Pillow
    decodes every file but a PDF and tells its type instead of its first bytes: at most that many
    pixels (read from the header), then verified."""

    max_count: int
    max_bytes: int
    types: frozenset[str] = IMAGES
    max_pixels: int | None = None
    required: bool = False


class Refusal(enum.Enum):
    """Why uploads are refused, in the order they are checked."""

    REQUIRED = "required"  # no file, and one is required
    TOO_MANY = "too_many"  # more than max_count files
    TOO_LARGE = "too_large"  # a file over max_bytes
    EMPTY = "empty"  # a file of no bytes
    TOO_MANY_PIXELS = "too_many_pixels"  # an image over max_pixels (read before it is verified)
    WRONG_TYPE = "wrong_type"  # not one of the types, or an image Pillow cannot decode


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """An accepted file: the upload itself (rewound, for storage that streams it), its bytes, the
    sniffed type and extension (".jpg") and, when decoded, its width and height."""

    upload: Upload
    data: bytes
    content_type: str
    ext: str
    dimensions: tuple[int, int] | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(head: bytes, *, types: frozenset[str]) -> Kind | None:
    """The kind of the ``types`` whose magic bytes ``head`` starts with, or None."""
    return next((k for k in KINDS if k.content_type in types and head.startswith(k.magic)), None)


class _TooManyPixels(Exception):
    pass


def _decoded(data: bytes, *, max_pixels: int) -> tuple[str | None, tuple[int, int]]:
    """Pillow's format name of an image (None when Pillow cannot decode and verify it) and its
    width and height. Over ``max_pixels``: ``_TooManyPixels``, told from the header before the
    image is verified."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if width * height > max_pixels:
                raise _TooManyPixels
            img.verify()
    except Image.DecompressionBombError:  # Pillow's own limit, far over any app's: too many
        raise _TooManyPixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None, (0, 0)
    return fmt, (width, height)


def checked_files(
    *,
    uploads: Sequence[Upload | None],
    limits: UploadLimits,
    refuse: Callable[[Refusal], Exception],
) -> list[CheckedFile]:
    """The uploads (None entries skipped) when all of them may be stored, else ``refuse(why)``
    raised for the first reason found. At most ``max_bytes + 1`` bytes are read of each file;
    its size is what was read, after a declared ``size`` over the limit is refused unread."""
    files = [u for u in uploads if u is not None]
    if limits.required and not files:
        raise refuse(Refusal.REQUIRED)
    if len(files) > limits.max_count:
        raise refuse(Refusal.TOO_MANY)
    checked = []
    for upload in files:
        if (getattr(upload, "size", None) or 0) > limits.max_bytes:
            raise refuse(Refusal.TOO_LARGE)
        upload.seek(0)
        data = upload.read(limits.max_bytes + 1)
        upload.seek(0)
        if len(data) > limits.max_bytes:
            raise refuse(Refusal.TOO_LARGE)
        if not data:
            raise refuse(Refusal.EMPTY)
        kind = sniff(data, types=limits.types)
        dimensions = None
        if limits.max_pixels is not None and (kind is None or kind.pillow):
            # Pillow tells what an image is (whatever format it opens; its pixels first)
            try:
                fmt, dimensions = _decoded(data, max_pixels=limits.max_pixels)
            except _TooManyPixels:
                raise refuse(Refusal.TOO_MANY_PIXELS) from None
            kind = next(
                (k for k in KINDS if k.pillow == fmt and k.content_type in limits.types), None
            )
        if kind is None:
            raise refuse(Refusal.WRONG_TYPE)
        checked.append(CheckedFile(upload, data, kind.content_type, kind.ext, dimensions))
    return checked
