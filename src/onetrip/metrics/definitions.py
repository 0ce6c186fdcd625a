"""The definition of every figure, written once: the API schema's field descriptions
(``metrics.api``) and the table in ``docs/metrics.md`` (``python -m onetrip.metrics.definitions``
prints it; a test checks the docs hold it) both come from here."""

from __future__ import annotations

#: what places a record in a period, and the scope of every figure
PERIOD = (
    "Periods are inclusive local dates (Asia/Shanghai). A ticket counts in the period it was "
    "issued in, a case in the period it was submitted in (drafts are not applications), a "
    "rating in the period it was given in. Cuts: point (exact, not its subtree), department, "
    "matter, agency, applicant kind and channel; tickets are not cut by applicant kind or "
    "channel (a ticket has neither) and belong to a department or matter through their queue."
)

#: (part, key) -> definition
FIGURES: dict[tuple[str, str], str] = {
    ("waits", "tickets"): "Tickets issued in the period that were called at least once.",
    ("waits", "avg_wait_minutes"): (
        "Mean wait in minutes: first call minus issue time (appointments: minus the slot "
        "start, never negative), over the called tickets. Exact."
    ),
    ("waits", "p90_wait_minutes"): (
        "90th percentile of the wait (percentile_cont: linear interpolation between the two "
        "nearest ranks). Exact when the scope has at most 5,000 called tickets (a row of a "
        "breakdown: when the whole scope has at most 1,000; a week of a trend: never); above "
        "that computed from the wait bins of the roll-ups (1 minute wide below an hour, 5 below "
        "three hours, 15 below eight), off by at most one bin width."
    ),
    ("cases", "cases"): "Cases submitted in the period.",
    ("cases", "accepted"): "Of those, cases accepted (with an acceptance time).",
    ("cases", "refused"): "Of those, cases refused at intake (不予受理).",
    ("cases", "first_pass_rate"): (
        "First-submission pass rate: cases accepted without any supplement request, divided by "
        "cases accepted or refused at intake."
    ),
    ("cases", "first_pass_rate_with_precheck"): (
        "The same rate over the cases whose applicant had a window-zero pre-check."
    ),
    ("cases", "supplemented"): (
        "Cases with a supplement request, not counting those still waiting for the answer to "
        "their first one."
    ),
    ("cases", "one_go_supplement_rate"): (
        "One-go supplement rate: cases whose only supplement request was answered, divided by "
        "supplemented cases."
    ),
    ("cases", "one_go_supplement_rate_companies"): "The same rate over company applicants.",
    ("cases", "avg_visits"): "Mean in-person visits per case (visit_count).",
    ("cases", "visits"): "Cases by visits: 0, 1, 2 or more.",
    ("cases", "zero_visit_share"): "Cases with no visit at all, divided by cases.",
    ("cases", "local_share"): ("Cases received at a street or community point, divided by cases."),
    ("cases", "overdue"): (
        "Accepted cases flagged overdue by the sweep, decided after their promised date, or "
        "still running past it today."
    ),
    ("cases", "overdue_rate"): "Overdue cases divided by accepted cases.",
    ("cases", "errors"): "Cases that needed a supplement or were refused at intake.",
    ("cases", "error_rate"): "Errors divided by cases (an agency's error rate).",
    ("matters", "matters"): "Active matters of the catalogue (in the department or matter cut).",
    ("matters", "zero_visit_matters"): "Active matters that need no visit.",
    ("matters", "five_star_matters"): "Zero-visit matters fully online (five-star, depth IV).",
    ("matters", "zero_visit_matter_share"): "Zero-visit matters divided by matters.",
    ("matters", "five_star_matter_share"): "Five-star matters divided by matters.",
    ("satisfaction", "ratings"): "Ratings given in the period.",
    ("satisfaction", "avg_score"): "Mean score (1-5) of those ratings.",
    ("satisfaction", "satisfied_share"): "Ratings of 4 or 5, divided by ratings.",
    ("followups", "bad_ratings"): (
        "Bad ratings (不满意 or 非常不满意, score 1-2) given in the period: each opens a "
        "follow-up (差评整改) for the handling unit. Cut by the rated case."
    ),
    ("followups", "named_bad_ratings"): (
        "Of those, the named ones: the rater can be reached (signed in, or left a phone number)."
    ),
    ("followups", "called_back"): (
        "Named bad ratings of the period whose follow-up records a callback (回访), whenever "
        "it was made."
    ),
    ("followups", "callback_rate"): (
        "Callback rate of bad ratings (差评回访率): named bad ratings called back divided by "
        "named bad ratings; target 100%."
    ),
    ("followups", "open"): (
        "Follow-ups of the period's bad ratings not yet finished (open, called back, fixed or "
        "explained but not reported back)."
    ),
    ("followups", "overdue"): "Of the unfinished ones, those past their deadline today.",
}


def describe(part: str, key: str) -> str:
    return FIGURES[(part, key)]


def markdown() -> str:
    """The definitions table of docs/metrics.md."""
    lines = [PERIOD, "", "| figure | definition |", "|---|---|"]
    for (part, key), text in FIGURES.items():
        lines.append(f"| `{part}.{key}` | {text} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
