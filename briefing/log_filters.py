"""What goes into the site's log: a traceback for a server error only."""

import logging


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
