"""``onetrip otp_reset USERNAME…``: recovery when a staff member lost the authenticator (or an
administrator has no other administrator to reset it from the admin)."""

from django.core.management.base import BaseCommand, CommandError

from onetrip.people.models import User
from onetrip.signin.services import otp_devices_reset


class Command(BaseCommand):
    help = "Remove the TOTP devices of the given users; they enrol a new one at next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="+")

    def handle(self, *args, username: list[str], **options):
        for name in username:
            user = User.objects.filter(username=name).first()
            if user is None:
                raise CommandError(f"no user {name!r}")
            removed = otp_devices_reset(user=user, reason="otp_reset command")
            self.stdout.write(f"{name}: {removed} device(s) removed")
