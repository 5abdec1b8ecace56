"""`gov demo` ends with the command that serves its instance: run as printed (in a shell, on a free port), it serves the
pages, and the secretariat signs in with the letter `gov send` delivers and reaches the desk."""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import Gov

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_demos_last_line_serves_its_instance_and_the_secretariat_signs_in(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    gov = Gov(tmp_path, process=True)
    shown = gov("demo", "--dir", str(folder))
    assert shown.code == 0, shown
    line = shown.out.strip().splitlines()[-1].strip()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(["bash", "-c", f"{line} --port {port}"], env=env, stdout=output, stderr=output,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text(encoding="utf-8"))
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = dict(_HIDDEN.findall(browser.open(f"{base}/sign-in").read().decode()))
        browser.open(f"{base}/sign-in", urllib.parse.urlencode(form | {"email": "ayse@sesric.example"}).encode())
        # The letter goes through the outbox like any other: `gov send`, as the demo's line says.
        before = set((folder / "mail" / "new").glob("*.eml"))
        assert Gov(folder, process=True)("send").code == 0
        letter = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                  for p in set((folder / "mail" / "new").glob("*.eml")) - before]
        assert len(letter) == 1 and "ayse@sesric.example" in str(letter[0]["To"])
        link = re.search(r"^(http://\S+/sign-in/\S+)$", letter[0].get_body(("plain",)).get_content(), re.M)
        assert link, letter[0]
        path = "/" + link.group(1).split("/", 3)[3]  # base_url is the default port; the server here listens on another
        confirm = browser.open(base + path).read().decode()
        browser.open(base + path, urllib.parse.urlencode(dict(_HIDDEN.findall(confirm))).encode())
        desk = browser.open(f"{base}/desk").read().decode()
        assert "D-3" in desk and "Ayşe Demir" in desk
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
