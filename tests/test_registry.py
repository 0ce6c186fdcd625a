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


def test_an_equal_entry_again_is_harmless():
    r: Registry[tuple[str, int]] = Registry("pairs")
    r.add("a", ("x", 1))
    assert r.add("a", ("x", 1)) == ("x", 1) and len(r) == 1
    assert r.find("a") == ("x", 1) and r.find("b") is None
    assert r.items() == [("a", ("x", 1))]


def test_every_plugin_point_is_one_registry_whose_ids_are_unique():
    """Senders, notice texts, shared-data sources, demo extensions and material resolvers: one
    policy. A second, different entry under a taken id fails loudly, and the check hooks refuse
    malformed entries."""
    from onetrip.catalogue.resolvers import MATERIAL_RESOLVERS
    from onetrip.demo.registry import DEMO_EXTENSIONS, demo_extension
    from onetrip.notices import senders, texts
    from onetrip.sharing.sources import SOURCES, LocalTableSource, register_source

    for registry in (senders.SENDERS, texts.TEMPLATES, SOURCES, DEMO_EXTENSIONS):
        assert isinstance(registry, Registry)
    assert isinstance(MATERIAL_RESOLVERS, Registry)
    with pytest.raises(DuplicateId):
        senders.register("console")(lambda notice: "x")
    with pytest.raises(DuplicateId):
        texts.define("case_accepted", "t", "another text")
    with pytest.raises(ImproperlyConfigured, match="notice template 'broken'"):
        texts.define("broken", "t", "an unclosed {placeholder")
    with pytest.raises(DuplicateId):
        register_source(LocalTableSource(name="local", kinds=["x"]))
    with pytest.raises(ImproperlyConfigured, match="needs lookup"):
        SOURCES.add("nolookup", type("S", (), {"name": "nolookup", "provides": len})())

    def probe(**kw):
        return None

    demo_extension(probe, name="zz-probe")
    try:
        demo_extension(probe, name="zz-probe")  # the same function again: harmless
        with pytest.raises(DuplicateId):
            demo_extension(lambda **kw: None, name="zz-probe")
    finally:
        DEMO_EXTENSIONS.remove("zz-probe")
    with pytest.raises(ImproperlyConfigured, match="needs a send"):
        senders.SENDERS.add("mute", object())
    assert "broken" not in texts.TEMPLATES and "mute" not in senders.SENDERS
