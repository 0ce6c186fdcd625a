"""Community service complexes ("3+X"): the complex, its facilities, bookable slots and
bookings; the deliberation workshop (一坊议事): members, topics, supports, meetings, decisions.

Every row that belongs to a place carries its complex, and the complex its district, so staff
lists are scoped with one indexed column.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onetrip.community.states import (
    BookingStatus,
    DecisionState,
    MeetingState,
    SlotStatus,
    TopicState,
)

DEFAULT_OPENS = dt.time(8, 30)
DEFAULT_CLOSES = dt.time(20, 0)


class Complex(models.Model):
    """The "3+X" community service complex at one community service point."""

    audit_subject = ("community.complex", "pk")

    point = models.OneToOneField(
        "catalogue.ServicePoint",
        verbose_name=_("社区网点"),
        on_delete=models.PROTECT,
        related_name="complex",
        limit_choices_to={"level": "community"},
    )
    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    intro = models.TextField(_("简介"), blank=True)
    support_threshold = models.PositiveSmallIntegerField(
        _("列入议程所需支持数"),
        default=5,
        help_text=_("议题获得这么多居民支持后自动列入议程"),
    )
    is_published = models.BooleanField(_("公开展示"), default=True)

    class Meta:
        verbose_name = _("社区服务综合体")
        verbose_name_plural = _("社区服务综合体")
        ordering = ["point__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(support_threshold__gte=1), name="complex_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        return str(self.point)

    def save(self, *args, **kwargs):
        self.district_id = self.point.district_id
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        return self.point.code

    @property
    def name(self) -> str:
        return self.point.name


class FacilityKind(models.TextChoices):
    HALL = "hall", _("一厅迎客")
    POST = "post", _("一岗受理")
    WORKSHOP = "workshop", _("一坊议事")
    ELDER_DAY_CARE = "elder_day_care", _("老年日间照料")
    ELDER_CANTEEN = "elder_canteen", _("老年食堂")
    PLAYGROUND = "playground", _("儿童游乐场")
    INCUBATOR = "incubator", _("社会组织孵化")
    READING = "reading", _("阅览室")
    FITNESS = "fitness", _("健身室")
    CLASSROOM = "classroom", _("活动室")
    OTHER = "other", _("其他服务")


#: The "3" every complex has; everything else is one of its "X".
CORE_KINDS = (FacilityKind.HALL, FacilityKind.POST, FacilityKind.WORKSHOP)


class Facility(models.Model):
    """One of a complex's "3" or "X": a hall, a post, a workshop, a canteen, a playground…"""

    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="facilities"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=FacilityKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=20)
    opens_at = models.TimeField(_("开放时间"), default=DEFAULT_OPENS)
    closes_at = models.TimeField(_("关闭时间"), default=DEFAULT_CLOSES)
    open_weekdays = models.CharField(
        _("开放日"), max_length=7, default="1234567", help_text=_("ISO 星期几，1=周一 … 7=周日")
    )
    bookable = models.BooleanField(_("可预约"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("功能空间")
        verbose_name_plural = _("功能空间")
        ordering = ["complex", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complex", "kind"],
                condition=Q(kind__in=["hall", "post", "workshop"]),
                name="facility_one_core_kind_per_complex",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="facility_capacity_pos"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="facility_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_core(self) -> bool:
        return self.kind in CORE_KINDS


class SlotKind(models.TextChoices):
    ACTIVITY = "activity", _("活动")
    SPACE = "space", _("场地")


class Slot(models.Model):
    """A bookable time: an activity with places, or a space booked as a whole (capacity 1).

    ``booked`` counts confirmed bookings; it only changes by a conditional UPDATE
    (``booked < capacity``), and the database refuses anything above ``capacity``.
    """

    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="slots"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("功能空间"), on_delete=models.PROTECT, related_name="slots"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SlotKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    booked = models.PositiveIntegerField(_("已预约"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=SlotStatus.choices, default=SlotStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["complex", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_pos"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_time_order"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)


class Booking(models.Model):
    """One resident's place (or place on the waiting list) for one slot."""

    slot = models.ForeignKey(
        Slot, verbose_name=_("时段"), on_delete=models.CASCADE, related_name="bookings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人"),
        on_delete=models.PROTECT,
        related_name="community_bookings",
    )
    status = models.CharField(_("状态"), max_length=10, choices=BookingStatus.choices)
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["slot", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="booking_one_live_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.slot} · {self.user} · {self.get_status_display()}"


class RaiserKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    PARTNER = "partner", _("共建单位")
    PARTY_LEADER = "party_leader", _("党小组长")
    OBSERVER = "observer", _("民情观察员")


class WorkshopMember(models.Model):
    """Someone who sits in a complex's workshop for a partner unit, a party group or as a
    public-opinion observer; a topic they raise is labelled so (residents need no row)."""

    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="workshop_memberships",
    )
    kind = models.CharField(
        _("身份"),
        max_length=20,
        choices=[c for c in RaiserKind.choices if c[0] != RaiserKind.RESIDENT],
    )
    organisation = models.CharField(_("单位 / 党小组"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("议事坊成员")
        verbose_name_plural = _("议事坊成员")
        constraints = [
            models.UniqueConstraint(fields=["complex", "user"], name="workshop_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class Meeting(models.Model):
    """A scheduled meeting of the workshop; once held it has minutes."""

    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("名称"), max_length=120)
    starts_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    held_at = models.DateTimeField(_("纪要记录时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议事会")
        verbose_name_plural = _("议事会")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["complex", "state", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d}"


class Topic(models.Model):
    """A topic (议题) raised for the workshop; residents' supports lift it to the agenda."""

    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="topics"
    )
    title = models.CharField(_("议题"), max_length=100)
    body = models.TextField(_("具体内容"), max_length=2000)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="community_topics",
    )
    raiser_kind = models.CharField(
        _("提出人身份"), max_length=20, choices=RaiserKind.choices, default=RaiserKind.RESIDENT
    )
    raiser_organisation = models.CharField(_("提出单位"), max_length=100, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=TopicState.choices, default=TopicState.OPEN
    )
    support_count = models.PositiveIntegerField(_("支持数"), default=0)
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("议事会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topics",
    )
    state_note = models.CharField(_("状态说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-support_count", "created_at", "id"]
        indexes = [models.Index(fields=["complex", "state", "support_count"])]

    def __str__(self) -> str:
        return self.title


class TopicSupport(models.Model):
    """One resident's support for one topic: one person, one support (a unique constraint)."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("支持人"),
        on_delete=models.CASCADE,
        related_name="community_supports",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议题支持")
        verbose_name_plural = _("议题支持")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="topic_one_support_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.topic} · {self.user}"


class Decision(models.Model):
    """What a meeting decided on a topic: an owner, a due date, a public follow-up until done."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="decisions"
    )
    complex = models.ForeignKey(
        Complex, verbose_name=_("综合体"), on_delete=models.CASCADE, related_name="decisions"
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("议事会"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    text = models.TextField(_("决定事项"), max_length=2000)
    owner_name = models.CharField(_("责任人 / 责任单位"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_decisions",
    )
    due_date = models.DateField(_("完成期限"))
    state = models.CharField(
        _("状态"), max_length=12, choices=DecisionState.choices, default=DecisionState.OPEN
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议事决定")
        verbose_name_plural = _("议事决定")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["complex", "state", "due_date"])]

    def __str__(self) -> str:
        return self.text[:40]


class DecisionUpdate(models.Model):
    """One public follow-up note on a decision (append-only)."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("决定"), on_delete=models.CASCADE, related_name="updates"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=12, choices=DecisionState.choices)
    note = models.TextField(_("进展"), max_length=1000)

    class Meta:
        verbose_name = _("落实进展")
        verbose_name_plural = _("落实进展")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.note[:40]
