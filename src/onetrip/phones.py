"""The one phone-number rule: a mainland China mobile number, 11 digits starting 13–19.

Spaces and hyphens are ignored, and a ``+86`` / ``0086`` prefix is dropped; the clean form is
the bare 11 digits. People (registration, tickets, forms) and notices (SMS recipients) use it.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)  # ASCII: a full-width digit cannot be texted


def mobile_clean(value: str | None) -> str | None:
    """The bare 11 digits of a mobile number, or None when ``value`` is not one."""
    value = (value or "").strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value if MOBILE.match(value) else None


def _input_pattern() -> str:
    """``mobile_clean``'s rule as one regular expression over the raw input (the OpenAPI
    document's ``pattern``): white space trimmed at the ends (``str.strip``), spaces and hyphens
    anywhere, an optional ``+86`` / ``0086``, then the 11 digits."""
    ends = r"[\s\x1c-\x1f]*"
    sep = "[ -]*"
    prefix = rf"(?:\+{sep}8{sep}6{sep}|0{sep}0{sep}8{sep}6{sep})?"
    digits = rf"1{sep}[3-9](?:{sep}[0-9]){{9}}"  # [0-9]: \d takes any script's digits
    return rf"{ends}{sep}{prefix}{digits}{sep}{ends}"


#: A mobile number as ``mobile_clean`` accepts it, for API schemas (anchor it yourself).
MOBILE_INPUT = _input_pattern()
