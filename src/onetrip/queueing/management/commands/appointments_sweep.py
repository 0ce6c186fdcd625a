"""``appointments_sweep``: day-before reminders and no-shows (run every few minutes)."""

from django.core.management.base import BaseCommand

from onetrip.queueing.services import appointments_mark_no_shows, appointments_remind


class Command(BaseCommand):
    help = "Send tomorrow's appointment reminders (SMS) and mark ended bookings as no-shows."

    def handle(self, *args, **options):
        reminded = appointments_remind()
        missed = appointments_mark_no_shows()
        self.stdout.write(f"{reminded} reminder(s) sent, {missed} no-show(s) marked")
