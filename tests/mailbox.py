"""A real SMTP server for the tests: an aiosmtpd handler that keeps what it receives."""

import email
from email import policy


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def take(self):
        messages, self.messages = self.messages, []
        return messages
