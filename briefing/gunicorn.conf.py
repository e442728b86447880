"""gunicorn as the site runs in production: ``gunicorn briefing.wsgi -c briefing/gunicorn.conf.py``.

Two sync workers suit these two-core machines (threaded workers measured
slower); each request is one access-log line on standard output, with its
status and duration in milliseconds.
"""

import os

bind = os.environ.get("BRIEFING_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
