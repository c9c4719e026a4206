"""The email backend of the Celery worker in `make load SCENARIO=worker-kill` (bench/load.py):
Django's file backend (one file per message in EMAIL_FILE_PATH), whose mail server answers
LOAD_MAIL_ANSWER_SECONDS after it has taken each message, as a real one takes a moment to say
250 and close. A worker killed in that moment has handed the email over without marking it
sent: the case the outbox's Message-ID is there for (motmap.outbox)."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowAnswerFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)  # written and flushed: the server has it
        if sent:
            time.sleep(float(os.environ.get("LOAD_MAIL_ANSWER_SECONDS", "0.5")))
        return sent
