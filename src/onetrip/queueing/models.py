"""Queues, windows and tickets (取号、分类受理、叫号).

A ``Queue`` belongs to a service point and groups matters (or a department) for one applicant
type: self-service (自办), agent (代办) or priority/green channel (绿色通道). A ``Window`` serves a
set of queues in an ordered priority. A ``Ticket`` moves through the states in
``queueing.transitions.TRANSITIONS``; every move appends a ``TicketEvent``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.masking import mask_phone


class ApplicantType(models.TextChoices):
    SELF = "self", _("自办")
    AGENT = "agent", _("中介代办")
    PRIORITY = "priority", _("绿色通道（老年人、残疾人等）")


class Queue(models.Model):
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        on_delete=models.PROTECT,
        related_name="queues",
    )
    code = models.CharField(
        _("号码前缀"), max_length=2, help_text=_("一到两个大写字母，例如 A（号码为 A023）")
    )
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(
        _("英文名称"),
        max_length=100,
        blank=True,
        help_text=_("英文界面（取号机、号票、叫号状态页）显示的名称；留空则显示中文名称"),
    )
    applicant_type = models.CharField(
        _("办事人类型"), max_length=10, choices=ApplicantType.choices, default=ApplicantType.SELF
    )
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queues",
    )
    matters = models.ManyToManyField(
        "catalogue.Matter", verbose_name=_("事项"), blank=True, related_name="queues"
    )
    is_open = models.BooleanField(_("开放取号"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    default_service_minutes = models.PositiveSmallIntegerField(_("默认办理时长（分钟）"), default=8)

    class Meta:
        verbose_name = _("队列")
        verbose_name_plural = _("队列")
        ordering = ["point", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["point", "code"], name="queue_code_unique_in_point")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active language: the English one for an English page when given,
        else the Chinese one."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").lower().startswith("en"):
            return self.name_en
        return self.name


class WindowKind(models.TextChoices):
    GUIDE = "guide", _("0号导办窗口")
    SELF = "self", _("自办窗口")
    AGENT = "agent", _("中介代办窗口")
    GENERAL = "general", _("综合窗口")


class Window(models.Model):
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        on_delete=models.PROTECT,
        related_name="windows",
    )
    number = models.CharField(_("窗口号"), max_length=8)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    kind = models.CharField(
        _("类型"), max_length=10, choices=WindowKind.choices, default=WindowKind.SELF
    )
    queues = models.ManyToManyField(
        Queue, through="WindowQueue", verbose_name=_("服务队列"), related_name="windows"
    )
    is_open = models.BooleanField(_("已开窗"), default=False)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("当前窗口人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
    )
    opened_at = models.DateTimeField(_("开窗时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["point", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "number"], name="window_number_unique_in_point"
            )
        ]

    def __str__(self) -> str:
        return _("%(number)s 号窗口") % {"number": self.number}


class WindowQueue(models.Model):
    """Which queues a window serves, in priority order (lower position first)."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="window_queues")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="window_queues")
    position = models.PositiveSmallIntegerField(_("优先顺序"), default=0)

    class Meta:
        verbose_name = _("窗口服务队列")
        verbose_name_plural = _("窗口服务队列")
        ordering = ["window", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["window", "queue"], name="window_queue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.window_id}:{self.queue_id}@{self.position}"


class DailyCounter(models.Model):
    """The last number issued in a queue on a day (numbers restart at 1 every day)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="counters")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "day"], name="daily_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.day} {self.last}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    PARKED = "parked", _("暂挂（填表中）")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号未到")
    WALKED_OUT = "walked_out", _("离开未办")


LIVE_STATUSES = (
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.PARKED,
)


class TicketChannel(models.TextChoices):
    KIOSK = "kiosk", _("自助取号机")
    GUIDE = "guide", _("0号窗口导办员")
    ONLINE = "online", _("网上预约")
    API = "api", _("接口")
    APPOINTMENT = "booked", _("预约签到")


def new_ticket_token() -> str:
    return secrets.token_urlsafe(24)


class Ticket(models.Model):
    #: Not a column: the wait figures (windows, mean minutes, people ahead) read by the
    #: statement that issued the ticket on PostgreSQL, for the reply; None: read them when needed.
    issued_wait_figures: tuple[int, float | None, int] | None = None

    # queue and point have no index of their own: the composite indexes below start with them
    # (every index is written on every ticket issued)
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("队列"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        help_text=_("与队列所属网点相同（冗余存储以便按网点查询）"),
    )
    day = models.DateField(_("日期"), help_text=_("号码所属的日期（上海时间）"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=10)
    token = models.CharField(max_length=40, unique=True, default=new_ticket_token, editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    channel = models.CharField(
        _("取号渠道"), max_length=10, choices=TicketChannel.choices, default=TicketChannel.KIOSK
    )
    priority = models.BooleanField(_("优先（绿色通道）"), default=False)
    sort_at = models.DateTimeField(
        _("排队时间"), help_text=_("叫号顺序：取号时间，预约号为预约时段开始时间")
    )
    issued_at = models.DateTimeField(_("取号时间"))
    slot_start = models.DateTimeField(_("预约时段开始"), null=True, blank=True)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("首次叫号时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("过号时间"), null=True, blank=True)
    walked_out_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("叫号次数"), default=0)
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    transferred_from = models.ForeignKey(
        Queue,
        verbose_name=_("转自队列"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applicant_phone = models.CharField(_("手机号"), max_length=20, blank=True)
    precheck_token = models.CharField(
        _("预检结果"),
        max_length=48,
        blank=True,
        help_text=_("0号窗口预检的令牌（窗口工作台据此显示预检结果）"),
    )
    applicant = models.ForeignKey(
        "people.Applicant",
        verbose_name=_("个人申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    company = models.ForeignKey(
        "people.Company",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    agency = models.ForeignKey(
        "people.Agency",
        verbose_name=_("代办机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "day", "number"], name="ticket_number_unique"),
            models.UniqueConstraint(
                fields=["queue", "day", "applicant_phone"],
                condition=models.Q(status__in=["waiting", "called", "serving", "parked"])
                & ~models.Q(applicant_phone=""),
                name="one_live_ticket_per_phone_and_queue",
            ),
        ]
        indexes = [
            models.Index(fields=["queue", "status", "priority", "sort_at"]),
            models.Index(fields=["point", "day", "status"]),
            models.Index(fields=["point", "called_at"]),
            # the ticket a window is serving now (every window action looks it up)
            models.Index(
                fields=["window"],
                condition=models.Q(status__in=["called", "serving"]),
                name="ticket_at_window_now",
            ),
            # checked-in appointments waiting: called ahead of walk-ins (a probe per queue)
            models.Index(
                fields=["queue", "priority", "sort_at"],
                condition=models.Q(status="waiting", slot_start__isnull=False),
                name="ticket_booked_waiting",
            ),
            # the recent service times behind every wait estimate (the last 20 finished)
            models.Index(
                fields=["queue", "day", "-finished_at"],
                condition=models.Q(status="done"),
                name="ticket_recent_done",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)

    @property
    def wait_seconds(self) -> float | None:
        """Wait = first call − issue (appointments: first call − slot start, never negative)."""
        if self.first_called_at is None:
            return None
        start = self.slot_start or self.issued_at
        return max((self.first_called_at - start).total_seconds(), 0.0)


class TicketEvent(models.Model):
    """Append-only record of everything that happened to a ticket."""

    # indexed by (ticket, at) below
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("排队号事件")
        verbose_name_plural = _("排队号事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


# ------------------------------------------------------------------ appointments (预约)


class TicketAlert(models.Model):
    """Marks a ticket whose holder was told "3 ahead" so they are told once only
    (``queueing.notify``; the table keeps the name it had under ``tracking``)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="alert")
    ahead = models.PositiveSmallIntegerField(default=3)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tracking_ticketalert"
        verbose_name = _("叫号提醒")
        verbose_name_plural = _("叫号提醒")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.ahead}"


class Slot(models.Model):
    """A bookable time slot of one queue: ``capacity`` people, ``booked`` of them taken.

    ``booked`` only moves by conditional UPDATEs (``booked < capacity``), and the check
    constraint holds the rule in the database too: a slot is never overbooked."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("队列"), on_delete=models.CASCADE, related_name="slots"
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        on_delete=models.PROTECT,
        related_name="slots",
        db_index=False,
    )
    day = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["starts_at", "queue"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "starts_at"], name="slot_unique_in_queue"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["point", "day", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("爽约")


def new_appointment_token() -> str:
    return secrets.token_urlsafe(18)


class Appointment(models.Model):
    """One resident's booking of a slot, by phone number (and the account, when signed in)."""

    slot = models.ForeignKey(
        Slot, verbose_name=_("预约时段"), on_delete=models.PROTECT, related_name="appointments"
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("队列"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    day = models.DateField(_("日期"))
    phone = models.CharField(_("手机号"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    token = models.CharField(
        max_length=32, unique=True, default=new_appointment_token, editable=False
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    late = models.BooleanField(_("迟到"), default=False)
    created_at = models.DateTimeField(_("预约时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("排队号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-created_at", "-id"]
        constraints = [
            # one live booking per phone, queue and day (a second one must move the first)
            models.UniqueConstraint(
                fields=["queue", "day", "phone"],
                condition=models.Q(status="booked"),
                name="one_booking_per_phone_queue_day",
            ),
        ]
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["point", "day", "status"]),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.slot_id}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
