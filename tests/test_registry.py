"""The one plugin-point registry: unique ids, duplicates raise, a check hook, order kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from onetrip.registry import DuplicateId, Registry


def test_ids_are_unique_and_order_is_kept():
    r: Registry[str] = Registry("things")
    r.add("a", "A")
    r.add("b", "B")
    r.add("z", "Z", first=True)
    assert list(r) == ["Z", "A", "B"] and r.ids() == ["z", "a", "b"]
    with pytest.raises(DuplicateId):
        r.add("a", "another A")
    r.add("a", "A")  # the very same entry again: harmless (a module imported twice)
    assert len(r) == 3 and r.get("a") == "A"
    with pytest.raises(LookupError):
        r.get("nope")
    r.remove("a")
    assert "a" not in r


def test_the_check_hook_refuses_a_bad_entry_at_registration():
    def callable_only(id, entry):
        if not callable(entry):
            raise ImproperlyConfigured(f"{id} is not callable")

    r: Registry = Registry("hooks", check=callable_only)

    @r.register("ok")
    def ok():
        return 1

    assert r.get("ok") is ok
    with pytest.raises(ImproperlyConfigured, match="bad is not callable"):
        r.add("bad", 42)
    assert r.ids() == ["ok"]
