"""Django's PostgreSQL backend, with a health check that costs no round trip and
statements that give up on a server that does not answer.

With CONN_HEALTH_CHECKS, Django asks a kept connection ``SELECT 1`` before the
first query of every request, so that a connection the server closed (a
restart, a terminated backend) is replaced rather than failing the request.
That round trip was a tenth of a list page's time. A server that closes a
connection says so on its socket, with an error message and then the end of
the stream; a connection the server has said nothing on since its last answer
is as that answer left it. So the check first looks, without waiting, whether
anything has arrived: nothing, and the connection is used as it is; anything,
and it asks ``SELECT 1`` as Django does.

A server that is hung says nothing at all, and a statement sent to it would
wait for ever: while a request is served, each waits at most the limit in force
(``db/wait_limits.py``), and then its connection is closed and it fails as an
``OperationalError``. psycopg waits for every answer in ``Connection.wait()``,
which takes a timeout; the connection's class gives it one.
"""

import contextlib
import select

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base

from releases.db import outage, wait_limits

# How long a statement given up on is given to be cancelled: a hung server takes
# the request to cancel it and answers nothing.
CANCEL_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        outage.refuse_while_down()
        try:
            connection = super().get_new_connection(conn_params)
        except psycopg.OperationalError:
            outage.failed()
            raise
        outage.answered()
        # Django connects through psycopg.connect(), which has no say in the class.
        connection.__class__ = PromptConnection
        return connection

    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        if not self.connection.broken and not anything_arrived(self.connection.fileno()):
            return True
        # SELECT 1 is never a long statement, whoever asks it.
        with wait_limits.waiting_at_most(settings.BRIEFING_DATABASE_WAIT):
            return super().is_usable()


class PromptConnection(psycopg.Connection):
    """A psycopg connection whose statements give up on a server that has not answered
    within the limit in force: the statement is cancelled, the connection closed, and
    OperationalError raised."""

    def wait(self, gen, **options):
        seconds = wait_limits.limit()
        if seconds is None or "timeout" in options:
            return super().wait(gen, **options)
        try:
            return super().wait(gen, **options, timeout=seconds)
        except psycopg.errors._WaitTimeout:
            # Its statement is still the server's: cancelled there, or it would hold a
            # server process for as long as it takes (a lock's holder, a hung server
            # that comes back), and the connection cannot be used again.
            with contextlib.suppress(psycopg.Error):
                self.cancel_safe(timeout=CANCEL_SECONDS)
            self.close()
            outage.failed()
            raise psycopg.OperationalError(
                f"the database did not answer within {seconds:g} s"
            ) from None


def anything_arrived(descriptor):
    """Whether the socket *descriptor* has anything to read, or has been closed; where
    the system cannot tell without waiting (no poll(), as on Windows), True."""
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))
