"""The WSGI application as ``onetrip serve`` hands it to granian: without a ``Server`` banner
(issue 15: every response said ``Server: granian``, naming the software to whoever probes for
known holes; HAProxy drops the header in deploy/, this covers granian serving directly).

Granian has no setting for it: it adds ``server: granian`` only when the application sent no
``Server`` header of its own (``headers.entry(SERVER).or_insert(…)`` in its Rust response
code), so the application sends one, empty."""

from __future__ import annotations

from onetrip.wsgi import application as _django


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        if not any(name.lower() == "server" for name, _ in headers):
            headers = [*headers, ("Server", "")]
        if exc_info is None:
            return start_response(status, headers)
        return start_response(status, headers, exc_info)

    return _django(environ, start)
