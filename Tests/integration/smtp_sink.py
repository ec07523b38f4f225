"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for delivery checks."""
import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.messages = []
        # Seconds to wait before accepting each message: a slow server.
        self.delay = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(parsed["Subject"]),
                "body": parsed.get_body(preferencelist=("plain",)).get_content(),
                "html": (parsed.get_body(preferencelist=("html",)) or parsed).get_content() if parsed.is_multipart() else None,
                "headers": dict(parsed.items()),
            })
        return "250 Message accepted for delivery"

    def received(self):
        with self._lock:
            return list(self.messages)


class SMTPServer:
    """`with SMTPServer(port) as server:` serves until the block ends."""

    def __init__(self, port):
        self.port = port
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
        return False
