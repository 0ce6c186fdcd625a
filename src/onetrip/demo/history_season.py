"""The simulator runs behind the demo history: the sites it simulates (the district centre,
every street centre and community station) under the layouts of each era, and the mapping of
simulated minutes to real days (``Season``). The writers (``history_tickets``,
``history_sim``) read it; it imports none of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from onetrip.catalogue.models import ServicePoint
from onetrip.simulation.layout import layout_load, layout_override
from onetrip.simulation.model import DAY, SimResult, simulate

SH = ZoneInfo("Asia/Shanghai")


def _at(day: dt.date, minutes_after_nine: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=SH) + dt.timedelta(
        minutes=minutes_after_nine
    )


WARMUP = 3


#: The sites the history simulates: the district centre, then every street service centre and
#: community station with the layouts of its level. Residents per street [assumed] (the six
#: streets of the 2017 district, about 350,000 people); a street layout's demand is for 60,000
#: residents and is scaled by them; a community station's is for its ~8,000.
LAYOUTS = {
    "district": ("before-reform", "after-reform"),
    "street": ("street-before-reform", "street-after-reform"),
    "community": ("community-before-reform", "community-after-reform"),
}
STREET_RESIDENTS = {
    "sc-hubin": 42_000,
    "sc-qingbo": 38_000,
    "sc-xiaoying": 62_000,
    "sc-ziyang": 64_000,
    "sc-wangjiang": 76_000,
    "sc-nanxing": 68_000,
}
LAYOUT_RESIDENTS = 60_000


@dataclass(frozen=True)
class Site:
    point: str  # service point code
    level: str  # district | street | community
    scale: float = 1.0  # demand factor on the layout's per_day


@dataclass
class Part:
    """One simulator run: a site under one layout over the working days of one era."""

    name: str  # the centre's: the layout's name; elsewhere "<point code>/<layout name>"
    site: Site
    era: str  # before | after
    result: SimResult
    days: list[dt.date]


def sites_of(district: ServicePoint) -> list[Site]:
    """The centre, the district's active streets and communities (in code order)."""
    from onetrip.catalogue.models import PointLevel

    out = [Site(point=district.code, level="district")]
    for level in (PointLevel.STREET, PointLevel.COMMUNITY):
        for code in (
            ServicePoint.objects.filter(district=district, level=level, is_active=True)
            .order_by("code")
            .values_list("code", flat=True)
        ):
            scale = STREET_RESIDENTS.get(code, LAYOUT_RESIDENTS) / LAYOUT_RESIDENTS
            out.append(Site(point=code, level=str(level), scale=scale if level == "street" else 1))
    return out


class Season:
    """The kept part of the simulator runs, with simulated times mapped to real days."""

    def __init__(
        self,
        *,
        before: list[dt.date],
        after: list[dt.date],
        seed: int,
        sample: int,
        sites: list[Site] | None = None,
    ):
        self.sample = max(1, sample)
        self.parts: list[Part] = []
        sites = sites or [Site(point="", level="district")]
        for i, site in enumerate(sites):
            for era, days, layout_name in (
                ("before", before, LAYOUTS[site.level][0]),
                ("after", after, LAYOUTS[site.level][1]),
            ):
                if not days:
                    continue
                layout = layout_load(layout_name)
                if site.scale != 1:
                    layout = layout_override(
                        layout, per_day={m.key: m.per_day * site.scale for m in layout.matters}
                    )
                s = seed + (0 if era == "before" else 1) + 10 * i
                result = simulate(layout, days=WARMUP + len(days), seed=s)
                name = layout_name if site.level == "district" else f"{site.point}/{layout_name}"
                self.parts.append(Part(name=name, site=site, era=era, result=result, days=days))

    def when(self, days: list[dt.date], t: float | None, *, anchor: float) -> dt.datetime | None:
        """A simulated time as an aware datetime, counted from the midnight of ``anchor``'s day
        (so the minutes between two times of one ticket stay exact)."""
        if t is None:
            return None
        index = int(anchor // DAY) - WARMUP
        if not 0 <= index < len(days):
            return None
        base = dt.datetime.combine(days[index], dt.time(0), tzinfo=SH)
        return base + dt.timedelta(minutes=t - (anchor // DAY) * DAY)

    def kept(self, journey: int) -> bool:
        return journey % self.sample == 0

    def tickets(self):
        for part in self.parts:
            for t in part.result.tickets:
                if self.kept(t.journey) and t.issued >= WARMUP * DAY:
                    yield part, t

    def cases(self):
        for part in self.parts:
            for c in part.result.cases:
                if self.kept(c.journey) and c.submitted >= WARMUP * DAY:
                    yield part, c
