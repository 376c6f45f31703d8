"""A local SMTP server that delivers nowhere: every message it accepts is kept as an .eml file under
<state>/mail/ (newest names sort last), for developers to open and for tests to read. Runs as a devstack
process like the others: `python -m devstack.mailsink --host H --port P --dir D`.

Like a real relay it can refuse a recipient: the addresses listed in <state>/mail/refused-recipients (one per
line, read at every RCPT) get `550 5.1.1`, so a test can make one mailbox fail while the others work."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from devstack.config import StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, Timer, start_process, tcp_ready

NAME = "mailsink"


def mail_dir(config: StackConfig) -> Path:
    return config.state_dir / "mail"


def is_ready(config: StackConfig) -> bool:
    return tcp_ready(config.host, config.port("smtp"))()


def start(config: StackConfig) -> int:
    directory = mail_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "devstack.mailsink", "--host", config.host, "--port", str(config.port("smtp")),
            "--dir", str(directory)]
    with Timer("mailsink start"):
        return start_process(config, NAME, argv, ready=tcp_ready(config.host, config.port("smtp")), timeout=20,
                             stop_wave=INFRASTRUCTURE_WAVE)


REFUSED = "refused-recipients"


def refuse(config: StackConfig, addresses: list[str]) -> None:
    """From now on the sink refuses these recipients (an empty list: it accepts everyone again)."""
    path = mail_dir(config) / REFUSED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{address.lower()}\n" for address in addresses))


def messages(config: StackConfig) -> list[EmailMessage]:
    """What the sink received, oldest first."""
    return received_since(config, 0)


def received_since(config: StackConfig, since_ns: int) -> list[EmailMessage]:
    """What the sink received from `since_ns` (time.time_ns()) on, oldest first: each file is named by the
    moment it arrived, and read once, so a message arriving meanwhile is simply not in this answer."""
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(mail_dir(config).glob("*.eml")) if int(path.name.split("-", 1)[0]) >= since_ns]


class SaveToDirectory:
    """aiosmtpd handler: writes each message atomically (tmp file, then rename) so a reader never sees half."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def refused(self) -> set[str]:
        path = self.directory / REFUSED
        return set(path.read_text().split()) if path.exists() else set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refused():
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.count += 1
        name = f"{time.time_ns():020d}-{os.getpid()}-{self.count:06d}"
        content = envelope.original_content or envelope.content
        header = (f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
                  f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(header + content)
        tmp.replace(self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> None:
    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(SaveToDirectory(directory), hostname=host, port=port,
                            data_size_limit=50 * 1024 * 1024)
    controller.start()
    stop = asyncio.Event()

    async def wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait())
    finally:
        controller.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.mailsink", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
