"""The one phone-number rule: a mainland China mobile number, 11 digits starting 13–19.

Spaces and hyphens are ignored, and a ``+86`` / ``0086`` prefix is dropped; the clean form is
the bare 11 digits. People (registration, tickets, forms) and notices (SMS recipients) use it.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mobile_clean(value: str | None) -> str | None:
    """The bare 11 digits of a mobile number, or None when ``value`` is not one."""
    value = (value or "").strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value if MOBILE.match(value) else None
