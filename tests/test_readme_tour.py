"""The README's ten-minute tour, run as written: every command of its ```sh blocks, in order, must exit 0."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import GOV, REPO

README = REPO / "README.md"
# The lines that put `gov` on the PATH: the test does that itself, with the `gov` it runs under.
SETUP = ("source .venv/bin/activate", "pipx install")


def tour_blocks() -> list[tuple[str, str]]:
    """The tour's fenced blocks, (language, text), in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## A ten-minute tour")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end != -1 else len(text)]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


APPLY_TOML = r'''
import re, sys, tomllib
config, block = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
wanted = tomllib.loads(block)
text = open(config, encoding="utf-8").read()
for table, keys in wanted.items():
    head = text.index(f"[{table}]")
    stop = text.find("\n[", head + 1)
    stop = len(text) if stop == -1 else stop
    body = text[head:stop]
    for key, value in keys.items():
        line = f"{key} = " + (f'"{value}"' if isinstance(value, str) else str(value).lower())
        body, found = re.subn(rf"(?m)^{key} = .*$", line, body, count=1)
        assert found, f"[{table}] {key} is not in {config}: the README tells people to change it in place"
    text = text[:head] + body + text[stop:]
open(config, "w", encoding="utf-8").write(text)
tomllib.loads(text)
'''


# The chair's click, done as a browser does it: the newest approve link the mail sink printed, opened (GET) and its form
# sent (POST) to the server the tour started. The README's line `# (the chair opens the approve link ...)` stands for it.
CLICK = r'''
import re, sys, urllib.parse, urllib.request
log, port = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
links = re.findall(r"^(http://127\.0\.0\.1:8080/l/\S+/approve)$", log, re.M)
assert links, "no approve link in the letters the mail sink printed"
url = links[-1].replace("127.0.0.1:8080", "127.0.0.1:" + port)
page = urllib.request.urlopen(url).read().decode()
assert page.count('<form method="post"') == 1, page
form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
done = urllib.request.urlopen(url, urllib.parse.urlencode(form).encode()).read().decode()
assert "Approved" in done, done
print("the chair approved through the link:", re.search(r'<p class="sentence">(.*?)</p>', done, re.S).group(1).strip())
'''
CLICK_LINE = "# (the chair opens the approve link from the letter and presses Approve)"


def tour_script(work: Path) -> tuple[str, list[str]]:
    """A bash script running the tour line by line, stopping at the first line that fails; and the lines, by number."""
    port = str(_free_port())
    gov_dir = str(Path(GOV).parent) if GOV else str(Path(sys.executable).parent)
    web_port = str(_free_port())
    (work / "apply_toml.py").write_text(APPLY_TOML, encoding="utf-8")
    (work / "click.py").write_text(CLICK, encoding="utf-8")
    lines: list[str] = []
    script = [
        "cd " + shlex.quote(str(work / "tour")),
        "SINK=; SCHED=; SERVE=",
        # Whatever happens, the background servers stop with the script (the scheduler cleanly, by SIGTERM).
        'cleanup() { [ -n "$SCHED" ] && kill -TERM "$SCHED" 2>/dev/null && wait "$SCHED"; [ -n "$SINK" ] && kill -TERM "$SINK" 2>/dev/null; '
        '[ -n "$SERVE" ] && kill -TERM "$SERVE" 2>/dev/null; wait; }',
        "trap cleanup EXIT",
    ]
    for number, (language, block) in enumerate(tour_blocks()):
        if language == "toml":
            path = work / f"block{number}.toml"
            path.write_text(block.replace("8025", port), encoding="utf-8")
            script.append(f"{shlex.quote(sys.executable)} {shlex.quote(str(work / 'apply_toml.py'))} config.toml {shlex.quote(str(path))} "
                          "|| { echo 'TOUR-FAILED toml' >&2; exit 1; }")
            continue
        if language != "sh":
            continue
        for line in block.splitlines():
            command = line.strip()
            if command == CLICK_LINE:
                script.append(f"{shlex.quote(sys.executable)} {shlex.quote(str(work / 'click.py'))} {shlex.quote(str(work / 'sink.log'))} "
                              f"{web_port} || {{ echo 'TOUR-FAILED click' >&2; exit 1; }}")
                continue
            if not command or command.startswith("#") or command.startswith(SETUP):
                continue
            lines.append(command)
            index = len(lines) - 1
            if command.startswith("gov mail-sink"):
                # Long-running: in the background, on a port free here, until it listens.
                script.append(f"{command.replace('8025', port)} > {shlex.quote(str(work / 'sink.log'))} 2>&1 & SINK=$!")
                script.append(f"for i in $(seq 300); do grep -q listening {shlex.quote(str(work / 'sink.log'))} && break; sleep 0.1; done")
                continue
            if command.startswith("gov serve"):
                # Long-running too: on a free port, until its health answers.
                script.append(f"{command.replace('8080', web_port)} > {shlex.quote(str(work / 'serve.log'))} 2>&1 & SERVE=$!")
                script.append(f"for i in $(seq 300); do {shlex.quote(sys.executable)} -c \"import urllib.request; "
                              f"urllib.request.urlopen('http://127.0.0.1:{web_port}/healthz')\" 2>/dev/null && break; sleep 0.1; done")
                continue
            if command.startswith("gov scheduler"):
                script.append(f"{command} > {shlex.quote(str(work / 'scheduler.log'))} 2>&1 & SCHED=$!")
                script.append("for i in $(seq 300); do gov --json status | grep -q '\"alive\": true' && break; sleep 0.1; done")
                continue
            script.append(f"echo 'TOUR-LINE {index}'")
            script.append("{\n" + command + "\n}")
            script.append(f"rc=$?; if [ $rc -ne 0 ]; then echo \"TOUR-FAILED {index} exit $rc\" >&2; exit 1; fi")
    env_path = f"export PATH={shlex.quote(gov_dir)}:\"$PATH\""
    return "\n".join([env_path, *script]) + "\n", lines


def test_the_readme_says_how_to_put_gov_on_the_path_before_the_tour_begins():
    blocks = tour_blocks()
    first_sh = next(text for language, text in blocks if language == "sh")
    assert "source .venv/bin/activate" in first_sh
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A ten-minute tour"):]
    assert tour.index("pipx install .") < tour.index("gov init --rehearsal")


def test_the_readme_tour_runs_as_written(tmp_path):
    (tmp_path / "tour").mkdir()
    script, lines = tour_script(tmp_path)
    (tmp_path / "tour.sh").write_text(script, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    done = subprocess.run(["bash", str(tmp_path / "tour.sh")], capture_output=True, text=True, env=env, timeout=600)
    failed = re.search(r"TOUR-FAILED (\S+)", done.stderr)
    where = lines[int(failed.group(1))] if failed and failed.group(1).isdigit() else (failed.group(1) if failed else "?")
    assert done.returncode == 0, f"README tour line failed: {where}\nstdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert len(lines) >= 25 and sum(1 for n in re.findall(r"TOUR-LINE (\d+)", done.stdout)) == len(lines) - 3  # all but the servers
    # What the tour promises: the scheduler alive in `gov status`, the letters at the mail sink, a clean stop.
    assert "scheduler:      alive" in done.stdout, done.stdout[-3000:]
    sink = (tmp_path / "sink.log").read_text(encoding="utf-8")
    assert "to mehmet@example.org" in sink and "to ahmed@example.org" in sink, sink
    assert "scheduler stopped" in (tmp_path / "scheduler.log").read_text(encoding="utf-8")
    assert "audit trail intact" in done.stdout
    # The chair approved from the link in the delivered letter, and the record says so.
    assert "the chair approved through the link: Approved: M-2 is now convened" in done.stdout, done.stdout[-3000:]
    assert '"channel": "link"' in done.stdout.rsplit("the chair approved through the link", 1)[1]
