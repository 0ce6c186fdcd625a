"""The roles of the platform (foundation: every app, even those below ``people``, checks roles
with these values). A role is a Django group of the same name (``people`` migration 0002)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("办事群众")
    GUIDE = "guide", _("导办员")
    CLERK = "clerk", _("窗口受理人员")
    REVIEWER = "reviewer", _("后台审批人员")
    AGENT = "agent", _("中介代办员")
    SOCIAL_WORKER = "social_worker", _("全能社工")
    SPECIALIST = "specialist", _("服务专员")
    GRID_WORKER = "grid_worker", _("网格员")
    OPERATOR = "operator", _("指挥中心值班员")
    MANAGER = "manager", _("管理者")
    ADMIN = "admin", _("系统管理员")
