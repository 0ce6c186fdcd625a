"""API tokens from the command line: ``onetrip api_token create --user kiosk-hubin --name
"湖滨大厅取号机" --days 365 --role guide`` prints the key once; ``list`` and ``revoke ID``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from onetrip.errors import DomainError
from onetrip.people.models import ApiToken, Role, User
from onetrip.people.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create (key shown once), list or revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        create = sub.add_parser("create", help="create a token and print its key once")
        create.add_argument("--user", required=True, help="username the token acts for")
        create.add_argument("--name", required=True, help="the client using it")
        create.add_argument("--days", type=int, default=None, help="expires after N days")
        create.add_argument(
            "--role",
            action="append",
            default=[],
            choices=Role.values,
            help="a role the token may act with (repeat; none: all of the user's)",
        )
        sub.add_parser("list", help="list tokens (never their keys)")
        revoke = sub.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, what: str, **options):
        if what == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
            days = options["days"]
            if days is not None and days < 1:
                raise CommandError("--days must be at least 1")
            expires = timezone.now() + dt.timedelta(days=days) if days else None
            try:
                token, key = api_token_create(
                    user=user, name=options["name"], expires_at=expires, roles=options["role"]
                )
            except DomainError as exc:
                raise CommandError(f"{exc.message}: {exc.as_dict().get('fields', {})}") from exc
            self.stdout.write(f"token {token.pk} {token.name!r} for {user.username}")
            self.stdout.write("key (shown once, store it now):")
            self.stdout.write(key)
        elif what == "list":
            for t in ApiToken.objects.select_related("user").order_by("pk"):
                state = "revoked" if t.revoked_at else "active"
                if t.expires_at and t.expires_at <= timezone.now():
                    state = "expired"
                roles = ",".join(t.roles) or "(all of the user's)"
                until = t.expires_at.isoformat() if t.expires_at else "never"
                self.stdout.write(
                    f"{t.pk}\t{t.prefix}…\t{t.name}\t{t.user.username}\t{roles}\t{until}\t{state}"
                )
        else:
            found = ApiToken.objects.filter(pk=options["id"]).first()
            if found is None:
                raise CommandError(f"no token {options['id']}")
            api_token_revoke(token=found)
            self.stdout.write(f"token {found.pk} revoked")
