"""A hall layout: everything the simulator needs to know about a service hall, as plain data.

Layouts are YAML files (``layouts/*.yaml`` ship with the platform; ``--layout`` also takes any
path). ``layout_load`` reads one, checks every key and value, and returns a frozen ``Layout``;
``layout_override`` returns a copy with some parameters changed (the manager's page). A bad file
raises ``ValidationFailed`` naming the key, so nothing is simulated from a half-read layout.

Times of day are minutes after midnight; durations are minutes; rates are per working day.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.errors import NotFound, ValidationFailed

LAYOUT_DIR = Path(__file__).resolve().parent / "layouts"
QUEUE_KINDS = ("self", "agent", "priority")


@dataclass(frozen=True)
class QueueSpec:
    code: str
    name: str
    kind: str  # self | agent | priority (green channel)


@dataclass(frozen=True)
class MatterSpec:
    key: str
    name: str
    queue: str  # the ticket queue of its walk-in applicants
    per_day: float  # applicants with a new application per average working day
    service_minutes: float  # mean time at the window for one application
    company: bool = False
    online_share: float = 0.0  # apply online from home: no hall visit, no ticket
    online_capable: float = 0.0  # of those in the hall, share window zero can route to self-service
    green_share: float = 0.0  # share entitled to the green channel (seniors, disabled, soldiers)
    catalogue: tuple[str, ...] = ()  # catalogue matter codes it stands for (demo history)


@dataclass(frozen=True)
class WindowGroup:
    name: str
    count: int
    serves: tuple[str, ...] = ()  # queue codes in the order a window calls them
    precheck: bool = False  # window zero: guides pre-check materials before the queue
    minutes: float = 0.0  # mean guide time per applicant (pre-checking windows only)
    matters: tuple[str, ...] = ()  # pre-checking windows: the matters they check (empty: all)


@dataclass(frozen=True)
class Arrivals:
    open: int  # first ticket, minutes after midnight
    cutoff: int  # last ticket; windows then serve everyone holding one
    by_hour: tuple[float, ...]  # relative arrival intensity per hour from ``open``
    by_weekday: tuple[float, ...]  # Monday … Friday factors on ``per_day``
    appointment_share: float = 0.0  # of first visits: booked a slot (served before walk-ins)


@dataclass(frozen=True)
class Agents:
    batches_per_day: float  # agent visits per working day
    companies: tuple[int, int]  # companies per batch, uniform between the two
    matter: str  # the matter they file
    queue: str  # the queue they take a ticket in
    minutes_per_company: float  # window time per company of a batch
    complete: float  # share of an agent's files complete at the first submission


@dataclass(frozen=True)
class Materials:
    complete_without_guidance: float  # first submissions complete, nobody checked before
    complete_with_precheck: float  # first submissions complete after window zero's check
    complete_on_return: float  # a refused applicant's next submission
    refuse_share: float  # incomplete submissions refused at intake (rest: supplement request)
    qr_followup: bool  # supplements answered by scanning the window's QR code, no visit
    one_go_with_qr: float  # supplements complete at the first answer, with QR follow-up
    one_go_without_qr: float  # … answered by a return visit
    supplement_minutes: float  # window time of a supplement visit
    return_days: int  # a return visit falls 1 … this many working days later


@dataclass(frozen=True)
class WalkOut:
    patience_minutes: float  # mean patience (gamma, shape 2) before leaving the queue
    return_share: float  # walk-outs who come back another day


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    description: str
    queues: tuple[QueueSpec, ...]
    matters: tuple[MatterSpec, ...]
    windows: tuple[WindowGroup, ...]
    arrivals: Arrivals
    agents: Agents | None
    materials: Materials
    walk_out: WalkOut
    sources: tuple[str, ...] = field(default=())
    headline_matter: str = ""  # the matter whose wait the source reports (商事登记)
    source_figures: tuple[tuple[str, str], ...] = ()  # (figure key, what the source reports)

    # -- derived ------------------------------------------------------------------------

    def queue(self, code: str) -> QueueSpec:
        return next(q for q in self.queues if q.code == code)

    def matter(self, key: str) -> MatterSpec:
        return next(m for m in self.matters if m.key == key)

    @property
    def accepting(self) -> tuple[WindowGroup, ...]:
        return tuple(w for w in self.windows if not w.precheck)

    @property
    def window_count(self) -> int:
        return sum(w.count for w in self.accepting)

    @property
    def self_service_share(self) -> float | None:
        """Of the accepting windows that take the headline matter (its queue or the agents'),
        the share reserved for applicants filing themselves (自办专窗): no agent is called there."""
        headline = self.matter(self.headline_matter).queue
        agent_queues = {q.code for q in self.queues if q.kind == "agent"}
        if self.agents is not None:
            agent_queues.add(self.agents.queue)
        groups = [
            w for w in self.accepting if w.count and ({headline} | agent_queues) & set(w.serves)
        ]
        total = sum(w.count for w in groups)
        if not total:
            return None
        return sum(w.count for w in groups if not agent_queues & set(w.serves)) / total

    @property
    def has_window_zero(self) -> bool:
        return any(w.precheck and w.count for w in self.windows)

    def prechecks(self, matter: str) -> bool:
        """Whether window zero sees applicants for ``matter``."""
        return any(
            w.precheck and w.count and (not w.matters or matter in w.matters) for w in self.windows
        )

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- reading -------------------------------------------------------------------------------


def _fail(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        _("布局参数“%(key)s”有误：%(message)s") % {"key": key, "message": message},
        code="invalid_layout",
        fields={key: [message]},
    )


def _take(data: Any, key: str, cls: type, *, path: str, required: bool = True, default=None):
    if not isinstance(data, dict):
        raise _fail(path, _("应为键值表"))
    if key not in data:
        if required:
            raise _fail(f"{path}.{key}".lstrip("."), _("缺少此项"))
        return default
    value = data[key]
    where = f"{path}.{key}".lstrip(".")
    if cls is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(where, _("应为数字"))
        value = float(value)
        if value < 0:
            raise _fail(where, _("不能为负数"))
    elif cls is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(where, _("应为非负整数"))
    elif cls in _PLAIN and not isinstance(value, cls):
        raise _fail(where, str(_PLAIN[cls]))
    return value


#: The plain types a layout value may be, with what the refusal says.
_PLAIN: dict[type, Any] = {
    bool: gettext_lazy("应为 true 或 false"),
    str: gettext_lazy("应为文字"),
    list: gettext_lazy("应为列表"),
    dict: gettext_lazy("应为键值表"),
}


def _share(data: Any, key: str, *, path: str, default: float | None = None) -> float:
    value = _take(data, key, float, path=path, required=default is None, default=default)
    if value > 1:
        raise _fail(f"{path}.{key}", _("应在0到1之间"))
    return float(value)


def _clock(value: Any, where: str) -> int:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            h, m = int(value[:2]), int(value[3:])
        except ValueError:
            h = m = -1
        if 0 <= h < 24 and 0 <= m < 60:
            return h * 60 + m
    raise _fail(where, _("应为 HH:MM 格式的时刻"))


def _unknown(data: Any, allowed: set[str], path: str) -> None:
    if not isinstance(data, dict):
        raise _fail(path or "layout", _("应为键值表"))
    extra = sorted(set(data) - allowed)
    if extra:
        raise _fail(f"{path}.{extra[0]}".lstrip("."), _("未知参数"))


def layout_from_dict(data: Any) -> Layout:
    """Check and convert a parsed layout file (see the shipped layouts for every key)."""
    if not isinstance(data, dict):
        raise _fail("layout", _("应为键值表"))
    _unknown(
        data,
        {
            "name",
            "title",
            "description",
            "sources",
            "queues",
            "matters",
            "windows",
            "arrivals",
            "agents",
            "materials",
            "walk_out",
            "headline_matter",
            "source_figures",
        },
        "",
    )
    queues = []
    for code, q in (_take(data, "queues", dict, path="") or {}).items():
        _unknown(q, {"name", "kind"}, f"queues.{code}")
        kind = _take(q, "kind", str, path=f"queues.{code}")
        if kind not in QUEUE_KINDS:
            raise _fail(f"queues.{code}.kind", _("应为 self、agent 或 priority"))
        name = _take(q, "name", str, path=f"queues.{code}")
        queues.append(QueueSpec(code=str(code), name=name, kind=kind))
    codes = {q.code for q in queues}
    if not codes:
        raise _fail("queues", _("至少需要一个队列"))

    def queue_code(value: Any, where: str) -> str:
        if str(value) not in codes:
            raise _fail(where, _("没有这个队列"))
        return str(value)

    matters = []
    for key, m in (_take(data, "matters", dict, path="") or {}).items():
        p = f"matters.{key}"
        _unknown(m, {f.name for f in dataclasses.fields(MatterSpec)} - {"key"}, p)
        matters.append(
            MatterSpec(
                key=str(key),
                name=_take(m, "name", str, path=p),
                queue=queue_code(_take(m, "queue", str, path=p), f"{p}.queue"),
                per_day=_take(m, "per_day", float, path=p),
                service_minutes=_take(m, "service_minutes", float, path=p),
                company=_take(m, "company", bool, path=p, required=False, default=False),
                online_share=_share(m, "online_share", path=p, default=0.0),
                online_capable=_share(m, "online_capable", path=p, default=0.0),
                green_share=_share(m, "green_share", path=p, default=0.0),
                catalogue=tuple(
                    str(c) for c in _take(m, "catalogue", list, path=p, required=False) or ()
                ),
            )
        )
    if not matters:
        raise _fail("matters", _("至少需要一个事项"))
    keys = {m.key for m in matters}

    windows = []
    for i, w in enumerate(_take(data, "windows", list, path="")):
        p = f"windows.{i}"
        _unknown(w, {"name", "count", "serves", "precheck", "minutes", "matters"}, p)
        for_matters = tuple(str(k) for k in _take(w, "matters", list, path=p, required=False) or ())
        if set(for_matters) - keys:
            raise _fail(f"{p}.matters", _("没有这个事项"))
        precheck = _take(w, "precheck", bool, path=p, required=False, default=False)
        serves = tuple(
            queue_code(c, f"{p}.serves")
            for c in (_take(w, "serves", list, path=p, required=not precheck) or ())
        )
        if not precheck and not serves:
            raise _fail(f"{p}.serves", _("受理窗口至少服务一个队列"))
        windows.append(
            WindowGroup(
                name=_take(w, "name", str, path=p),
                count=_take(w, "count", int, path=p),
                serves=serves,
                precheck=precheck,
                minutes=_take(w, "minutes", float, path=p, required=precheck, default=0.0),
                matters=for_matters,
            )
        )
    served = {c for w in windows if w.count for c in w.serves}

    a = _take(data, "arrivals", dict, path="")
    _unknown(a, {"open", "cutoff", "by_hour", "by_weekday", "appointment_share"}, "arrivals")
    by_hour = tuple(float(x) for x in _take(a, "by_hour", list, path="arrivals"))
    by_weekday = tuple(float(x) for x in _take(a, "by_weekday", list, path="arrivals"))
    arrivals = Arrivals(
        open=_clock(_take(a, "open", str, path="arrivals"), "arrivals.open"),
        cutoff=_clock(_take(a, "cutoff", str, path="arrivals"), "arrivals.cutoff"),
        by_hour=by_hour,
        by_weekday=by_weekday,
        appointment_share=_share(a, "appointment_share", path="arrivals", default=0.0),
    )
    if arrivals.cutoff <= arrivals.open:
        raise _fail("arrivals.cutoff", _("应晚于开始取号时刻"))
    if not by_hour or min(by_hour) < 0 or sum(by_hour) <= 0:
        raise _fail("arrivals.by_hour", _("应为非负数，且不全为零"))
    if len(by_weekday) != 5 or min(by_weekday) < 0:
        raise _fail("arrivals.by_weekday", _("应为周一至周五的5个非负系数"))

    agents = None
    if data.get("agents") is not None:
        g = data["agents"]
        _unknown(g, {f.name for f in dataclasses.fields(Agents)}, "agents")
        low_high = _take(g, "companies", list, path="agents")
        if (
            len(low_high) != 2
            or not all(isinstance(x, int) and x >= 1 for x in low_high)
            or low_high[0] > low_high[1]
        ):
            raise _fail("agents.companies", _("应为 [最少, 最多] 两个正整数"))
        matter = str(_take(g, "matter", str, path="agents"))
        if matter not in keys:
            raise _fail("agents.matter", _("没有这个事项"))
        agents = Agents(
            batches_per_day=_take(g, "batches_per_day", float, path="agents"),
            companies=(low_high[0], low_high[1]),
            matter=matter,
            queue=queue_code(_take(g, "queue", str, path="agents"), "agents.queue"),
            minutes_per_company=_take(g, "minutes_per_company", float, path="agents"),
            complete=_share(g, "complete", path="agents"),
        )

    mt = _take(data, "materials", dict, path="")
    _unknown(mt, {f.name for f in dataclasses.fields(Materials)}, "materials")
    materials = Materials(
        complete_without_guidance=_share(mt, "complete_without_guidance", path="materials"),
        complete_with_precheck=_share(mt, "complete_with_precheck", path="materials"),
        complete_on_return=_share(mt, "complete_on_return", path="materials"),
        refuse_share=_share(mt, "refuse_share", path="materials"),
        qr_followup=_take(mt, "qr_followup", bool, path="materials"),
        one_go_with_qr=_share(mt, "one_go_with_qr", path="materials"),
        one_go_without_qr=_share(mt, "one_go_without_qr", path="materials"),
        supplement_minutes=_take(mt, "supplement_minutes", float, path="materials"),
        return_days=max(1, _take(mt, "return_days", int, path="materials")),
    )
    wo = _take(data, "walk_out", dict, path="")
    _unknown(wo, {"patience_minutes", "return_share"}, "walk_out")
    walk_out = WalkOut(
        patience_minutes=_take(wo, "patience_minutes", float, path="walk_out"),
        return_share=_share(wo, "return_share", path="walk_out"),
    )
    headline = str(data.get("headline_matter") or matters[0].key)
    if headline not in keys:
        raise _fail("headline_matter", _("没有这个事项"))
    reported = data.get("source_figures") or {}
    if not isinstance(reported, dict):
        raise _fail("source_figures", _("应为键值表"))
    layout = Layout(
        headline_matter=headline,
        source_figures=tuple((str(k), str(v)) for k, v in reported.items()),
        name=str(_take(data, "name", str, path="")),
        title=str(data.get("title") or data["name"]),
        description=str(data.get("description") or ""),
        sources=tuple(str(s) for s in data.get("sources") or ()),
        queues=tuple(queues),
        matters=tuple(matters),
        windows=tuple(windows),
        arrivals=arrivals,
        agents=agents,
        materials=materials,
        walk_out=walk_out,
    )
    needed = {m.queue for m in matters if m.per_day} | ({agents.queue} if agents else set())
    if any(m.green_share for m in matters):
        needed |= {q.code for q in queues if q.kind == "priority"}
    missing = sorted(needed - served)
    if missing:
        raise _fail("windows", _("队列 %(code)s 没有窗口服务") % {"code": missing[0]})
    return layout


def layout_names() -> list[str]:
    return sorted(p.stem for p in LAYOUT_DIR.glob("*.yaml"))


def layout_load(name_or_path: str | Path) -> Layout:
    """A shipped layout by name (``before-reform``) or any layout file by path."""
    path = Path(name_or_path)
    if not path.suffix and (LAYOUT_DIR / f"{path.name}.yaml").is_file() and not path.exists():
        path = LAYOUT_DIR / f"{path.name}.yaml"
    if not path.is_file():
        raise NotFound(
            _("找不到布局文件“%(name)s”（内置布局：%(names)s）。")
            % {"name": name_or_path, "names": "、".join(layout_names())},
            code="layout_not_found",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _fail("layout", str(exc).splitlines()[0]) from None
    return layout_from_dict(data)


def layout_override(layout: Layout, **changes: Any) -> Layout:
    """A copy with parameters changed. Keys: ``windows`` ({group name: count}), ``per_day``
    ({matter key: applicants}), ``agents_batches_per_day``, and any field of ``materials``,
    ``walk_out`` or ``arrivals.appointment_share``."""
    windows = changes.pop("windows", None) or {}
    per_day = changes.pop("per_day", None) or {}
    new_windows = tuple(
        dataclasses.replace(w, count=int(windows.get(w.name, w.count))) for w in layout.windows
    )
    new_matters = tuple(
        dataclasses.replace(m, per_day=float(per_day.get(m.key, m.per_day))) for m in layout.matters
    )
    agents = layout.agents
    if agents is not None and "agents_batches_per_day" in changes:
        agents = dataclasses.replace(
            agents, batches_per_day=float(changes.pop("agents_batches_per_day"))
        )
    changes.pop("agents_batches_per_day", None)
    arrivals = layout.arrivals
    if "appointment_share" in changes:
        arrivals = dataclasses.replace(
            arrivals, appointment_share=float(changes.pop("appointment_share"))
        )
    mat_fields = {f.name for f in dataclasses.fields(Materials)}
    wo_fields = {f.name for f in dataclasses.fields(WalkOut)}
    materials = dataclasses.replace(
        layout.materials, **{k: v for k, v in changes.items() if k in mat_fields}
    )
    walk_out = dataclasses.replace(
        layout.walk_out, **{k: v for k, v in changes.items() if k in wo_fields}
    )
    unknown = set(changes) - mat_fields - wo_fields
    if unknown:
        raise _fail(sorted(unknown)[0], _("未知参数"))
    return dataclasses.replace(
        layout,
        windows=new_windows,
        matters=new_matters,
        agents=agents,
        arrivals=arrivals,
        materials=materials,
        walk_out=walk_out,
    )
