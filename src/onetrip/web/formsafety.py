"""Django's own form code that answered 500 to bad ids (issue 15, found by the admin's
bad-input suite, tests/bad_input/test_admin_forms.py), made to refuse them as invalid choices:

- a model choice (``ModelChoiceField``, ``ModelMultipleChoiceField``) given an id past the
  64-bit range: SQLite raised ``OverflowError`` from the lookup, which Django does not catch
  (it catches ``ValueError``/``TypeError``);
- the admin's autocomplete widget re-rendering a refused form: it looks the submitted values up
  as they are, so ``abc`` or a huge number raised from the query instead of being left out.

``onetrip.web.apps`` installs these once at start-up."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import models as form_models


def _valid_key(field, value) -> bool:
    """Whether ``value`` can be looked up in ``field`` (a model field) at all."""
    try:
        field.get_prep_value(field.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    if field.get_internal_type() in (
        "AutoField",
        "BigAutoField",
        "IntegerField",
        "BigIntegerField",
    ):
        from onetrip.db import MAX_ID

        return abs(int(field.to_python(value))) <= MAX_ID
    return True


def install() -> None:
    choice_to_python = form_models.ModelChoiceField.to_python
    if getattr(choice_to_python, "_onetrip", False):
        return

    def to_python(self, value):
        try:
            return choice_to_python(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    to_python._onetrip = True  # type: ignore[attr-defined]
    form_models.ModelChoiceField.to_python = to_python  # type: ignore[method-assign]

    check_values = form_models.ModelMultipleChoiceField._check_values  # type: ignore[attr-defined]

    def _check_values(self, value):
        try:
            return check_values(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": "…"}
            ) from None

    form_models.ModelMultipleChoiceField._check_values = _check_values  # type: ignore[attr-defined]

    from django.contrib.admin import widgets

    optgroups = widgets.AutocompleteMixin.optgroups

    def autocomplete_optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        key = opts.get_field(getattr(remote, "field_name", opts.pk.attname))
        value = [v for v in value if v in (None, "") or _valid_key(key, v)]
        return optgroups(self, name, value, attr)

    widgets.AutocompleteMixin.optgroups = autocomplete_optgroups  # type: ignore[method-assign]
