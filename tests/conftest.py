"""Fixtures: a real `gov` executable on a fresh instance, and the OIC-PESNET network built once and copied."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
GOV = shutil.which("gov", path=str(Path(sys.executable).parent)) or shutil.which("gov")


@dataclass
class Result:
    code: int
    out: str
    err: str
    args: tuple[str, ...]

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.err.strip().splitlines()[-1])["error"]

    def __repr__(self) -> str:
        return f"gov {' '.join(self.args)} -> {self.code}\nstdout: {self.out}\nstderr: {self.err}"


class Gov:
    """Runs the installed `gov` command against one instance folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.config = folder / "config.toml"

    def __call__(self, *args: str, actor: str | None = None, now: str | None = None, json_out: bool = False,
                 env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        command = [GOV] if GOV else [sys.executable, "-m", "governance"]
        command += ["--config", str(self.config)]
        if actor:
            command += ["--as", actor]
        if now:
            command += ["--now", now]
        if json_out:
            command.append("--json")
        command += list(args)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
        environment.update(env or {})
        done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=self.folder, timeout=timeout)
        return Result(done.returncode, done.stdout, done.stderr, tuple(args))

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, repr(result)
        return result

    def j(self, *args: str, **kwargs: Any) -> Any:
        """Run with --json, expect success, return the parsed document."""
        return self.ok(*args, json_out=True, **kwargs).json

    def refused(self, code: int, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == code, repr(result)
        assert "Traceback" not in result.err, repr(result)
        return result


def _init(folder: Path) -> Gov:
    gov = Gov(folder)
    result = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "init", str(folder)],
                            capture_output=True, text=True, env={k: v for k, v in os.environ.items() if not k.startswith("GOV_")})
    assert result.returncode == 0, result.stderr
    return gov


@pytest.fixture
def gov(tmp_path: Path) -> Gov:
    """A freshly initialised, empty instance."""
    return _init(tmp_path / "instance")


# The network of FACTS.md, as of spring 2021: SESRIC the secretariat, İŞKUR in the chair,
# focal points writing in English, Arabic and French, and partners as observers.
NETWORK_SETUP: list[tuple[str, ...]] = [
    ("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", "--country", "TUR"),
    ("person", "add", "sec", "--name", "Ayşe Demir", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat"),
]
MEMBERS = [
    ("ISKUR", "Turkish Employment Agency (İŞKUR)", "TUR", "iskur", "Mehmet Yılmaz", "en"),
    ("BHR", "Civil Service Bureau, Kingdom of Bahrain", "BHR", "bhr", "Ahmed Al-Khalifa", "ar"),
    ("MAR", "ANAPEC, Kingdom of Morocco", "MAR", "mar", "Fatima Benali", "fr"),
    ("EGY", "Ministry of Manpower, Egypt", "EGY", "egy", "Omar Hassan", "ar"),
    ("IDN", "Ministry of Manpower, Indonesia", "IDN", "idn", "Siti Rahma", "en"),
    ("SEN", "Agence nationale pour l'emploi, Senegal", "SEN", "sen", "Awa Diop", "fr"),
]
ACTOR_SEC = "sec"
NETWORK_NOW = "2021-03-01T09:00"


def _populate(gov: Gov) -> None:
    for args in NETWORK_SETUP:
        gov.ok(*args, actor=ACTOR_SEC if args[0] == "org" and args[2] != "SESRIC" else None, now=NETWORK_NOW)
    for code, name, country, handle, person, lang in MEMBERS:
        gov.ok("org", "add", code, "--name", name, "--kind", "member", "--country", country, actor=ACTOR_SEC, now=NETWORK_NOW)
        gov.ok("person", "add", handle, "--name", person, "--email", f"{handle}@{code.lower()}.example", "--org", code,
               "--lang", lang, "--role", "focal_point", actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("org", "add", "ILO", "--name", "International Labour Organization", "--kind", "observer", actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("person", "add", "ilo", "--name", "Jean Martin", "--email", "jean@ilo.example", "--org", "ILO", "--role", "observer",
           actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("term", "designate", "chair", "--org", "ISKUR", "--start", "2021-03-01", actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("advance", "T-1", "activate", actor=ACTOR_SEC, now=NETWORK_NOW)


@pytest.fixture(scope="session")
def _network_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("network") / "instance"
    _populate(_init(folder))
    return folder


@pytest.fixture
def network(_network_template: Path, tmp_path: Path) -> Gov:
    """An instance holding the OIC-PESNET network with İŞKUR's chair term active from 1 March 2021.

    People: sec (SESRIC, secretariat); focal points iskur (en, the chair's organisation), bhr (ar),
    mar (fr), egy (ar), idn (en), sen (fr); ilo (observer). T-1 is the chair's term.
    """
    folder = tmp_path / "instance"
    shutil.copytree(_network_template, folder)
    return Gov(folder)


@pytest.fixture
def pg_url() -> Any:
    """A fresh, empty PostgreSQL database for one test (from GOV_TEST_DATABASE_URL), dropped afterwards."""
    base = os.environ.get("GOV_TEST_DATABASE_URL")
    if not base:
        pytest.skip("GOV_TEST_DATABASE_URL is not set")
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"gov_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_gov(tmp_path: Path, pg_url: str) -> Gov:
    """An instance whose database is PostgreSQL, initialised through `gov init`."""
    folder = tmp_path / "instance"
    folder.mkdir()
    from governance.config import DEFAULT_CONFIG

    (folder / "config.toml").write_text(DEFAULT_CONFIG.replace('url = "sqlite:///governance.db"', f'url = "{pg_url}"'), encoding="utf-8")
    return _init(folder)
