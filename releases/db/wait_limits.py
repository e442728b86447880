"""How long a statement may wait for the database: bounded while a web request is
served, as long as it takes anywhere else.

A hung PostgreSQL (its processes stopped, or a network that drops packets) keeps
the connection open and answers nothing. The server's ``statement_timeout`` is
enforced by the server, which is stopped, and the kernel still acknowledges
what is sent, so TCP's own timeouts never fire: without a limit of our own a
request waits until gunicorn kills its worker (30 s) and the reader gets a
dropped connection. With one, the site's backend (``db/postgresql/base.py``)
gives up on the statement, closes the connection and raises
``OperationalError``, and ``DatabaseOutageMiddleware`` answers with the cached
copy or a 503.

Who is bounded, and by what:

- A reader's request: ``BRIEFING_DATABASE_WAIT`` seconds. Public pages ask for
  rows by index, a few milliseconds each; a statement that takes seconds is a
  database that is not answering.
- A request to the admin: ``ADMIN_WAIT_SECONDS``. Staff may filter or count a
  large archive, or upload releases, whose statements may take seconds; they
  get as long as gunicorn lets any request take, less room for the error page,
  so that a hung database still shows them the 503 rather than a dropped
  connection.
- Anything not serving a request (``import_release``, ``search_index``, every
  management command): no limit. Their long statements are the work itself,
  and no reader waits on them.
"""

import contextlib
import threading

from django.conf import settings
from django.core import signals

# gunicorn kills a worker whose request has run 30 s.
ADMIN_WAIT_SECONDS = 25
ADMIN_PATH = "/admin/"  # where briefing/urls.py serves the admin

# A thread serves one request at a time (gunicorn's sync workers).
_in_force = threading.local()


def limit():
    """Return the seconds a statement may now wait for its answer, or None: no limit."""
    return getattr(_in_force, "seconds", None)


@contextlib.contextmanager
def waiting_at_most(seconds):
    """Bound every statement in the block at *seconds*."""
    before = limit()
    _in_force.seconds = seconds
    try:
        yield
    finally:
        _in_force.seconds = before


def request_started(sender, environ=None, scope=None, **kwargs):
    """Put the limit of the request in force (a request_started receiver): a WSGI server
    describes it in *environ*, an ASGI server in *scope*."""
    path = environ.get("PATH_INFO", "") if environ is not None else scope.get("path", "")
    staff = path.startswith(ADMIN_PATH)
    _in_force.seconds = ADMIN_WAIT_SECONDS if staff else settings.BRIEFING_DATABASE_WAIT


def request_finished(sender, **kwargs):
    """Lift the request's limit (a request_finished receiver): the thread may run a command
    next, as a test does."""
    _in_force.seconds = None


def connect():
    signals.request_started.connect(request_started)
    signals.request_finished.connect(request_finished)
