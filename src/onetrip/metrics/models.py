"""Citizen satisfaction (好差评): ratings at acceptance and completion, invitations, the
follow-up of a bad rating; and the daily roll-ups of the figures."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The five national 好差评 levels (政务服务“好差评”), stored as 5 … 1."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


#: levels that make a bad rating (差评): a follow-up is opened for the handling unit
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Stage(models.TextChoices):
    ACCEPT = "accept", _("受理时")
    COMPLETE = "complete", _("办结后")


#: the dimensions rated beside the overall level, (field, label)
DIMENSIONS = (
    ("efficiency", _("办事效率")),
    ("guidance", _("告知准确")),
    ("convenience", _("办事便利")),
    ("attitude", _("服务态度")),
)


def _level_field(label):
    return models.PositiveSmallIntegerField(label, choices=Level.choices, null=True, blank=True)


class Rating(models.Model):
    """One 好差评 of a case by its applicant, at acceptance or after completion. ``score`` is
    the overall level (5 非常满意 … 1 非常不满意); the dimensions are optional. Staff, matters,
    points and departments are rated through their cases (``staff``: who handled that stage)."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="ratings"
    )
    stage = models.CharField(
        _("评价环节"), max_length=10, choices=Stage.choices, default=Stage.COMPLETE
    )
    score = models.PositiveSmallIntegerField(
        _("总体评价"),
        choices=Level.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    efficiency = _level_field(_("办事效率"))
    guidance = _level_field(_("告知准确"))
    convenience = _level_field(_("办事便利"))
    attitude = _level_field(_("服务态度"))
    comment = models.CharField(_("评价内容"), max_length=500, blank=True)
    at = models.DateTimeField(_("评价时间"), db_index=True)
    via = models.CharField(_("评价渠道"), max_length=10, blank=True)  # tracking | sms | account
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被评价人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings_received",
    )

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
            models.UniqueConstraint(fields=["case", "stage"], name="rating_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}: {self.score}"

    @property
    def bad(self) -> bool:
        return self.score in BAD_LEVELS


class RatingInvite(models.Model):
    """The one invitation to rate an unrated, finished case (sent once, by the sweep)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.COMPLETE)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="rating_invite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class FollowUpState(models.TextChoices):
    OPEN = "open", _("待回访")
    CALLED_BACK = "called_back", _("已回访")
    FIXED = "fixed", _("已整改")
    EXPLAINED = "explained", _("已解释说明")
    APPEALED = "appealed", _("申诉中")
    DISMISSED = "dismissed", _("申诉成立（恶意差评）")
    CLOSED = "closed", _("已反馈办结")


class FollowUp(models.Model):
    """差评整改: a bad rating's follow-up by the handling unit, due in working days: call the
    applicant back, then fix / explain / appeal a malicious rating, then report back."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("评价"), on_delete=models.CASCADE, related_name="follow_up"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "catalogue.ServicePoint", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    named = models.BooleanField(
        _("实名"), default=False, help_text=_("评价人可联系（有手机号或登录账号）")
    )
    opened_at = models.DateTimeField(_("发起时间"))
    due = models.DateField(_("整改期限"))
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    resolution_note = models.TextField(_("整改/解释/申诉说明"), blank=True)
    report_note = models.TextField(_("反馈内容"), blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["district", "state", "due"], name="followup_open_due")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.state}"


# -- daily roll-ups (see ``metrics.rollups``) --------------------------------------------------
#
# Plain id columns instead of foreign keys: the rows are derived data, rebuilt at will, and
# written in bulk; a catalogue row they name is never deleted while cases point at it.


class RollupRow(models.Model):
    """What every roll-up row starts with: the district, the span (``day``: a local day, or the
    first day of its week or month) and the point. One index per table on (district, day)."""

    district_id = models.IntegerField()
    day = models.DateField()
    point_id = models.IntegerField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["district_id", "day"], name="%(app_label)s_%(class)s_day")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.point_id}"


class CaseKeyRow(RollupRow):
    """The key of the rows counted per case: beside the point, its department, matter, agency,
    applicant kind (company or not) and channel."""

    department_id = models.IntegerField()
    matter_id = models.IntegerField()
    agency_id = models.IntegerField(null=True)
    company = models.BooleanField()
    channel = models.CharField(max_length=12)

    class Meta(RollupRow.Meta):
        abstract = True


class WeekTotalRow(RollupRow):
    """Weekly totals: per point, and the whole district in the rows whose point_id is NULL."""

    day = models.DateField(help_text="the Monday")
    # nullable here only (the district's own rows): the stubs type the base's column as int
    point_id = models.IntegerField(  # type: ignore[assignment]
        null=True, help_text="NULL: every point of the district"
    )

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["district_id", "point_id", "day"], name="%(app_label)s_%(class)s_pt"
            )
        ]


class CaseFigures(models.Model):
    """The case counts summed by every case roll-up (``metrics.raw.CASE_COUNTS``)."""

    cases = models.IntegerField()
    intake_decided = models.IntegerField()
    accepted = models.IntegerField()
    refused = models.IntegerField()
    first_pass = models.IntegerField()
    supplemented = models.IntegerField()
    one_go = models.IntegerField()
    company_supplemented = models.IntegerField()
    company_one_go = models.IntegerField()
    zero_visit = models.IntegerField()
    one_visit = models.IntegerField()
    two_plus_visits = models.IntegerField()
    local = models.IntegerField()
    overdue = models.IntegerField()
    errors = models.IntegerField()
    with_precheck = models.IntegerField()
    first_pass_precheck = models.IntegerField()
    visits = models.IntegerField()

    class Meta:
        abstract = True


class WaitFigures(models.Model):
    """Waits in bins: ``n`` tickets whose wait falls in ``[bin, bin + width)`` minutes
    (``rollups.bin_width``) and the sum of their exact waits in seconds (so the average stays
    exact)."""

    bin = models.IntegerField()
    n = models.IntegerField()
    wait_sum = models.FloatField()

    class Meta:
        abstract = True


class RatingFigures(models.Model):
    ratings = models.IntegerField()
    score_sum = models.IntegerField()
    satisfied = models.IntegerField()

    class Meta:
        abstract = True


class CaseCounts(CaseKeyRow, CaseFigures):
    """Counts of the cases submitted in one span (a local day, or a month: ``day`` is then its
    first day), per point, department, matter, agency, applicant kind and channel. Columns as
    ``metrics.raw.case_aggregates(today=None)``."""

    overdue = models.IntegerField(help_text="flagged or decided late (the settled part)")

    class Meta(CaseKeyRow.Meta):
        abstract = True
        indexes = [
            *CaseKeyRow.Meta.indexes,
            # a department or matter cut reads its own rows only
            models.Index(
                fields=["district_id", "department_id", "day"], name="%(app_label)s_%(class)s_dept"
            ),
            models.Index(
                fields=["district_id", "matter_id", "day"], name="%(app_label)s_%(class)s_matter"
            ),
        ]


class CaseDay(CaseCounts):
    pass


class CaseMonth(CaseCounts):
    """The daily rows summed per month (whole months of a period are read from here)."""


class CaseWeek(CaseCounts):
    """The daily rows summed per week, Monday to Sunday (``day`` is the Monday): the whole
    weeks of a period and the dashboard's weekly trends are read from here."""


class WaitCounts(RollupRow, WaitFigures):
    """Called tickets issued in one span (a local day or a month), per point, queue and agency,
    in wait bins (``WaitFigures``)."""

    queue_id = models.IntegerField()
    agency_id = models.IntegerField(null=True)

    class Meta(RollupRow.Meta):
        abstract = True
        indexes = [
            *RollupRow.Meta.indexes,
            # a department or matter cut reads its queues' rows only
            models.Index(
                fields=["district_id", "queue_id", "day"], name="%(app_label)s_%(class)s_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.point_id} {self.bin}"


class WaitDay(WaitCounts):
    pass


class WaitMonth(WaitCounts):
    pass


class WaitWeek(WaitCounts):
    pass


class RatingCounts(CaseKeyRow, RatingFigures):
    """Ratings given in one span (a local day or a month), per the rated case's point,
    department, matter, agency, applicant kind and channel."""

    class Meta(CaseKeyRow.Meta):
        abstract = True


class RatingDay(RatingCounts):
    pass


class RatingMonth(RatingCounts):
    pass


class RatingWeek(RatingCounts):
    pass


# -- weekly totals for the trends: per point, and the whole district in the rows whose
# point_id is NULL; only the sums, no other key (a scope cut by nothing but a point reads its
# trend here: 52 rows a year instead of every weekly row of every key)


class CaseWeekTotal(WeekTotalRow, CaseFigures):
    pass


class WaitWeekTotal(WeekTotalRow, WaitFigures):
    pass


class RatingWeekTotal(WeekTotalRow, RatingFigures):
    pass


# -- per-key roll-ups: the case and rating rows of every grain summed per single key (point,
# department, matter or agency: ``dim`` p, d, m or a), keeping only the applicant kind and the
# channel beside it. A scope cut by nothing but the applicant kind or the channel reads its
# totals, breakdowns and trend here: a month of the district is ~350 rows instead of ~4,400.


class KeyCounts(models.Model):
    district_id = models.IntegerField()
    grain = models.CharField(max_length=1, help_text="d: a day, w: a week, m: a month")
    day = models.DateField(help_text="the day, the Monday or the first of the month")
    dim = models.CharField(max_length=1, help_text="p: point, d: department, m: matter, a: agency")
    key = models.IntegerField(null=True, help_text="the point, department, matter or agency id")
    company = models.BooleanField()
    channel = models.CharField(max_length=12)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.district_id} {self.grain} {self.day} {self.dim}{self.key}"


class CaseKey(KeyCounts, CaseFigures):
    class Meta:
        indexes = [models.Index(fields=["district_id", "grain", "day"], name="metrics_casekey_day")]


class RatingKey(KeyCounts, RatingFigures):
    class Meta:
        indexes = [
            models.Index(fields=["district_id", "grain", "day"], name="metrics_ratingkey_day")
        ]


class RollupMark(models.Model):
    """How far the roll-ups have read a source table: the highest id seen."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name} {self.last_id}"
