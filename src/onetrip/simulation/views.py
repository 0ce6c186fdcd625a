"""The manager's simulator page (/simulation/): change a layout's parameters, see the figures.

Thin: reads the form, builds the changed layout with ``layout_override`` and runs the same
``replicate`` the command runs, for the shipped layout and the changed one side by side. Runs are
kept short (at most 20 days × 5 seeds) so the page answers in a few seconds.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from onetrip.access import require_role
from onetrip.errors import DomainError
from onetrip.roles import Role
from onetrip.simulation.figures import replicate
from onetrip.simulation.layout import Layout, layout_load, layout_names, layout_override
from onetrip.simulation.report import comparison_rows


class SimulationForm(forms.Form):
    layout = forms.ChoiceField(label=_("布局"))
    days = forms.IntegerField(label=_("仿真工作日数"), min_value=5, max_value=20, initial=10)
    seeds = forms.IntegerField(label=_("重复次数（随机种子）"), min_value=1, max_value=5, initial=3)
    seed = forms.IntegerField(label=_("起始种子"), min_value=0, max_value=10**6, initial=1)
    complete_without_guidance = forms.FloatField(
        label=_("无导办时材料齐全率"), min_value=0, max_value=1
    )
    complete_with_precheck = forms.FloatField(
        label=_("0号窗口预审后材料齐全率"), min_value=0, max_value=1
    )
    qr_followup = forms.BooleanField(label=_("扫码追踪补缺（不必再跑）"), required=False)
    patience_minutes = forms.FloatField(
        label=_("平均耐心（分钟，超过即离开）"), min_value=0, max_value=600
    )
    agents_batches_per_day = forms.FloatField(
        label=_("每日中介代办批次"), min_value=0, max_value=100, required=False
    )

    def __init__(self, data: Any, *, layout: Layout) -> None:
        super().__init__(data)
        self.base = layout
        cast(forms.ChoiceField, self.fields["layout"]).choices = [(n, n) for n in layout_names()]
        for i, w in enumerate(layout.windows):
            self.fields[f"w{i}"] = forms.IntegerField(
                label=w.name + (f"（{_('导办')}）" if w.precheck else ""),
                min_value=0 if w.precheck else 1,
                max_value=40,
                initial=w.count,
            )
        for i, m in enumerate(layout.matters):
            self.fields[f"m{i}"] = forms.FloatField(
                label=_("%(name)s 每日申请人数") % {"name": m.name},
                min_value=0,
                max_value=2000,
                initial=m.per_day,
            )

    def window_fields(self):
        return [self[f"w{i}"] for i in range(len(self.base.windows))]

    def matter_fields(self):
        return [self[f"m{i}"] for i in range(len(self.base.matters))]

    def changed_layout(self) -> Layout:
        d = self.cleaned_data
        changes: dict[str, Any] = {
            "windows": {w.name: d[f"w{i}"] for i, w in enumerate(self.base.windows)},
            "per_day": {m.key: d[f"m{i}"] for i, m in enumerate(self.base.matters)},
            "complete_without_guidance": d["complete_without_guidance"],
            "complete_with_precheck": d["complete_with_precheck"],
            "qr_followup": d["qr_followup"],
            "patience_minutes": d["patience_minutes"],
        }
        if self.base.agents is not None and d.get("agents_batches_per_day") is not None:
            changes["agents_batches_per_day"] = d["agents_batches_per_day"]
        return layout_override(self.base, **changes)


def _initial(layout: Layout, name: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "layout": name,
        "days": 10,
        "seeds": 3,
        "seed": 1,
        "complete_without_guidance": layout.materials.complete_without_guidance,
        "complete_with_precheck": layout.materials.complete_with_precheck,
        "patience_minutes": layout.walk_out.patience_minutes,
        "agents_batches_per_day": layout.agents.batches_per_day if layout.agents else "",
    }
    if layout.materials.qr_followup:
        data["qr_followup"] = "on"
    data.update({f"w{i}": w.count for i, w in enumerate(layout.windows)})
    data.update({f"m{i}": m.per_day for i, m in enumerate(layout.matters)})
    return data


def simulation_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        require_role(request.user, Role.MANAGER, Role.ADMIN)
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    names = layout_names()
    name = request.GET.get("layout")
    if name not in names:
        name = "after-reform" if "after-reform" in names else names[0]
    base = layout_load(name)
    data = request.GET if "run" in request.GET else _initial(base, name)
    form = SimulationForm(data, layout=base)
    rows = None
    if form.is_valid():
        d = form.cleaned_data
        seeds = list(range(d["seed"], d["seed"] + d["seeds"]))
        changed = form.changed_layout()
        runs = [(base, replicate(base, days=d["days"], seeds=seeds))]
        if changed != base:
            runs.append((changed, replicate(changed, days=d["days"], seeds=seeds)))
        rows = comparison_rows(runs)
    return render(
        request,
        "simulation/simulate.html",
        {
            "form": form,
            "base": base,
            "names": names,
            "rows": rows,
            "changed": rows is not None and len(rows[0]["cells"]) > 1,
        },
        status=200 if rows is not None else 422,
    )
