"""Helpers shared by the server-rendered pages (the API has its own error mapping)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.errors import DomainError


def forbidden_page(request: HttpRequest, message: object, *, status: int = 403) -> HttpResponse:
    """A refusal as a page in the site's layout, saying why, with a way home (not bare text)."""
    return render(request, "onetrip/forbidden.html", {"message": message}, status=status)


def flash_posted(request: HttpRequest, write: Callable[[], object], *, done: str = "") -> bool:
    """Run a posted form's ``write`` and say how it went on the next page: its refusal (a
    ``DomainError``) as an error message, else the message ``write`` returns (when it returns
    text) or ``done``. True when the write went through."""
    try:
        result = write()
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return False
    message = result if isinstance(result, str) and result else done
    if message:
        messages.success(request, message)
    return True
