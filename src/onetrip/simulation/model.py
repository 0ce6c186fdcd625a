"""The service hall as a SimPy model: applicants, window zero, tickets, windows, supplements.

One run simulates ``days`` working days (Monday first) of one layout with one seed and returns
every ticket and every case it produced (``SimResult``), so the figures (``figures.py``) are
computed from records exactly as the dashboard computes them from the database, and the demo
history can replay the same records through the platform's services.

What happens to an applicant (times in minutes since the first day's midnight):

1. Arrives on a working day (a Poisson process per matter, shaped by hour and weekday).
   A share of each matter applies online from home instead: a case with zero visits, no ticket.
2. If the hall has a window zero (a pre-checking window group), walk-ins see a guide first
   (FIFO, gamma-distributed guide time). The guide routes a share of matters that can be done
   online to the self-service terminals (a zero-visit online case); everyone else gets a
   ticket, and their first submission is complete with ``complete_with_precheck`` instead of
   ``complete_without_guidance``. Appointments and agents skip window zero.
3. Waits for a window serving the ticket's queue. Windows call the queues they serve in their
   order; within a queue the green channel goes first, then appointments, then by ticket time.
   An applicant whose patience runs out walks out (the ticket is never called) and comes back
   another working day with ``walk_out.return_share``.
4. At the window: a complete submission is accepted (first-submission pass). An incomplete one
   is refused at intake (``refuse_share``; the applicant returns with a new submission a few
   working days later) or accepted with a supplement request. A supplement is answered by QR
   code without a visit when the layout has QR follow-up, else by a return visit (a new ticket
   of the same queue, ``supplement_minutes`` at the window); it is complete at the first answer
   with ``one_go_with_qr`` / ``one_go_without_qr``, else a second round follows.
5. An agent brings a batch of companies' files at once, takes one ticket in its queue and holds
   the window ``minutes_per_company`` per company; each company's file is a case.

Windows keep serving after the ticket cut-off until everyone holding a ticket has been seen.
Nothing here touches the database: the model is plain Python and SimPy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import simpy

from onetrip.simulation.layout import Layout, MatterSpec

DAY = 1440.0


@dataclass
class SimTicket:
    id: int
    day: int
    queue: str
    matter: str
    purpose: str  # first | return | supplement | agent
    issued: float
    rank: int  # 0 green channel, 1 appointment, 2 walk-in
    service: float  # minutes at the window once called
    journey: int
    company: bool
    prechecked: bool = False
    guide_wait: float = 0.0  # minutes waited for window zero before this ticket
    called: float | None = None
    finished: float | None = None
    walked_out: float | None = None
    window: str = ""
    case_ids: list[int] = field(default_factory=list)
    agent_batch: int | None = None


@dataclass
class SimCase:
    id: int
    journey: int
    matter: str
    channel: str  # window | online | agent
    company: bool
    submitted: float
    prechecked: bool = False
    refused: bool = False
    ticket: int | None = None
    agent_batch: int | None = None
    # supplement rounds requested, and when each was answered (None: not within the horizon)
    supplement_requested: list[float] = field(default_factory=list)
    supplement_answered: list[float | None] = field(default_factory=list)
    supplement_via: str = ""  # qr | visit
    supplement_tickets: list[int] = field(default_factory=list)  # return visits' tickets
    visits: int = 0

    @property
    def accepted(self) -> bool:
        return not self.refused

    @property
    def rounds(self) -> int:
        return len(self.supplement_requested)


@dataclass
class SimGuide:
    """A pre-check at window zero."""

    journey: int
    matter: str
    arrived: float
    started: float | None = None
    finished: float | None = None
    routed_online: bool = False


@dataclass
class SimResult:
    layout: Layout
    seed: int
    days: int
    tickets: list[SimTicket]
    cases: list[SimCase]
    guides: list[SimGuide]
    busy: dict[str, float]  # window group -> minutes serving


@dataclass
class _Journey:
    id: int
    matter: MatterSpec
    company: bool
    green: bool
    appointment: bool = False


class Hall:
    def __init__(self, layout: Layout, *, seed: int, days: int) -> None:
        self.layout = layout
        self.days = days
        self.rng = random.Random(seed)
        self.seed = seed
        self.env = simpy.Environment()
        self.waiting: dict[str, list[SimTicket]] = {q.code: [] for q in layout.queues}
        self.guide_waiting: list[tuple[SimGuide, simpy.Event]] = []
        self.bell = self.env.event()  # fired whenever a ticket (or a guide visitor) arrives
        self.tickets: list[SimTicket] = []
        self.cases: list[SimCase] = []
        self.guides: list[SimGuide] = []
        self.busy: dict[str, float] = {w.name: 0.0 for w in layout.windows}
        self._called: dict[int, simpy.Event] = {}
        self._done: dict[int, simpy.Event] = {}
        self._journeys = 0
        self._batches = 0

    # -- helpers ---------------------------------------------------------------------------

    def _gamma(self, mean: float, shape: float = 4.0) -> float:
        return self.rng.gammavariate(shape, mean / shape) if mean > 0 else 0.0

    def _ring(self) -> None:
        bell, self.bell = self.bell, self.env.event()
        bell.succeed()

    def _hour_offsets(self) -> tuple[list[tuple[float, float]], float]:
        a = self.layout.arrivals
        span = a.cutoff - a.open
        weights = a.by_hour
        width = span / len(weights)
        return [(a.open + i * width, w) for i, w in enumerate(weights)], width

    def _arrival_times(self, day: int, per_day: float) -> list[float]:
        """A Poisson process over the day's ticket hours with the layout's hourly shape."""
        a = self.layout.arrivals
        segments, width = self._hour_offsets()
        total_w = sum(a.by_hour)
        expected = per_day * a.by_weekday[day % 5]
        out = []
        for start, w in segments:
            rate = expected * w / total_w / width
            if rate <= 0:
                continue
            t = start + self.rng.expovariate(rate)
            while t < start + width:
                out.append(day * DAY + t)
                t += self.rng.expovariate(rate)
        return out

    def _later_day(self, now: float) -> float | None:
        """A moment on a working day 1 … return_days later, or None past the horizon."""
        day = int(now // DAY) + self.rng.randint(1, self.layout.materials.return_days)
        if day >= self.days:
            return None
        segments, width = self._hour_offsets()
        start, _w = self.rng.choices(segments, weights=[w for _s, w in segments])[0]
        return day * DAY + start + self.rng.uniform(0, width)

    def _online(
        self, journey: _Journey, matter: MatterSpec, *, prechecked: bool = False
    ) -> SimCase:
        """The journey's case for ``matter`` applied for online, now (no ticket, no window)."""
        return self._new_case(
            journey=journey.id,
            matter=matter.key,
            channel="online",
            company=journey.company,
            submitted=self.env.now,
            prechecked=prechecked,
        )

    def _new_case(self, **kw) -> SimCase:
        case = SimCase(id=len(self.cases) + 1, **kw)
        self.cases.append(case)
        return case

    # -- processes -------------------------------------------------------------------------

    def _source(self):
        layout = self.layout
        arrivals: list[tuple[float, int, object]] = []
        for day in range(self.days):
            for m in layout.matters:
                for t in self._arrival_times(day, m.per_day):
                    arrivals.append((t, 0, m))
            if layout.agents is not None:
                for t in self._arrival_times(day, layout.agents.batches_per_day):
                    arrivals.append((t, 1, layout.agents))
        arrivals.sort(key=lambda x: (x[0], x[1]))
        for t, kind, spec in arrivals:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            if kind == 1:
                self.env.process(self._agent())
            else:
                self.env.process(self._applicant(spec))

    def _applicant(self, matter: MatterSpec, journey: _Journey | None = None, purpose="first"):
        rng = self.rng
        layout = self.layout
        if journey is None:
            self._journeys += 1
            journey = _Journey(
                id=self._journeys,
                matter=matter,
                company=matter.company,
                green=rng.random() < matter.green_share,
            )
            if rng.random() < matter.online_share:
                self._online(journey, matter)
                return
            journey.appointment = rng.random() < layout.arrivals.appointment_share
        prechecked = False
        guide_wait = 0.0
        if layout.prechecks(matter.key) and not journey.appointment and purpose != "supplement":
            guide = SimGuide(journey=journey.id, matter=matter.key, arrived=self.env.now)
            self.guides.append(guide)
            seen = self.env.event()
            self.guide_waiting.append((guide, seen))
            self._ring()
            yield seen
            prechecked = True
            assert guide.started is not None  # the guide who ``seen`` waited for set it
            guide_wait = guide.started - guide.arrived
            if rng.random() < matter.online_capable:
                guide.routed_online = True
                self._online(journey, matter, prechecked=True)
                return
        ticket = yield from self._visit(
            matter, journey, purpose, prechecked=prechecked, guide_wait=guide_wait
        )
        if ticket is None:
            return
        m = layout.materials
        if purpose == "return":
            p = m.complete_on_return
            if prechecked:
                p = max(p, m.complete_with_precheck)
        else:
            p = m.complete_with_precheck if prechecked else m.complete_without_guidance
        case = self._new_case(
            journey=journey.id,
            matter=matter.key,
            channel="window",
            company=journey.company,
            submitted=ticket.called,
            prechecked=prechecked,
            ticket=ticket.id,
            visits=1,
        )
        ticket.case_ids.append(case.id)
        if rng.random() < p:
            return
        if rng.random() < m.refuse_share:
            case.refused = True
            when = self._later_day(self.env.now)
            if when is not None:
                self.env.process(self._later(when, matter, journey, "return"))
            return
        yield from self._supplement(case, matter, journey)

    def _visit(
        self,
        matter: MatterSpec,
        journey: _Journey,
        purpose: str,
        *,
        prechecked=False,
        guide_wait=0.0,
    ):
        """Take a ticket and be served; returns the served ticket. Who walks out comes back
        another working day (``walk_out.return_share``) or gives up (None)."""
        layout = self.layout
        green_queue = next((q.code for q in layout.queues if q.kind == "priority"), None)
        while True:
            service = self._gamma(
                layout.materials.supplement_minutes
                if purpose == "supplement"
                else matter.service_minutes
            )
            ticket = self._issue(
                queue=green_queue if journey.green and green_queue else matter.queue,
                matter=matter.key,
                purpose=purpose,
                rank=0 if journey.green else (1 if journey.appointment else 2),
                service=service,
                journey=journey.id,
                company=journey.company,
                prechecked=prechecked,
                guide_wait=guide_wait,
            )
            served = yield from self._wait(ticket)
            if served:
                return ticket
            if self.rng.random() >= layout.walk_out.return_share:
                return None
            when = self._later_day(self.env.now)
            if when is None:
                return None
            yield self.env.timeout(when - self.env.now)
            journey.appointment = False

    def _later(self, when: float, matter: MatterSpec, journey: _Journey, purpose: str):
        yield self.env.timeout(when - self.env.now)
        journey.appointment = False
        yield from self._applicant(matter, journey, purpose)

    def _supplement(self, case: SimCase, matter: MatterSpec, journey: _Journey):
        """Supplement rounds until complete: by QR code (no visit) or by return visits."""
        m = self.layout.materials
        qr = m.qr_followup
        case.supplement_via = "qr" if qr else "visit"
        for round_no in (1, 2, 3):
            case.supplement_requested.append(self.env.now)
            case.supplement_answered.append(None)
            if qr:
                delay = self.rng.uniform(60, 2 * DAY)
                if (self.env.now + delay) // DAY >= self.days:
                    return
                yield self.env.timeout(delay)
            else:
                when = self._later_day(self.env.now)
                if when is None:
                    return
                yield self.env.timeout(when - self.env.now)
                journey.appointment = False
                ticket = yield from self._visit(matter, journey, "supplement")
                if ticket is None:
                    return  # gave up: the round stays unanswered
                ticket.case_ids.append(case.id)
                case.supplement_tickets.append(ticket.id)
                case.visits += 1
            case.supplement_answered[-1] = self.env.now
            p = m.one_go_with_qr if qr else m.one_go_without_qr
            if self.rng.random() < p or round_no == 3:
                return

    def _agent(self):
        a = self.layout.agents
        matter = self.layout.matter(a.matter)
        self._batches += 1
        batch = self._batches
        self._journeys += 1
        journey = _Journey(id=self._journeys, matter=matter, company=True, green=False)
        k = self.rng.randint(*a.companies)
        ticket = self._issue(
            queue=a.queue,
            matter=matter.key,
            purpose="agent",
            rank=2,
            service=sum(self._gamma(a.minutes_per_company) for _ in range(k)),
            journey=journey.id,
            company=True,
        )
        ticket.agent_batch = batch
        served = yield from self._wait(ticket, patient=True)
        if not served:
            return
        for _ in range(k):
            case = self._new_case(
                journey=journey.id,
                matter=matter.key,
                channel="agent",
                company=True,
                submitted=ticket.called,
                ticket=ticket.id,
                agent_batch=batch,
                visits=1,
            )
            ticket.case_ids.append(case.id)
            if self.rng.random() >= a.complete:
                if self.rng.random() < self.layout.materials.refuse_share:
                    case.refused = True
                else:
                    self.env.process(self._supplement(case, matter, journey))

    def _issue(self, **kw) -> SimTicket:
        now = self.env.now
        ticket = SimTicket(id=len(self.tickets) + 1, day=int(now // DAY), issued=now, **kw)
        self.tickets.append(ticket)
        self._called[ticket.id] = self.env.event()
        self._done[ticket.id] = self.env.event()
        self.waiting[ticket.queue].append(ticket)
        self._ring()
        return ticket

    def _wait(self, ticket: SimTicket, *, patient: bool = False):
        """Wait to be called (or walk out), then until the window has finished."""
        called = self._called[ticket.id]
        if not patient and self.layout.walk_out.patience_minutes > 0:
            patience = self._gamma(self.layout.walk_out.patience_minutes, shape=2.0)
            yield called | self.env.timeout(patience)
            if ticket.called is None:
                self.waiting[ticket.queue].remove(ticket)
                ticket.walked_out = self.env.now
                return False
        else:
            yield called
        yield self._done[ticket.id]
        return True

    def _window(self, group, index: int):
        name = f"{group.name}#{index + 1}"
        while True:
            ticket = None
            for code in group.serves:
                queue = self.waiting[code]
                if queue:
                    ticket = min(queue, key=lambda t: (t.rank, t.issued, t.id))
                    queue.remove(ticket)
                    break
            if ticket is None:
                yield self.bell
                continue
            ticket.called = self.env.now
            ticket.window = name
            self._called.pop(ticket.id).succeed()
            yield self.env.timeout(ticket.service)
            ticket.finished = self.env.now
            self.busy[group.name] += ticket.service
            self._done.pop(ticket.id).succeed()

    def _guide(self, group, index: int):
        while True:
            pick = next(
                (
                    i
                    for i, (v, _e) in enumerate(self.guide_waiting)
                    if not group.matters or v.matter in group.matters
                ),
                None,
            )
            if pick is None:
                yield self.bell
                continue
            visit, seen = self.guide_waiting.pop(pick)
            visit.started = self.env.now
            took = self._gamma(group.minutes, shape=3.0)
            yield self.env.timeout(took)
            self.busy[group.name] += took
            visit.finished = self.env.now
            seen.succeed()

    def run(self) -> SimResult:
        for group in self.layout.windows:
            for i in range(group.count):
                self.env.process(
                    self._guide(group, i) if group.precheck else self._window(group, i)
                )
        self.env.process(self._source())
        self.env.run(until=self.days * DAY)
        return SimResult(
            layout=self.layout,
            seed=self.seed,
            days=self.days,
            tickets=self.tickets,
            cases=self.cases,
            guides=self.guides,
            busy=self.busy,
        )


def simulate(layout: Layout, *, days: int, seed: int) -> SimResult:
    """Run ``layout`` for ``days`` working days with ``seed`` (same seed, same result)."""
    return Hall(layout, seed=seed, days=days).run()
