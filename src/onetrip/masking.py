"""Masking of personal data for lists, logs and public pages."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    """``330102199001011234`` -> ``330102********1234`` (keeps region and last four)."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``."""
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """``张三丰`` -> ``张**``; keeps the family name only."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str | None) -> str:
    """Keeps the first six characters (district and street), hides the rest."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


#: A resident ID number inside free text (18 characters, or the old 15 digits), not part of a
#: longer run of digits (a credit code or a phone number stays as it is).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_id_numbers_in(text: str | None) -> str:
    """Mask every resident ID number found in ``text`` (e.g. a shared document's number quoted
    in a material's source: ``公安局 居民身份证 330102********1234``)."""
    if not text:
        return ""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), str(text))
