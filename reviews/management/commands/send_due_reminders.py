"""Run the reminder sweep (and the digest sweep) by hand: the same code the beat runs."""

from django.core.management.base import BaseCommand

from notifications.services import send_due_digests
from reviews.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Send the review and action reminders and the digests that are due now."

    def handle(self, *args, **options):
        fired = send_due_reminders()
        digests = send_due_digests()
        self.stdout.write(f"{fired} reminder(s) due, {digests} digest email(s) written.")
