"""一张网: the grid. Streets and communities are service points; each community is cut into
grid cells, each with its grid workers. Every incident belongs to one cell."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DistrictBounds(models.Model):
    """The district's bounding box: reported coordinates outside it are refused."""

    district = models.OneToOneField(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        related_name="safety_bounds",
        limit_choices_to={"level": "district"},
    )
    south = models.DecimalField(_("南界纬度"), max_digits=9, decimal_places=6)
    north = models.DecimalField(_("北界纬度"), max_digits=9, decimal_places=6)
    west = models.DecimalField(_("西界经度"), max_digits=9, decimal_places=6)
    east = models.DecimalField(_("东界经度"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("辖区范围")
        verbose_name_plural = _("辖区范围")

    def __str__(self) -> str:
        return str(self.district)

    def contains(self, lat: float, lon: float) -> bool:
        return float(self.south) <= lat <= float(self.north) and float(self.west) <= lon <= float(
            self.east
        )


class GridCell(models.Model):
    """One grid cell (网格) of a community, looked after by its grid workers."""

    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    community = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="grid_cells",
        limit_choices_to={"level": "community"},
    )
    code = models.SlugField(_("网格编码"), max_length=40, unique=True)
    name = models.CharField(_("网格名称"), max_length=100)
    roads = models.CharField(
        _("包含道路"),
        max_length=300,
        blank=True,
        help_text=_("逗号分隔，例如 东坡路,平海路；按地址定位网格时使用"),
    )
    latitude = models.DecimalField(_("中心纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("中心经度"), max_digits=9, decimal_places=6)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("网格员"), blank=True, related_name="grid_cells"
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [models.Index(fields=["district", "community"])]

    def __str__(self) -> str:
        return f"{self.community.name}·{self.name}"

    def save(self, *args, **kwargs):
        self.district_id = self.community.district_id
        super().save(*args, **kwargs)

    @property
    def street(self):
        return self.community.parent

    def road_list(self) -> list[str]:
        return [r.strip() for r in self.roads.replace("，", ",").split(",") if r.strip()]
