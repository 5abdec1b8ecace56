"""What `gov send` puts on the wire is what smtplib's send_message puts there, byte for byte: a letter written out
ahead of its turn (SmtpBackend.prepare, while the server answers the letter before), its headers folded once for all
the letters that share them, and its final dot sent after the hand-over is recorded. Checked against a real SMTP
server (aiosmtpd on 127.0.0.1) that keeps what it is given as it is given."""

from __future__ import annotations

import random
import smtplib
import socket
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller

SENDER = "secretariat@pesnet.example"
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:m-1@pesnet.example\r\nSUMMARY:3rd Network Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


class _Kept:
    """An SMTP server's handler that keeps each letter's envelope and bytes, unparsed."""

    def __init__(self) -> None:
        self.letters: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.letters.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def kept():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Kept()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


def _row(number: int, **values: Any) -> SimpleNamespace:
    row = dict(id=number, created_at=datetime(2021, 3, 11, 10, number, tzinfo=timezone.utc), recipient=f"fp{number}@m{number}.example",
               recipient_name=f"Focal point {number}", template="document_circulated", lang="en", ref=f"D-{number}",
               subject=f"[OIC-PESNET] D-{number}: Draft circulated for comments", body_text=f"Dear Focal point {number},\n\nThe draft.\n",
               body_html=f"<!DOCTYPE html>\n<p>Dear Focal point {number},</p>\n", ics=None, attachment=None, attachment_name=None,
               audit_head="41:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    row.update(values)
    return SimpleNamespace(**row)


ROWS = [
    _row(1),
    _row(2, recipient_name="Ms O'Brien, \"Chair\"", subject="[OIC-PESNET] D-2: " + "A subject long enough to be folded " * 4),
    _row(3, lang="ar", recipient_name="مركز الأبحاث الإحصائية", subject="[OIC-PESNET] D-3: مشروع معمم للتعليق",
         body_text="حضرة المنسق،\n\nالمشروع.\n", body_html="<p dir=\"rtl\">حضرة المنسق،</p>\n"),
    _row(4, body_html=None, ref=None, audit_head=None),
    _row(5, ics=ICS, attachment="1. Purpose.\n\n2. The chair serves two years.\n" * 200, attachment_name="Draft: RoP / v2?.txt"),
    _row(6, ics=ICS.replace("METHOD:REQUEST", "METHOD:CANCEL"), lang="fr", recipient_name="Médiateur Général",
         subject="[OIC-PESNET] M-6: Réunion annulée — « 3e réunion »"),
]


def _stock(port: int, rows: list[SimpleNamespace]) -> None:
    """Each letter through smtplib's own send_message, as built, each boundary drawn from a seed of its own."""
    from governance.mail.message import build

    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for row in rows:
            letter = build(row, SENDER, "OIC-PESNET")
            random.seed(row.id)
            smtp.send_message(letter)


def _engine(port: int, rows: list[SimpleNamespace], ahead: bool) -> list[int]:
    """Each letter through the engine's backend: made ready ahead of its turn (`ahead`) or handed over as built."""
    from governance.mail.backends import SmtpBackend
    from governance.mail.message import build

    handed: list[int] = []
    with SmtpBackend("127.0.0.1", port, False, "", "X") as backend:
        for row in rows:
            letter = build(row, SENDER, "OIC-PESNET")
            random.seed(row.id)  # the boundary is drawn as the letter is written out: ahead, or as it is handed over
            backend.deliver(backend.prepare(letter) if ahead else letter, lambda row=row: handed.append(row.id))
    return handed


@pytest.mark.parametrize("ahead", [True, False], ids=["made-ready-ahead", "as-built"])
def test_the_engine_sends_each_letter_as_send_message_would_byte_for_byte(kept, ahead):
    port, handler = kept
    _stock(port, ROWS)
    stock = list(handler.letters)
    handler.letters.clear()
    assert _engine(port, ROWS, ahead) == [row.id for row in ROWS]
    assert len(handler.letters) == len(stock) == len(ROWS)
    for row, ours, theirs in zip(ROWS, handler.letters, stock):
        assert ours == theirs, f"letter {row.id}"


def test_a_whole_batch_goes_out_as_send_message_would_with_each_next_letter_made_ready_meanwhile(kept):
    """Through deliver_batch: the letter after each is built and written out while the server answers it."""
    from governance.mail.backends import SmtpBackend
    from governance.mail.delivery import deliver_batch

    port, handler = kept
    handed: list[int] = []
    with smtplib.SMTP("127.0.0.1", port) as smtp:  # what the stock client sends of the same letters, boundaries aside
        from governance.mail.message import build

        for row in ROWS:
            smtp.send_message(build(row, SENDER, "OIC-PESNET"))
    stock = list(handler.letters)
    handler.letters.clear()
    later = datetime(2100, 1, 1, tzinfo=timezone.utc)
    problems = deliver_batch(SmtpBackend("127.0.0.1", port, False, "", "X"), ROWS, SENDER, "OIC-PESNET",
                             lambda: datetime(2021, 3, 11, tzinfo=timezone.utc), later, handed.append, lambda _id: None)
    assert problems == {} and handed == [row.id for row in ROWS]
    for row, ours, theirs in zip(ROWS, handler.letters, stock):
        assert ours[:2] == theirs[:2], f"letter {row.id}: envelope"
        assert _without_boundaries(ours[2]) == _without_boundaries(theirs[2]), f"letter {row.id}"


def _without_boundaries(data: bytes) -> bytes:
    """The letter with its MIME boundaries (random in every letter written) set to one token."""
    import re

    found = set(re.findall(rb'boundary="([^"]+)"', data))
    for boundary in found:
        data = data.replace(boundary, b"BOUNDARY")
    return data
