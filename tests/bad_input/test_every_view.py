"""Issue 15, Must show 1 (pages): every HTML view the URL conf routes to gets NUL bytes,
100,000-character strings, non-numeric, negative and huge ids and non-ASCII text, in its path,
its query string and its form fields, anonymously and signed in (the applicant who owns the
case, and a staff user holding every role): no response is a 5xx, and nothing is written: every
table's row count (all models) is taken after every request, and a request refused (4xx) or
carrying a value no input may carry (NUL, over-long text) must have changed none.

The routes come from the URL conf and the field names from each view's own module (what it
reads from ``request.GET``/``request.POST`` and the fields of the forms in its app), so a new
page is covered the day it is added."""

from __future__ import annotations

import importlib
import inspect
import re
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.bad_input import world as bw

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: Not pages of the platform: the API (its own suite), Django's admin (its own test below), and
#: language switching.
SKIP_PREFIXES = ("api/", "^api/", "admin/", "i18n/")
#: Path parameter converters and the bad values each may receive (an ``int`` converter only
#: matches digits; a ``slug`` only ASCII letters, digits, ``-`` and ``_``).
PATH_BAD = {
    "int": ["99999999999999999999", "9223372036854775808", "0"],
    "slug": ["x" * 10_000, "1e20", "abc"],
    "str": ["x" * 10_000, "é漢字", "99999999999999999999", "a%00b"],
    "path": ["x" * 10_000],
    "re": ["x" * 10_000, "99999999999999999999"],
}
_READS = re.compile(r"""\b(?:GET|POST|FILES)(?:\.get|\.getlist)?\(\s*f?["']([A-Za-z_][\w]*)["']""")
_ITEMS = re.compile(r"""\b(?:GET|POST)\[\s*["']([A-Za-z_]\w*)["']\s*\]""")
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    for route, callback in walk(get_resolver().url_patterns):
        if not route.startswith(SKIP_PREFIXES):
            yield route, callback


def _module_of(callback):
    view = getattr(callback, "view_class", None) or callback
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return inspect.getmodule(view)


_NAMES: dict[str, list[str]] = {}


def field_names(callback) -> list[str]:
    """What the view's module reads from the request, and the fields of its app's forms
    (the fields of the forms on the page itself are added from the page: ``_form_names``)."""
    module = _module_of(callback)
    if module is None:
        return []
    if module.__name__ not in _NAMES:
        names: set[str] = {"page"}
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            source = ""
        names.update(_READS.findall(source))
        names.update(_ITEMS.findall(source))
        package = module.__name__.rsplit(".", 2 if module.__name__.count(".") > 2 else 1)[0]
        for candidate in (module.__name__, f"{package}.forms"):
            try:
                mod = importlib.import_module(candidate)
            except ImportError:
                continue
            for obj in vars(mod).values():
                if inspect.isclass(obj) and issubclass(obj, forms.BaseForm):
                    names.update(getattr(obj, "base_fields", {}))
        _NAMES[module.__name__] = sorted(names)
    return _NAMES[module.__name__]


_FORM_FIELD = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*\bname=["']([^"'{}]+)["']""")


def _form_names(client: Client, url: str) -> set[str]:
    """The names of the fields of the forms on the page (as this caller sees it)."""
    resp = client.get(url)
    if resp.status_code != 200 or "html" not in resp.get("Content-Type", ""):
        return set()
    return set(_FORM_FIELD.findall(resp.content.decode(errors="replace"))) - {"csrfmiddlewaretoken"}


def _fill(route: str, real: dict, bad: tuple[str, str] | None = None) -> list[str]:
    """The route with every parameter filled: a real value, or ``bad`` = (name, value). A
    parameter with several real values (``console`` actions) gives one URL per value."""
    first = route.lstrip("^").split("/", 1)[0]
    path = route.lstrip("^").rstrip("$").replace("\\.", ".")
    urls = []
    for i in range(8):
        more = False

        def one(m: re.Match, i=i) -> str:
            nonlocal more
            name = m.group(2) or m.group(3)
            if bad is not None and bad[0] == name:
                return quote(bad[1], safe="%")
            value = real.get((first, name), "1")
            if isinstance(value, list):
                more = more or i + 1 < len(value)
                value = value[min(i, len(value) - 1)]
            return quote(value)

        urls.append("/" + _PARAM.sub(one, path))
        if not more:
            return urls
    return urls


def _converter(route: str, name: str) -> str:
    for m in _PARAM.finditer(route):
        if (m.group(2) or m.group(3)) == name:
            return "re" if m.group(3) else (m.group(1) or "str")
    raise AssertionError(name)


class Probe:
    """Sends requests, remembers every 5xx with the exception behind it, and every write a
    refused (4xx) request or a value no input may carry (``never``) made."""

    def __init__(self):
        self.failures: list[str] = []
        self.writes: list[str] = []
        self.sent = 0
        self.reached = set()
        self._last_exc: list[BaseException] = []
        self.counts = bw.row_counts()
        got_request_exception.connect(self._caught)

    def resync(self) -> None:
        """After requests that may write (plain visits), count from here."""
        self.counts = bw.row_counts()

    def _caught(self, sender, request=None, **kw):
        import sys

        self._last_exc.append(sys.exc_info()[1])

    def close(self):
        got_request_exception.disconnect(self._caught)

    def send(
        self, client: Client, who: str, method: str, url: str, data=None, never=False, refused=None
    ) -> int:
        """``never``: the value may not be written whatever the answer; ``refused(status)``:
        which answers refused the request (default: 4xx)."""
        self._last_exc.clear()
        self.sent += 1
        if method == "GET":
            resp = client.get(url, data)
        else:
            resp = client.post(url, data or {})
        after = bw.row_counts()
        diff = bw.changed(self.counts, after)
        self.counts = after
        was_refused = refused(resp.status_code) if refused else resp.status_code >= 400
        if diff and (was_refused or never):
            shown = url if len(url) < 160 else url[:160] + "…"
            self.writes.append(f"{resp.status_code} {method} {shown} as {who}: {diff}")
        if resp.status_code >= 500:
            exc = self._last_exc[-1] if self._last_exc else None
            shown = url if len(url) < 160 else url[:160] + "…"
            keys = sorted(data or {})[:8]
            self.failures.append(
                f"{resp.status_code} {method} {shown} as {who} fields={keys}: {exc!r}"[:600]
            )
        return resp.status_code


def _clients(w) -> dict[str, Client]:
    out = {"anonymous": Client(raise_request_exception=False)}
    for name, user in (("applicant", w.boss), ("staff", w.omni)):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        out[name] = client
    return out


@pytest.fixture
def quiet_logs():
    with bw.quiet("django.request", "django.security", "django.security.DisallowedRedirect"):
        yield


def test_no_page_answers_5xx_to_bad_input_and_nothing_is_written(settings, quiet_logs):
    settings.ONETRIP_DEMO = True  # the demo pages too
    w = bw.build()
    real = bw.real_path_values(w)
    clients = _clients(w)
    probe = Probe()
    routes = list(_routes())
    assert len(routes) > 100  # the URL conf, not a hand list
    try:
        for route, callback in routes:
            names = field_names(callback)
            params = [m.group(2) or m.group(3) for m in _PARAM.finditer(route)]
            urls = _fill(route, real)
            # a plain visit first (it may write what any visit writes, e.g. a pending device on
            # the second-factor setup page); it also gives the names of the page's form fields
            names = sorted(set(names).union(*(_form_names(c, urls[0]) for c in clients.values())))
            probe.resync()
            # bad path values, one parameter at a time (as staff: anonymous callers mostly
            # meet the sign-in redirect, and the public token pages look the same to staff)
            for who in ("staff",):
                for name in params:
                    for value in PATH_BAD[_converter(route, name)]:
                        bad_url = _fill(route, real, (name, value))[0]
                        probe.send(clients[who], who, "GET", bad_url)
                        probe.send(clients[who], who, "POST", bad_url)
            # every field the view may read and every field of the forms on the page, all at
            # once, with each bad value
            for who, client in clients.items():
                for url in urls:
                    for key in bw.NEVER_VALID:
                        data = {n: bw.BAD_TEXT[key] for n in names}
                        probe.send(client, who, "GET", url + "?" + urlencode(data), never=True)
                        probe.send(client, who, "POST", url, data, never=True)
            for who in ("anonymous", "staff"):
                client = clients[who]
                for url in urls:
                    for key in ("non_ascii", "float_id", "huge_id"):
                        value = bw.BAD_TEXT[key]
                        data = {n: value for n in names}
                        if probe.send(client, who, "GET", url + "?" + urlencode(data)) < 400:
                            probe.reached.add(route)
                        probe.send(client, who, "POST", url, data)
    finally:
        probe.close()
    print(f"{probe.sent} requests to {len(routes)} routes ({len(probe.reached)} answered 2xx/3xx)")
    assert not probe.failures, f"{len(probe.failures)} responses >= 500:\n" + "\n".join(
        probe.failures
    )
    assert not probe.writes, "written by refused or never-valid input:\n" + "\n".join(probe.writes)
