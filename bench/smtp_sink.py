"""A counting SMTP sink on loopback, the benchmark's outgoing mail server: aiosmtpd (from PyPI)
accepts every message and writes one line per message to a log file — its Message-Id, how
many PDF files it carries and the client connection it came through — for the benchmark to
check against the ledger. It runs in a process of its own, so that parsing what it receives
takes nothing from the Odoo process sending it.

    python3 bench/smtp_sink.py PORT LOG_FILE

``running()`` below starts it, waits until it listens and stops it; ``read()`` reads its log.
"""

import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Counter:
    """aiosmtpd's handler: one log line per message accepted."""

    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.compat32)
        pdfs = sum(1 for part in message.walk() if part.get_content_type() == "application/pdf")
        connection = f"{session.peer[0]}:{session.peer[1]}"
        self.log.write(f"{message['Message-Id'] or ''}\t{pdfs}\t{connection}\t{len(envelope.rcpt_tos)}\n")
        self.log.flush()
        return "250 Message accepted"


def serve(port, log_path):
    from aiosmtpd.controller import Controller  # noqa: PLC0415 (only the sink's process needs it)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stopped.set())
    with open(log_path, "a", encoding="utf-8") as log:
        controller = Controller(Counter(log), hostname="127.0.0.1", port=port, data_size_limit=0)
        controller.start()
        try:
            stopped.wait()
        finally:
            controller.stop()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Received:
    """What the sink received: one entry per message, in order."""

    def __init__(self, lines):
        self.messages = []
        for line in lines:
            message_id, pdfs, connection, recipients = line.rstrip("\n").split("\t")
            self.messages.append((message_id, int(pdfs), connection, int(recipients)))

    def __len__(self):
        return len(self.messages)

    def by_message_id(self):
        """{Message-Id: [PDF count of each copy received]}."""
        received = {}
        for message_id, pdfs, _connection, _recipients in self.messages:
            received.setdefault(message_id, []).append(pdfs)
        return received

    def connections(self):
        return len({connection for _message_id, _pdfs, connection, _recipients in self.messages})

    def pdfs(self):
        return sum(pdfs for _message_id, pdfs, _connection, _recipients in self.messages)


@contextlib.contextmanager
def running(log_path):
    """A sink in its own process for the duration of the block; yields its port. The log file
    is emptied first."""
    with open(log_path, "w", encoding="utf-8"):
        pass
    port = free_port()
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "smtp_sink.py"), str(port), log_path])
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("The SMTP sink did not start: is aiosmtpd installed (requirements-dev.txt)?")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def read(log_path):
    with open(log_path, encoding="utf-8") as log:
        return Received(log.readlines())


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
