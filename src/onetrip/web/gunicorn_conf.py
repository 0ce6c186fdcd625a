"""gunicorn settings ``onetrip serve`` (and deploy/) pass with ``--config
python:onetrip.web.gunicorn_conf``: no ``Server`` banner (issue 15: every response said
``Server: gunicorn``, naming the software to whoever probes for known holes).

gunicorn has no setting for it, so its response's default header lines lose the ``Server``
one. The master loads this file before forking its workers, which inherit the change."""

from __future__ import annotations

from gunicorn.http import wsgi as _wsgi

_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


if getattr(_wsgi.Response.default_headers, "__name__", "") != "_without_server_banner":
    _wsgi.Response.default_headers = _without_server_banner
