"""`gov mail-sink` for people trying the engine: one line per letter, or whole letters with --show, kept with --dir."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage

from tests.conftest import GOV


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _letter() -> EmailMessage:
    letter = EmailMessage()
    letter["From"] = "secretariat@example.org"
    letter["To"] = "ahmed@bhr.example"
    letter["Subject"] = "[OIC-PESNET] D-1: Comments invited"
    letter["Message-ID"] = "<outbox-1-abc@example.org>"
    letter["Content-Language"] = "ar"
    letter.set_content("تحية طيبة وبعد،\nنرجو إرسال ملاحظاتكم.")
    letter.add_attachment(b"BEGIN:VCALENDAR", maintype="text", subtype="calendar", filename="invitation.ics")
    return letter


def test_mail_sink_show_prints_whole_letters_and_dir_keeps_them(tmp_path):
    port = _free_port()
    command = [GOV] if GOV else [sys.executable, "-m", "governance"]
    sink = subprocess.Popen([*command, "mail-sink", "--port", str(port), "--show", "--dir", str(tmp_path / "kept")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening" in sink.stdout.readline()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(_letter())
        deadline = time.monotonic() + 10
        while not list((tmp_path / "kept").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sink.terminate()
        out, _ = sink.communicate(timeout=10)
    assert "Subject: [OIC-PESNET] D-1: Comments invited" in out
    assert "نرجو إرسال ملاحظاتكم." in out and "[attached: invitation.ics]" in out
    assert [p.name for p in (tmp_path / "kept").glob("*.eml")] == ["outbox-1-abc@example.org.eml"]
