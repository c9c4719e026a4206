"""Run the reminder sweep, tell what it fired, and run the digest sweep, by hand: the same code
the beat and the workers run."""

from django.core.management.base import BaseCommand

from notifications.services import send_due_digests
from reviews.reminders import deliver_reminders, send_due_reminders


class Command(BaseCommand):
    help = "Send the review and action reminders and the digests that are due now."

    def handle(self, *args, **options):
        fired = send_due_reminders()
        told = deliver_reminders()
        digests = send_due_digests()
        self.stdout.write(
            f"{fired} reminder(s) due, {told} told, {digests} digest email(s) written."
        )
