"""The development email backend: each email printed to the console so a person can read it.

Django's console backend prints the raw MIME message: subjects with an accent or a curly quote
arrive as `=?utf-8?q?...?=`, and every text part is followed by the whole HTML part. This one
builds the same message (so a header that SMTP would refuse is refused here too) and prints its
headers decoded and the text part as written, in one write: the Celery worker logs what it
prints as one entry (see CELERY_WORKER_REDIRECT_STDOUTS_LEVEL).
"""

from email.header import decode_header, make_header

from django.core.mail.backends.console import EmailBackend

# MIME plumbing, not something a reader of the email sees.
HIDDEN_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}
RULE = "-" * 79


def decoded(value):
    """A header's value as a person reads it: encoded words decoded, folding undone."""
    try:
        text = str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeError, ValueError):  # a charset Python does not know
        text = str(value)
    return " ".join(text.split())


def readable(message):
    """The text printed for one EmailMessage."""
    mime = message.message()
    lines = [
        f"{name}: {decoded(value)}"
        for name, value in mime.items()
        if name.lower() not in HIDDEN_HEADERS
    ]
    lines += ["", message.body.rstrip("\n")]
    for _content, mimetype in getattr(message, "alternatives", []):
        lines += ["", f"[and an alternative {mimetype} part, not shown]"]
    for attachment in message.attachments:
        # (filename, content, mimetype), or a MIME part attached as it is.
        name = attachment[0] if isinstance(attachment, tuple) else attachment.get_filename()
        lines += [f"[attachment: {name or 'unnamed'}]"]
    return "\n".join([*lines, RULE]) + "\n"


class ConsoleEmailBackend(EmailBackend):
    """Writes each email readably to the stream (standard output unless given one)."""

    def write_message(self, message):
        self.stream.write(readable(message))
