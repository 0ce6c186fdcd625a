"""Pluggable senders: how a rendered notice leaves the platform.

A sender is any object with ``send(notice) -> str`` that returns the provider's message id
and raises (preferably ``SendError``) when delivery failed; it is registered in ``SENDERS`` (an
``onetrip.registry.Registry``: a name taken twice raises) with ``@register("name")`` (on a
class, which is instantiated once, or on a function). Which sender a
channel uses comes from ``settings.ONETRIP_NOTICE_SENDERS`` (``{"sms": "http", ...}``); SMS falls
back to ``settings.ONETRIP_SMS_BACKEND`` and everything else to ``console``.

Built-ins:

``console``  logs the message (recipient masked) — the demo backend; the stored notice is what
             the demo phone inbox page (/demo/sms/) shows.
``outbox``   only stores it (the notice row is the outbox); for pages and tests.
``failing``  always fails; for tests of retries and back-off.
``http``     the contract for a real SMS gateway (see ``HttpSender``); never called in tests.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from onetrip.registry import Registry

if TYPE_CHECKING:
    from onetrip.notices.models import Notice

logger = logging.getLogger("onetrip.notices")


class SendError(Exception):
    """Delivery failed; the message is kept as the notice's ``last_error``."""


class Sender(Protocol):
    def send(self, notice: Notice) -> str: ...


def _check(name: str, sender: Any) -> None:
    if not callable(getattr(sender, "send", None)):
        raise ImproperlyConfigured(f"sender {name!r}: needs a send(notice) method")


SENDERS: Registry[Sender] = Registry("notice senders", check=_check)


@dataclass(frozen=True)
class _FunctionSender:
    fn: Callable[[Notice], str]

    def send(self, notice: Notice) -> str:
        return self.fn(notice)


def register(name: str):
    """Class or function decorator adding a sender under ``name``."""

    def decorate(obj):
        SENDERS.add(name, obj() if isinstance(obj, type) else _FunctionSender(obj))
        return obj

    return decorate


def get_sender(name: str) -> Sender:
    sender = SENDERS.find(name)
    if sender is None:
        raise SendError(f"no sender registered as {name!r}")
    return sender


def sender_for_channel(channel: str) -> str:
    configured = settings.ONETRIP_NOTICE_SENDERS or {}
    if channel in configured:
        return configured[channel]
    if channel == "sms":
        return settings.ONETRIP_SMS_BACKEND or "console"
    return "console"


@register("console")
class ConsoleSender:
    def send(self, notice: Notice) -> str:
        logger.info(
            "notice %s via %s to %s: %s",
            notice.pk,
            notice.channel,
            notice.masked_recipient,
            notice.text,
        )
        return f"console-{notice.pk}"


@register("outbox")
class OutboxSender:
    def send(self, notice: Notice) -> str:
        return f"outbox-{notice.pk}"


@register("failing")
class FailingSender:
    def send(self, notice: Notice) -> str:
        raise SendError("simulated gateway failure (failing sender)")


@register("http")
class HttpSender:
    """Contract for a real SMS/WeChat gateway, configured from the environment.

    ``ONETRIP_SMS_HTTP_URL``    endpoint; the platform POSTs JSON
                                ``{"id": "<uuid>", "to": "...", "channel": "sms",
                                "template": "case_accepted", "text": "...", "notice": 42}``
    ``ONETRIP_SMS_HTTP_TOKEN``  sent as ``Authorization: Bearer <token>``
    ``ONETRIP_SMS_HTTP_TIMEOUT`` seconds (default 10)

    The gateway answers 2xx with ``{"id": "<provider message id>"}``; any other status, a
    timeout or a malformed body is a failure and the notice is retried with back-off. The
    ``id`` field is an idempotency key: the gateway must not deliver the same key twice.
    """

    def send(self, notice: Notice) -> str:
        import urllib.error
        import urllib.request

        url = settings.ONETRIP_SMS_HTTP_URL
        if not url:
            raise SendError("ONETRIP_SMS_HTTP_URL is not set")
        body = json.dumps(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"onetrip-notice-{notice.pk}")),
                "to": notice.recipient,
                "channel": notice.channel,
                "template": notice.template,
                "text": notice.text,
                "notice": notice.pk,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.ONETRIP_SMS_HTTP_TOKEN}",
            },
        )
        timeout = float(settings.ONETRIP_SMS_HTTP_TIMEOUT)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SendError(f"gateway error: {exc}") from exc
        provider_id = str(payload.get("id") or "")
        if not provider_id:
            raise SendError("gateway answered without a message id")
        return provider_id
