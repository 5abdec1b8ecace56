"""A warm `gov` (cli/warm.py): commands forked from a process holding the engine imported answer as cold ones do, byte
for byte and exit code for exit code; a caller killed or signalled takes its command with it; anything doubtful runs
cold."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import GOV

# Runs `argv` warm through cli/warm.py's own caller, and exits 99 when it did not run warm (the caller would run cold).
WARM_ONLY = "import sys; from governance.cli import warm; code = warm.run(sys.argv[1:]); sys.exit(99 if code is None else code)"


@pytest.fixture
def warm_folder() -> Iterator[Path]:
    """A folder of its own for this test's warm process, which is ended afterwards. Made at the top of the temporary
    folder: a socket's address holds about 100 bytes, which a test's own folder may already take."""
    folder = Path(tempfile.mkdtemp(prefix="gov-warm-test-"))
    yield folder
    from governance.cli import warm

    warm.end(str(folder))
    time.sleep(0.1)
    shutil.rmtree(folder, ignore_errors=True)


def _environment(warm: Path, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    return dict(environment, GOV_WARM_DIR=str(warm), **extra)


def _cold(args: list[str], cwd: Path, warm: Path) -> subprocess.CompletedProcess[bytes]:
    command = [GOV] if GOV else [sys.executable, "-m", "governance"]
    return subprocess.run([*command, *args], capture_output=True, cwd=cwd, env=_environment(warm, GOV_WARM="0"), timeout=120)


def _warm(args: list[str], cwd: Path, warm: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", WARM_ONLY, *args], capture_output=True, cwd=cwd, env=env or _environment(warm),
                          timeout=120)


def _started(cwd: Path, warm: Path) -> None:
    """Start the warm process (the first command does) and wait until it takes commands; and write a draft's text."""
    (cwd / "draft.txt").write_text("1. The network meets once a year.\n", encoding="utf-8")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _warm(["--version"], cwd, warm).returncode != 99:
            return
        time.sleep(0.2)
    raise AssertionError("the warm process never took a command")


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def _warm_pid(warm: Path) -> int:
    (pid,) = warm.glob("*.pid")
    return int(pid.read_text())


def test_a_warm_command_answers_byte_for_byte_and_code_for_code_as_a_cold_one(network, warm_folder: Path) -> None:
    folder = network.folder
    _started(folder, warm_folder)
    shapes = [
        ["--as", "sec", "--now", "2021-03-02T10:00", "doc", "create", "--type", "report", "--title", "Annual report", "--file", "draft.txt"],
        ["--as", "sec", "--now", "2021-03-02T10:00", "show", "D-1"],
        ["--as", "sec", "--json", "show", "D-1"],
        ["--as", "sec", "--now", "2021-03-02T10:05", "advance", "D-1", "circulate"],
        ["--as", "sec", "--now", "2021-03-02T10:05", "advance", "D-1", "circulate"],  # refused: exit 4
        ["--as", "sec", "--json", "--now", "2021-03-02T10:05", "advance", "D-1", "circulate"],
        ["--as", "nobody", "show", "D-1"],
        ["--as", "sec", "advance", "D-1"],  # click's own refusal: exit 2
        ["--as", "sec", "deadlines"],
        ["--as", "sec", "outbox", "--limit", "3"],
        ["--as", "sec", "no-such-command"],
        ["--as", "sec", "--now", "", "show", "D-1"],
        ["--config", "missing.toml", "status"],
    ]
    for args in shapes:
        warm = _warm(args, folder, warm_folder)
        assert warm.returncode != 99, f"did not run warm: {args}"
        if warm.returncode == 0 and ("circulate" in args or "create" in args):
            continue  # a change is made once: its cold twin would be refused (the refusal is compared next)
        cold = _cold(args, folder, warm_folder)
        assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr), args


def test_a_warm_command_reads_the_callers_folder_environment_and_umask(network, warm_folder: Path, tmp_path: Path) -> None:
    folder = network.folder
    _started(folder, warm_folder)
    # GOV_CONFIG and GOV_ACTOR from the caller's environment, a relative path from the caller's folder.
    env = dict(_environment(warm_folder), GOV_CONFIG="config.toml", GOV_ACTOR="sec")
    done = subprocess.run([sys.executable, "-c", WARM_ONLY, "--json", "show", "T-1"], capture_output=True, cwd=folder,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b'"ref": "T-1"' in done.stdout
    created = subprocess.run([sys.executable, "-c", WARM_ONLY, "doc", "create", "--type", "report", "--title", "Annual report",
                              "--file", "draft.txt"], capture_output=True, cwd=folder, env=env, timeout=120)
    assert created.returncode == 0, created.stderr
    target = tmp_path / "exported.docx"
    done = subprocess.run([sys.executable, "-c", f"import os; os.umask(0o077); {WARM_ONLY}", "doc", "export", "D-1", "--format",
                           "docx", "--out", str(target)], capture_output=True, cwd=folder, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.stat().st_mode & 0o077 == 0, "the caller's umask was not the command's"


def test_output_the_caller_cannot_encode_fails_warm_as_it_fails_cold(network, warm_folder: Path) -> None:
    folder = network.folder
    _started(folder, warm_folder)
    args = ["--config", "config.toml", "--as", "sec", "show", "T-1"]
    # İŞKUR's name cannot be written in ASCII: the stream's encoding travels with it.
    warm = _warm(args, folder, warm_folder, env=dict(_environment(warm_folder), PYTHONIOENCODING="ascii"))
    cold = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), *args], capture_output=True, cwd=folder,
                          env=dict(_environment(warm_folder, GOV_WARM="0"), PYTHONIOENCODING="ascii"), timeout=120)
    assert warm.returncode != 99
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    assert warm.stderr.splitlines()[:1] == cold.stderr.splitlines()[:1]


def _locked_command(network: Any, warm_folder: Path) -> tuple[subprocess.Popen[bytes], sqlite3.Connection, int]:
    """A warm command waiting on a database this test holds locked: (the caller, the lock, the warm process's pid)."""
    folder = network.folder
    _started(folder, warm_folder)
    database = folder / "governance.db"
    if not database.exists():
        pytest.skip("the lock is taken on SQLite's file")
    lock = sqlite3.connect(database, isolation_level=None, timeout=1)
    lock.execute("BEGIN EXCLUSIVE")
    caller = subprocess.Popen([sys.executable, "-c", WARM_ONLY, "--config", "config.toml", "--as", "sec", "--now",
                               "2021-03-02T10:00", "doc", "create", "--type", "report", "--title", "Locked out", "--file",
                               "draft.txt"],
                              cwd=folder, env=_environment(warm_folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = _warm_pid(warm_folder)
    deadline = time.monotonic() + 30
    while not _children(parent):
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.02)
    time.sleep(0.2)  # it is inside the command, waiting for the lock
    return caller, lock, parent


@pytest.mark.parametrize("store", ["sqlite"])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_caller_killed_or_terminated_takes_its_warm_command_with_it(network, warm_folder: Path, how: int) -> None:
    caller, lock, parent = _locked_command(network, warm_folder)
    try:
        caller.send_signal(how)
        caller.communicate(timeout=30)
        assert caller.returncode == -how
        deadline = time.monotonic() + 5
        while _children(parent):
            assert time.monotonic() < deadline, "the command outlived its caller"
            time.sleep(0.02)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    listed = _cold(["--config", "config.toml", "--json", "doc", "list"], network.folder, warm_folder)
    assert listed.returncode == 0, listed.stderr
    assert b"Locked out" not in listed.stdout, "the command went on after its caller died"


@pytest.mark.parametrize("store", ["sqlite"])
def test_a_warm_command_whose_lock_frees_finishes_and_reports_its_exit_code(network, warm_folder: Path) -> None:
    caller, lock, _parent = _locked_command(network, warm_folder)
    lock.execute("ROLLBACK")
    lock.close()
    out, err = caller.communicate(timeout=60)
    assert caller.returncode == 0, err
    assert out.startswith(b"D-1 ")


def test_without_a_private_folder_a_command_runs_cold(network, warm_folder: Path) -> None:
    _started(network.folder, warm_folder)  # the same folder, private: warm
    warm_folder.chmod(0o755)  # others may enter: no socket there is trusted
    done = _warm(["--config", "config.toml", "status"], network.folder, warm_folder)
    assert done.returncode == 99
    warm_folder.chmod(0o700)


def test_gov_warm_0_runs_cold_and_starts_nothing(network, warm_folder: Path) -> None:
    done = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "--config", "config.toml", "status"],
                          capture_output=True, cwd=network.folder, env=_environment(warm_folder, GOV_WARM="0"), timeout=120)
    assert done.returncode == 0, done.stderr
    time.sleep(0.5)
    assert not list(warm_folder.iterdir())


def test_a_module_of_the_engine_changed_names_another_warm_process() -> None:
    from governance.cli import warm

    module = Path(warm.__file__).parent / "quick.py"
    before = warm._key()
    info = module.stat()
    try:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
        assert warm._key() != before
    finally:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert warm._key() == before


def test_the_scheduler_and_the_web_server_always_run_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.cli import warm

    monkeypatch.delenv("GOV_WARM", raising=False)
    assert warm.enabled(["--config", "c.toml", "advance", "D-1", "circulate"])
    assert not warm.enabled(["--config", "c.toml", "scheduler"])
    assert not warm.enabled(["serve", "--port", "8000"])
    monkeypatch.setenv("GOV_WARM", "0")
    assert not warm.enabled(["--config", "c.toml", "status"])
