from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

from onetrip.db import over_long_fields
from onetrip.errors import ValidationFailed


def refuse_over_long(instance) -> None:
    """Raise ``ValidationFailed`` (422, nothing written) when a text value is longer than its
    model field allows. It runs before every save and insert: its imports are the module's."""
    found = over_long_fields(instance)
    if found:
        raise ValidationFailed(
            _("输入过长，请缩短后重试。"),
            code="too_long",
            fields={name: [_("最多 %(n)d 个字。") % {"n": n}] for name, n in found.items()},
        )


def _before_save(sender, instance, raw=False, **kwargs):
    if not raw:  # fixtures load as they are
        refuse_over_long(instance)


class WebConfig(AppConfig):
    name = "onetrip.web"
    label = "web"
    verbose_name = "网站"

    def ready(self) -> None:
        # Django's form code that answered 500 to bad ids (issue 15): invalid choices instead.
        from onetrip.web import formsafety

        formsafety.install()
        # One place for over-long text (issue 15): every save checks its text values against
        # the model's own max_length (the ORM through pre_save, the one-statement hot paths
        # through onetrip.db.BEFORE_INSERT), so a 61-character applicant name is a 422 on both
        # databases instead of a PostgreSQL 500 or 20,000 characters stored by SQLite.
        from onetrip.db import BEFORE_INSERT

        pre_save.connect(_before_save, dispatch_uid="onetrip.refuse_over_long")
        if refuse_over_long not in BEFORE_INSERT:
            BEFORE_INSERT.append(refuse_over_long)
