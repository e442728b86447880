"""gunicorn as the site runs in production: ``gunicorn briefing.wsgi -c briefing/gunicorn.conf.py``.

Two sync workers suit these two-core machines (threaded workers measured
slower); each request is one access-log line on standard output, with its
status and duration in milliseconds.
"""

import logging
import os
import sys
import time


def worker_count():
    """Return WEB_CONCURRENCY, the number of workers, or stop gunicorn in one line."""
    # gunicorn reads WEB_CONCURRENCY itself as it starts, and stops with a traceback
    # on one that is not a whole number before this file is read; one below 1 it
    # would take, and start no worker at all.
    value = int(os.environ.get("WEB_CONCURRENCY", "2"))
    if value < 1:
        sys.exit(f"briefing: WEB_CONCURRENCY must be a whole number of 1 or more, not {value}")
    return value


bind = os.environ.get("BRIEFING_BIND", "127.0.0.1:8000")
workers = worker_count()
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# gunicorn's lines in UTC, as the site's own (briefing/logs.py): in local time they
# would change zone once a process has loaded Django's settings, which set TIME_ZONE.
logging.Formatter.converter = time.gmtime
# gunicorn's control interface is unused here, and every server on a machine would
# share its one default socket path.
control_socket_disable = True


def on_starting(server):
    """Read the settings before any worker starts: a setting given wrongly stops the
    server with its one-line reason, instead of a traceback from every worker."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading it loads the settings module)
    except ImproperlyConfigured as error:
        sys.exit(f"briefing: {error}")
