"""A service hall for the deployment smoke test (deploy/local-up.sh): a district open around
the clock, one queue, a window with its clerk, and a district manager, each with an API token.
Prints the ids and tokens as JSON. Run with DJANGO_SETTINGS_MODULE=onetrip.settings."""

import datetime as dt
import json
import secrets

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402

from onetrip.catalogue.models import ServicePoint  # noqa: E402
from onetrip.people.models import User  # noqa: E402
from onetrip.people.services import api_token_create  # noqa: E402
from onetrip.queueing.services import queue_create, window_create  # noqa: E402

city = ServicePoint.objects.create(code="smoke-city", name="城市", level="city")
district = ServicePoint.objects.create(
    code="smoke",
    name="冒烟测试区",
    level="district",
    parent=city,
    opens_at=dt.time(0, 0),
    closes_at=dt.time(23, 59, 59),
    open_weekdays="1234567",
    open_on_holidays=True,
)
queue = queue_create(point=district, code="A", name="企业自办")
window = window_create(point=district, number="1", kind="self", queues=[queue])
password = secrets.token_urlsafe(18)  # the smoke test signs in with tokens only
clerk = User.objects.create_user(username="smoke-clerk", password=password, point=district)
clerk.groups.add(Group.objects.get(name="clerk"))
manager = User.objects.create_user(username="smoke-manager", password=password, point=district)
manager.groups.add(Group.objects.get(name="manager"))
print(
    json.dumps(
        {
            "queue": queue.pk,
            "window": window.pk,
            "clerk_token": api_token_create(user=clerk, name="smoke")[1],
            "manager_token": api_token_create(user=manager, name="smoke")[1],
        }
    )
)
