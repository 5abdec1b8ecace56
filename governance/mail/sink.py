"""`gov mail-sink`: an aiosmtpd server on 127.0.0.1 that shows what the engine sends, for people trying it out."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, Callable


class Sink:
    """An aiosmtpd handler that keeps every letter it is given (and optionally writes it to a folder)."""

    def __init__(self, folder: Path | None = None, echo: Callable[[str], None] | None = None, show: bool = False) -> None:
        self.folder = folder
        self.echo = echo
        self.show = show
        self.received: list[Any] = []
        if folder:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        data = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
        letter = message_from_bytes(data, policy=policy.default)
        self.received.append(letter)
        if self.folder:
            name = (letter["Message-ID"] or f"<{len(self.received)}>").strip("<>").replace("/", "_")
            (self.folder / f"{name}.eml").write_bytes(data)
        if self.echo:
            self.echo(f"{letter['Date']}  to {', '.join(envelope.rcpt_tos)}  {letter['Subject']}  ({letter['Content-Language'] or '-'})")
            if self.show:
                self.echo(whole(letter))
        return "250 OK"


def whole(letter: Any) -> str:
    """A letter as its reader sees it: who, what, the text, and what is attached."""
    lines = [f"{name}: {letter[name]}" for name in ("From", "To", "Subject", "Content-Language", "X-Gov-Audit-Head") if letter[name]]
    body = letter.get_body(("plain",))
    lines += ["", body.get_content().rstrip() if body is not None else "(no text part)"]
    attached = [part.get_filename() or part.get_content_type() for part in letter.iter_attachments()]
    if attached:
        lines.append(f"[attached: {', '.join(attached)}]")
    return "\n".join(lines) + "\n" + "-" * 72


def serve(port: int, folder: Path | None, echo: Callable[[str], None], show: bool = False) -> None:
    from aiosmtpd.controller import Controller

    sink = Sink(folder, echo, show)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    echo(f"mail sink listening on 127.0.0.1:{port}; set [mail] backend = \"smtp\", smtp_port = {port}. Ctrl-C stops it.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
