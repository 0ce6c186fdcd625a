"""Issue 15, Must show 1 (the admin): every add and change form of Django's admin, as a
superuser, gets NUL bytes, 100,000-character strings, text longer than any column, non-numeric,
negative and huge ids and non-ASCII text in its fields: no response is a 5xx, and nothing is
written unless the admin saved (a form it refuses answers 200 with its errors, or 4xx, and must
change no table's row count; NUL and over-long text never save).

The forms come from the admin site's registry, the fields from each form as the page renders it
(inline formsets' management fields included, so the inlines are validated too): a model
registered tomorrow is covered the day it is added."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.bad_input import world as bw
from tests.bad_input.test_every_view import Probe
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: One value for every field at once: each field's own cleaning meets it (Django cleans every
#: field of a form, whatever the others hold), and the form is shown again with its errors.
ALL_AT_ONCE = {
    **{k: bw.BAD_TEXT[k] for k in ("nul", "long", "non_ascii", "not_a_number", "huge_id")},
    "float_id": "1e20",
    "negative": "-1",
    "over_column": "x" * 1000,
}
NEVER_SAVED = ("nul", "long")


class _FormFields(HTMLParser):
    """The fields of the admin's form as a browser would submit it unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.editable: list[str] = []
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(name, a.get("value") or "")
            if kind not in ("hidden", "checkbox", "radio"):
                self.editable.append(name)
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self.editable.append(name)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._add(self._select, value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")
            self.editable.append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def _form(client: Client, url: str) -> _FormFields | None:
    resp = client.get(url)
    if resp.status_code != 200:
        return None
    parsed = _FormFields()
    parsed.feed(resp.content.decode(errors="replace"))
    return parsed if parsed.data else None


def _not_saved(status: int) -> bool:
    """The admin answers a save with a redirect; anything else refused the form."""
    return status != 302


def _forms(w) -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return urls


@pytest.fixture
def quiet_logs():
    with bw.quiet("django.request", "django.security"):
        yield


def test_no_admin_form_answers_5xx_to_bad_input_and_refused_ones_write_nothing(quiet_logs):
    w = bw.build()
    root = make_user("root-bad-input", is_superuser=True, is_staff=True)
    client = Client(raise_request_exception=False)
    client.force_login(root)
    urls = _forms(w)
    assert len(urls) > 40  # the admin's registry, not a hand list
    probe = Probe()
    reached = 0
    try:
        for url in urls:
            form = _form(client, url)
            if form is None:
                continue
            reached += 1
            if not form.editable:  # every field read-only: a POST carries no value at all
                continue
            probe.resync()
            for key, value in ALL_AT_ONCE.items():
                data = dict(form.data)
                for name in form.editable:
                    data[name] = [value]
                never = key in NEVER_SAVED
                probe.send(client, "root", "POST", url, data, never=never, refused=_not_saved)
    finally:
        probe.close()
    print(f"{probe.sent} requests to {reached} of {len(urls)} admin forms")
    assert reached > 40
    assert not probe.failures, f"{len(probe.failures)} responses >= 500:\n" + "\n".join(
        probe.failures
    )
    assert not probe.writes, "written by refused input:\n" + "\n".join(probe.writes)
