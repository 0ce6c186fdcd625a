"""Sample "3+X" complexes for ``onetrip demo``: every community of the district gets its "3",
a few "X" services, a week of activities, and a workshop with topics, a held meeting and a
decision being followed up (idempotent: everything is looked up by name before it is made)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.community import services
from onetrip.community.models import (
    Booking,
    Complex,
    Decision,
    FacilityKind,
    Meeting,
    Slot,
    SlotKind,
    Topic,
    TopicSupport,
    WorkshopMember,
)
from onetrip.demo.registry import demo_extension
from onetrip.people.models import User
from onetrip.roles import Role

K = FacilityKind
#: "X" services: (kind, name, capacity, bookable, description); each community takes some.
X_SERVICES = [
    (K.ELDER_DAY_CARE, "老年日间照料中心", 30, False, "白天托老、助浴、康复理疗，午休床位 12 张"),
    (K.ELDER_CANTEEN, "老年食堂", 60, False, "11:00–12:30 供应午餐，80 岁以上老人优惠"),
    (K.PLAYGROUND, "儿童游乐场（四点半课堂）", 25, True, "放学后托管、作业辅导、亲子活动"),
    (K.INCUBATOR, "社会组织孵化园", 20, False, "为社区社会组织提供场地、培训和公益创投"),
    (K.CLASSROOM, "多功能活动室", 20, True, "书画、合唱、讲座、兴趣班，可整场预约"),
    (K.READING, "邻里阅览室", 24, False, "图书借阅，每月读书会"),
]
#: which "X" each community has, by position in X_SERVICES (the classroom everywhere)
X_BY_INDEX = [(0, 1, 2, 3, 4), (0, 1, 4, 5), (1, 2, 4), (0, 3, 4, 5), (0, 1, 2, 4), (2, 3, 4, 5)]
#: (title, kind, facility kind, day offset, start hour, hours, capacity)
ACTIVITIES = [
    ("书法兴趣班", SlotKind.ACTIVITY, K.CLASSROOM, 1, 9, 2, 12),
    ("老年人智能手机课", SlotKind.ACTIVITY, K.CLASSROOM, 2, 14, 2, 15),
    ("剪纸体验课（名额紧张）", SlotKind.ACTIVITY, K.CLASSROOM, 3, 9, 1, 1),
    ("活动室整场预约", SlotKind.SPACE, K.CLASSROOM, 4, 18, 2, 1),
    ("亲子绘本时光", SlotKind.ACTIVITY, K.PLAYGROUND, 2, 16, 1, 10),
]
TOPICS = [
    (
        "东门路灯维修",
        "小区东门的两盏路灯坏了一个多月，晚上老人出门看不清台阶，建议尽快修好并加装一盏。",
    ),
    ("加装楼道扶手", "3 幢、5 幢是老楼，没有电梯，老人上下楼吃力，建议统一加装楼道扶手。"),
    ("电动车集中充电", "楼道里私拉电线给电动车充电有火灾隐患，建议在自行车棚加装集中充电桩。"),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _social_worker(point: ServicePoint) -> User | None:
    return User.objects.filter(point=point, groups__name=Role.SOCIAL_WORKER, is_active=True).first()


def _complex_load(point: ServicePoint, index: int, today: dt.date, made: dict[str, int]) -> None:
    def bump(key: str) -> None:
        made[key] = made.get(key, 0) + 1

    if not Complex.objects.filter(point=point).exists():
        bump("complexes")
    complex = services.complex_ensure(
        point=point,
        intro=f"{point.name}“3+X”社区服务综合体：一厅迎客、一岗受理、一坊议事，每天 8:30–20:00 开放。",
    )
    facilities = {}
    for pos, i in enumerate(X_BY_INDEX[index % len(X_BY_INDEX)]):
        kind, name, capacity, bookable, text = X_SERVICES[i]
        if not complex.facilities.filter(name=name).exists():
            bump("facilities")
        facilities[kind] = services.facility_ensure(
            complex=complex,
            kind=kind,
            name=name,
            capacity=capacity,
            bookable=bookable,
            description=text,
            position=10 + pos,
        )
    staff = _social_worker(point)
    if staff is None:
        return
    for title, slot_kind, fkind, offset, hour, hours, capacity in ACTIVITIES:
        facility = facilities.get(fkind)
        if facility is None:
            continue
        day = today + dt.timedelta(days=offset)
        if Slot.objects.filter(facility=facility, title=title, starts_at=_at(day, hour)).exists():
            continue
        services.slot_create(
            actor=staff,
            facility=facility,
            kind=slot_kind,
            title=title,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + hours),
            capacity=capacity,
        )
        bump("slots")
    if index == 0:
        _workshop_load(complex, staff, today, bump)


def _workshop_load(complex: Complex, staff: User, today: dt.date, bump) -> None:
    residents = list(User.objects.filter(username__in=("citizen", "senior")).order_by("username"))
    grid = User.objects.filter(username="grid").first()
    if grid is not None and not WorkshopMember.objects.filter(complex=complex, user=grid).exists():
        WorkshopMember.objects.create(
            complex=complex, user=grid, kind="observer", organisation="东坡路社区网格"
        )
        bump("members")
    # the scarce activity is taken by one resident, so another can try the waiting list
    scarce = Slot.objects.filter(complex=complex, title__startswith="剪纸体验课").first()
    senior = next((u for u in residents if u.username == "senior"), None)
    if scarce and senior and not Booking.objects.filter(slot=scarce, user=senior).exists():
        if scarce.booked < scarce.capacity:
            services.booking_create(user=senior, slot=scarce)
            bump("bookings")
    raisers = [grid or staff, *(residents or [staff])]
    topics = []
    for n, (title, body) in enumerate(TOPICS):
        topic = Topic.objects.filter(complex=complex, title=title).first()
        if topic is None:
            topic = services.topic_raise(
                complex=complex, actor=raisers[n % len(raisers)], title=title, body=body
            )
            bump("topics")
        topics.append(topic)
    for topic in topics[1:]:
        for u in residents:
            if not TopicSupport.objects.filter(topic=topic, user=u).exists():
                services.topic_support(topic=topic, actor=u)
                bump("supports")
    # last week's meeting decided on the street lights; the decision is being followed up
    first = topics[0]
    if first.state == "open":
        held_on = today - dt.timedelta(days=7)
        meeting = Meeting.objects.filter(complex=complex, title="十一月居民议事会").first()
        if meeting is None:
            meeting = services.meeting_schedule(
                complex=complex,
                actor=staff,
                title="十一月居民议事会",
                starts_at=_at(held_on, 19),
                place="一坊议事·居民议事坊",
                now=_at(held_on - dt.timedelta(days=5), 10),
            )
            bump("meetings")
        services.topic_transition(topic=first, action="schedule", actor=staff, meeting=meeting)
        services.meeting_transition(
            meeting=meeting,
            action="hold",
            actor=staff,
            minutes="到会居民 21 人、共建单位 2 家、民情观察员 1 人。议定：东门路灯由物业更换并加装一盏，"
            "两周内完成；楼道扶手下次议事会继续讨论。",
            now=_at(held_on, 21),
        )
        services.topic_transition(
            topic=first,
            action="decide",
            actor=staff,
            text="由物业更换东门两盏路灯并在台阶处加装一盏",
            owner_name="小区物业服务中心",
            due_date=held_on + dt.timedelta(days=14),
            now=_at(held_on, 21),
        )
        decision = Decision.objects.filter(topic=first).first()
        assert decision is not None  # "decide" above records the topic's decision
        services.decision_transition(
            decision=decision, action="start", actor=staff, note="物业已采购灯具，等待安装"
        )
        bump("decisions")


@demo_extension(name="community", order=40)
def load_community(*, district, stdout=None, **_: Any) -> dict[str, int]:
    today = timezone.localdate()
    made: dict[str, int] = {}
    points = ServicePoint.objects.filter(
        district=district, level=PointLevel.COMMUNITY, is_active=True
    ).order_by("code")
    for index, point in enumerate(points):
        _complex_load(point, index, today, made)
    return made
