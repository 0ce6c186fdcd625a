"""Prepare a database for ``make schemathesis``: migrate, load the bad-input suite's world (two
districts, a hall, an online case, a ticket, a grid, a community complex, an agency and a staff
user holding every role) and print a staff API token on the last line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from onetrip.people.services import api_token_create
    from tests.bad_input import world

    w = world.build()
    print(api_token_create(user=w.omni, name="schemathesis")[1])


if __name__ == "__main__":
    main()
