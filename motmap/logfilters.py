"""Log filters named in settings.LOGGING."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer (a 403 for a role, a 400 for a bad Host) is the client's mistake, not the
    server's: Django logs it with the exception attached, which prints a traceback. Keep the one
    line (method, path, status) and drop the traceback; 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
