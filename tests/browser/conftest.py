"""Browser journeys: Debian's Chromium (never a downloaded one) against `gov serve`'s application on waitress, in a thread."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Gov
from tests.test_mail import _free_port
from tests.test_web import Web, opened

CHROMIUM = "/usr/bin/chromium"
KEY = "a-long-random-signing-key-for-the-browser-journeys"
ENV = {"GOV_SECRET_KEY": KEY}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium fonts-noto-core)", allow_module_level=True)


@pytest.fixture(scope="session")
def base_url() -> None:
    """pytest-base-url's own fixture is an instance method pytest 9 warns about (an error here); the journeys need none."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox", "--disable-dev-shm-usage"]}


class Served(Web):
    """The instance's web application on a real port (waitress), its clock set by the journey."""

    def __init__(self, gov: Gov, now: str) -> None:
        from waitress import create_server

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = gov.config.read_text(encoding="utf-8")
        gov.config.write_text(config + f'\n[web]\nbase_url = "{self.url}"\n', encoding="utf-8")
        super().__init__(gov, now)
        self.server = create_server(self.app, host="127.0.0.1", port=self.port, threads=4)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()
        super().close()


@pytest.fixture
def served(network: Gov, monkeypatch: pytest.MonkeyPatch) -> Any:
    yield from opened(Served, network, monkeypatch, KEY)


def shoot(page: Any, name: str) -> None:
    """The page at desktop width and at a 390-px phone width, whole, into docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def links_in_newest_letter(gov: Gov, now: str, to: str) -> list[str]:
    """`gov send` through the real Maildir, then the links in the newest .eml to `to`."""
    import email
    import email.policy

    gov("send", now=now, env=ENV)
    found = []
    for path in sorted((gov.folder / "mail" / "new").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(message["To"]):
            found.append(message)
    assert found, f"no letter to {to}"
    return re.findall(r"^(https?://\S+)$", found[-1].get_body(("plain",)).get_content(), re.MULTILINE)
