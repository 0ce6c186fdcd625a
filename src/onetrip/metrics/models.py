"""Citizen satisfaction (满意度评价): one rating per case, by its applicant."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Rating(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("评价内容"), max_length=500, blank=True)
    at = models.DateTimeField(_("评价时间"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


# -- daily roll-ups (see ``metrics.rollups``) --------------------------------------------------
#
# Plain id columns instead of foreign keys: the rows are derived data, rebuilt at will, and
# written in bulk; a catalogue row they name is never deleted while cases point at it.


class CaseCounts(models.Model):
    """Counts of the cases submitted in one span (a local day, or a month: ``day`` is then its
    first day), per point, department, matter, agency, applicant kind and channel. Columns as
    ``metrics.raw.case_aggregates(today=None)``."""

    district_id = models.IntegerField()
    day = models.DateField()
    point_id = models.IntegerField()
    department_id = models.IntegerField()
    matter_id = models.IntegerField()
    agency_id = models.IntegerField(null=True)
    company = models.BooleanField()
    channel = models.CharField(max_length=12)

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
    overdue = models.IntegerField(help_text="flagged or decided late (the settled part)")
    errors = models.IntegerField()
    with_precheck = models.IntegerField()
    first_pass_precheck = models.IntegerField()
    visits = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.point_id}"


class CaseDay(CaseCounts):
    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_caseday_day")]


class CaseMonth(CaseCounts):
    """The daily rows summed per month (whole months of a period are read from here)."""

    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_casemonth_day")]


class WaitCounts(models.Model):
    """Called tickets issued in one span (a local day or a month), per point, queue and agency,
    in wait bins: ``n`` tickets whose wait falls in ``[bin, bin + width)`` minutes
    (``rollups.bin_width``) and the sum of their exact waits in seconds (so the average stays
    exact)."""

    district_id = models.IntegerField()
    day = models.DateField()
    point_id = models.IntegerField()
    queue_id = models.IntegerField()
    agency_id = models.IntegerField(null=True)
    bin = models.IntegerField()
    n = models.IntegerField()
    wait_sum = models.FloatField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.point_id} {self.bin}"


class WaitDay(WaitCounts):
    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_waitday_day")]


class WaitMonth(WaitCounts):
    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_waitmonth_day")]


class RatingCounts(models.Model):
    """Ratings given in one span (a local day or a month), per the rated case's point,
    department, matter, agency, applicant kind and channel."""

    district_id = models.IntegerField()
    day = models.DateField()
    point_id = models.IntegerField()
    department_id = models.IntegerField()
    matter_id = models.IntegerField()
    agency_id = models.IntegerField(null=True)
    company = models.BooleanField()
    channel = models.CharField(max_length=12)
    ratings = models.IntegerField()
    score_sum = models.IntegerField()
    satisfied = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.point_id}"


class RatingDay(RatingCounts):
    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_ratingday_day")]


class RatingMonth(RatingCounts):
    class Meta:
        indexes = [models.Index(fields=["district_id", "day"], name="metrics_ratingmonth_day")]


class RollupMark(models.Model):
    """How far the roll-ups have read a source table: the highest id seen."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name} {self.last_id}"
