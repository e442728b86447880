"""What goes into the site's log, and how each line begins.

Every line starts as gunicorn's own do (``[2026-12-07 00:50:36 +0000] [pid]
[LEVEL]``), in UTC: Django sets the process's zone to TIME_ZONE when it loads
its settings, so times in local time would change zone partway through a
server's log.
"""

import logging
import time

# gunicorn's error log format and date format (gunicorn.glogging.Logger).
LINE_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"


class UTCFormatter(logging.Formatter):
    """A formatter whose times are in UTC, whatever the process's zone."""

    converter = time.gmtime


class TracebackOnlyForServerErrors(logging.Filter):
    """Keep a request refused with a 4xx to one line: its message, not its traceback.

    Django logs a request it refuses as suspicious (django.security: a Host
    header outside ALLOWED_HOSTS, too many fields) with the traceback of the
    exception it raised, though nothing went wrong on the server; the message
    already says why.
    """

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = None
        return True
