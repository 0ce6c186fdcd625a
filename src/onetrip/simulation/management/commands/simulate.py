"""``onetrip simulate``: replay a service hall under one or more window layouts."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from onetrip.errors import DomainError
from onetrip.simulation.figures import FIGURES, replicate, windows_for_wait
from onetrip.simulation.layout import layout_load, layout_names
from onetrip.simulation.report import comparison_text, target_text


class Command(BaseCommand):
    help = (
        "Simulate the service hall (SimPy) under a window layout and print the dashboard's "
        "figures with 95%% confidence intervals over seeds. Shipped layouts: "
        + ", ".join(layout_names())
        + ". Give --layout twice to compare two layouts side by side."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--layout",
            action="append",
            required=True,
            help="a shipped layout name or a layout YAML file (repeat to compare)",
        )
        parser.add_argument("--days", type=int, default=20, help="working days per run")
        parser.add_argument("--seed", type=int, default=1, help="first seed")
        parser.add_argument("--seeds", type=int, default=10, help="runs (seeds seed … seed+n-1)")
        parser.add_argument(
            "--warmup",
            type=int,
            default=None,
            help="days left out at the start (default 1/4, at most 5)",
        )
        parser.add_argument(
            "--target-wait",
            type=float,
            default=None,
            help="also answer: how many accepting windows for this average wait (minutes)",
        )
        parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, layout, days, seed, seeds, warmup, target_wait, markdown, **options):
        if days < 1 or seeds < 1:
            raise CommandError("--days and --seeds must be at least 1")
        if warmup is not None and not 0 <= warmup < days:
            raise CommandError("--warmup must be between 0 and days - 1")
        try:
            layouts = [layout_load(name) for name in layout]
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        seed_list = list(range(seed, seed + seeds))
        runs = [(lay, replicate(lay, days=days, seeds=seed_list, warmup=warmup)) for lay in layouts]
        answers = []
        if target_wait is not None:
            if target_wait <= 0:
                raise CommandError("--target-wait must be positive")
            answers = [
                (lay, windows_for_wait(lay, target=target_wait, days=days, seeds=seed_list))
                for lay in layouts
            ]
        if options["json"]:
            out = {
                "days": days,
                "seeds": seed_list,
                "layouts": {
                    lay.name: {
                        key: {"mean": res[key].mean, "ci95": res[key].half_width}
                        for key, _label, _unit in FIGURES
                    }
                    | {"self_service_share": lay.self_service_share, "windows": lay.window_count}
                    for lay, res in runs
                },
                "target_wait": {
                    lay.name: {k: v for k, v in a.items() if k != "tried"} for lay, a in answers
                },
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for lay, _res in runs:
            self.stdout.write(f"{lay.name}: {lay.title}")
        self.stdout.write("")
        self.stdout.write(comparison_text(runs, days=days, seeds=seed_list, markdown=markdown))
        for lay, answer in answers:
            self.stdout.write(target_text(lay, answer))
