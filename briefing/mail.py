"""Mail handed to an SMTP server within one deadline for the whole exchange."""

import contextlib
import socket
import threading

from django.core.mail.backends import smtp


class DeadlineEmailBackend(smtp.EmailBackend):
    """Django's SMTP backend, given up on when the exchange takes longer than its timeout.

    The socket's timeout bounds each read alone: a server that sends its reply a
    byte at a time would hold a subscriber's request past the app server's own
    timeout (a 500), and ``send_alerts`` for hours. Here the exchange runs in a
    thread the caller waits for; past the deadline the connection is cut, which
    ends the thread too, and the caller gets a TimeoutError like any other
    failure to send.
    """

    def send_messages(self, email_messages):
        outcome = {}

        def send():
            try:
                outcome["sent"] = super(DeadlineEmailBackend, self).send_messages(email_messages)
            except BaseException as error:  # raised again in the caller's thread
                outcome["error"] = error

        exchange = threading.Thread(target=send, name="smtp-exchange", daemon=True)
        exchange.start()
        exchange.join(self.timeout)
        if exchange.is_alive():
            self.cut()
            raise TimeoutError(f"the mail server did not take the mail within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["sent"]

    @property
    def connection_class(self):
        """smtplib's class, noting its socket here as soon as it connects: the server's
        greeting is read before the connection is handed back."""
        backend = self

        class Noted(super().connection_class):
            def _get_socket(self, host, port, timeout):
                backend.socket = super()._get_socket(host, port, timeout)
                return backend.socket

        return Noted

    def cut(self):
        """Shut the connection the exchange waits on, so that its thread ends."""
        sock = getattr(self, "socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
