"""A warm `gov`: a process that holds the engine imported, from which each command is forked, as Mercurial's chg does.

Importing SQLAlchemy, the models, click, Jinja and Babel costs a command several times what the command itself does;
a forked child has them already. The first command of a user (for this code, this Python and these settings) starts
the warm process and runs cold; the next ones connect to it over a socket in a folder only that user may enter,
hand it their arguments, environment, working folder, umask and their own standard streams, and wait for the
child's exit code. The child is the command as a cold process would run it: it writes to the caller's own stdout and
stderr, and it dies the moment its caller does (the kernel kills it when the caller's end of the socket closes), so a
command killed half-way stops half-way, as a cold one would.

Any doubt runs the command cold: no socket, a warm process that does not answer in time or closes before the command
starts, a stream that is closed. `GOV_WARM=0` turns it off; `GOV_WARM_DIR` names the folder of the sockets (and of
each warm process's pid). A warm process ends after IDLE seconds without a command, or on SIGTERM. Code that changes
(any module of the engine, the Python, what is installed) names another socket, so a warm process never runs stale
code.
"""

from __future__ import annotations

import _socket
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # the caller's side imports nothing it does not run: typing and socket cost half its start-up
    import socket
    from typing import Any, NoReturn

IDLE = 600  # seconds a warm process waits for a command before it ends
START_WAIT = 5.0  # seconds a command waits for a warm process (perhaps still importing) to take it, then runs cold
_HEADER = 8  # the request's length, as ASCII digits
_F_SETSIG = 10  # fcntl: which signal O_ASYNC sends (Linux)


# -- the caller ----------------------------------------------------------------------------------------

def enabled(argv: list[str]) -> bool:
    """Whether this command may run warm: Linux, not turned off, not a process that runs for hours
    (the scheduler and the web server gain nothing and are better supervised as themselves)."""
    # Linux: the kernel's signal on a closed socket (F_SETSIG) is how a command dies with its caller.
    if os.environ.get("GOV_WARM", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    return not ({"scheduler", "serve"} & set(argv))


def run(argv: list[str]) -> int | None:
    """Run `argv` in a child of the warm process and return its exit code; None when the command has not run
    (start the warm process for next time, if there is none, and run it cold)."""
    where = _socket_path()
    if where is None:
        return None
    streams = [_stream_spec(stream, fd) for fd, stream in enumerate((sys.stdin, sys.stdout, sys.stderr))]
    if None in streams:
        return None
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(where)
    except OSError:
        conn.close()
        _start(where)
        return None
    given = [sys.argv[0], *argv]  # the name it was called by too: hints print it as the user typed it (cli/democmd.py)
    fields = [cwd, str(umask), str(len(given)), *given, str(len(os.environ)), *(f"{k}={v}" for k, v in os.environ.items())]
    for spec in streams:
        fields.extend(spec)  # type: ignore[arg-type]
    payload = "\0".join(fields).encode("utf-8", "surrogateescape")
    from array import array

    try:
        conn.settimeout(START_WAIT)
        streams_given = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array("i", [0, 1, 2]))]
        conn.sendmsg([f"{len(payload):0{_HEADER}d}".encode()], streams_given)
        conn.sendall(payload)
        started = _line(conn)
        if not started.startswith(b"P"):
            conn.close()
            return None  # the warm process went away before the command started: nothing ran
        child = int(started[1:])
        forwarded = _forward_signals(child)
        conn.settimeout(None)
        conn.sendall(b"G")  # from here on the command runs: whatever happens, it is not run again cold
    except (OSError, ValueError):
        conn.close()
        return None
    except KeyboardInterrupt:  # before the command started: nothing ran
        conn.close()
        sys.stderr.write("gov: aborted\n")
        return 1
    return _wait(conn, forwarded)


def _line(conn: Any) -> bytes:
    """One line the warm process or the command sends (b"" if it closed first); it never sends two unasked."""
    got = b""
    while not got.endswith(b"\n"):
        chunk = conn.recv(64)
        if not chunk:
            return b""
        got += chunk
    return got


def _forward_signals(child: int) -> list[int]:
    """Pass what the terminal or a supervisor sends this process on to the command's; the list fills as they come."""
    import signal

    forwarded: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        forwarded.append(signum)
        try:
            os.kill(child, signum)
        except OSError:
            pass

    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"):
        signal.signal(getattr(signal, name), forward)
    return forwarded


def _wait(conn: Any, forwarded: list[int]) -> int:
    import signal

    ended = _line(conn)
    if ended.startswith(b"X"):
        return int(ended[1:])
    if forwarded:  # the child died of the signal it was given: so does its caller, as a cold command would
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    sys.stderr.write("gov: the command's process ended without an exit status (it was killed)\n")
    return 1


def _stream_spec(stream: Any, fd: int) -> tuple[str, str, str, str] | None:
    """How the child opens this stream again over the same file: encoding, errors, line buffering, write-through
    (`python -u`, PYTHONUNBUFFERED); None when the stream is not that file descriptor (closed, or replaced)."""
    if stream is None or not hasattr(stream, "encoding"):
        return None
    try:
        if stream.fileno() != fd:
            return None
    except (OSError, ValueError, AttributeError):
        return None
    return (stream.encoding or "utf-8", stream.errors or "strict", "1" if getattr(stream, "line_buffering", False) else "0",
            "1" if getattr(stream, "write_through", False) else "0")


def _key() -> str:
    """What the warm process must share with its callers to be them: this Python and its settings, what it imports
    from, every module of the engine as it is now, and the locale and warning settings read at start-up."""
    import zlib

    parts = [sys.executable, sys.version, repr(sys.flags), repr(sys.warnoptions), repr(sys._xoptions)]
    parts += [f"{name}={os.environ.get(name, '')}" for name in ("PYTHONWARNINGS", "LC_ALL", "LC_CTYPE", "LANG", "PYTHONHASHSEED")]
    for entry in search_path():
        parts.append(entry)
        if os.path.basename(entry) in ("site-packages", "dist-packages"):  # an install or an upgrade changes it
            try:
                parts.append(str(os.stat(entry).st_mtime_ns))
            except OSError:
                pass
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stack = [package]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    parts.append(f"{entry.path}:{info.st_mtime_ns}:{info.st_size}")
    text = "\n".join(sorted(parts)).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def search_path() -> list[str]:
    """Where this process imports from, less the working folder `python -m` puts first (an instance's folder holds
    no module of the engine, and each folder would otherwise need a warm process of its own)."""
    path = list(sys.path)
    if path and path[0] in ("", os.getcwd()):
        path.pop(0)
    return path


def folder_for(environ: dict[str, str] | os._Environ[str]) -> str:
    """The folder of the warm processes' sockets and pids for commands run with `environ`."""
    folder = environ.get("GOV_WARM_DIR")
    if not folder:
        base = environ.get("XDG_RUNTIME_DIR") or environ.get("TMPDIR") or "/tmp"
        folder = os.path.join(base, f"gov-warm-{os.getuid()}")
    return folder


def _folder() -> str | None:
    """A folder only this user may enter, where warm processes keep their sockets."""
    import stat

    folder = folder_for(os.environ)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) != 0o700:
        return None
    return folder


def _socket_path() -> str | None:
    folder = _folder()
    if folder is None:
        return None
    where = os.path.join(folder, _key() + ".sock")
    return where if len(where.encode()) < 100 else None  # a socket's address holds about 108 bytes


def _start(where: str) -> None:
    """Start the warm process for `where`, detached (its own session, no terminal, no streams of ours)."""
    import subprocess

    flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]  # -X, -W, -O as this process has them
    try:
        environ = dict(os.environ, GOV_WARM_PATH=os.pathsep.join(search_path()))
        os.posix_spawn(sys.executable, [sys.executable, *flags, "-m", "governance.cli.warm", where], environ,
                       setsid=True, file_actions=[(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)])
    except OSError:
        pass


# -- the warm process -------------------------------------------------------------------------------------

def serve(where: str) -> None:
    """Listen at `where`, import the engine, and fork a child for each command until IDLE seconds pass idle."""
    import gc
    import signal
    import socket

    from governance.cli.entry import YOUNG

    os.chdir("/")
    if os.environ.get("GOV_WARM_PATH"):
        sys.path[:] = os.environ.pop("GOV_WARM_PATH").split(os.pathsep)  # its callers' own
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])  # as a cold command has it (cli/entry.py)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if not _bind(listener, where):
        return
    mine = os.stat(where).st_ino
    try:
        with open(where[:-len(".sock")] + ".pid", "w", encoding="ascii") as pid:
            pid.write(str(os.getpid()))
    except OSError:
        pass
    try:
        _preload()
    except Exception:  # noqa: BLE001 - an engine that cannot even be imported is left to the cold command to report
        _leave(listener, where, mine)
        return
    gc.freeze()  # what the engine loaded is never collected, in this process or in its children (who share its pages)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children: their callers wait on them
    signal.signal(signal.SIGTERM, _ended)  # asked to end: it leaves its address free (children run on)
    listener.settimeout(IDLE)
    try:
        _serve(listener, where, mine)
    except SystemExit:
        pass
    _leave(listener, where, mine)


def _ended(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _serve(listener: socket.socket, where: str, mine: int) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            break
        except OSError:
            continue
        try:
            if os.stat(where).st_ino != mine:
                conn.close()
                break  # another warm process took the address
        except OSError:
            conn.close()
            break
        request = _receive(conn)
        if request is None:
            conn.close()
            continue
        fields, fds = request
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(conn, fields, fds)
        for fd in fds:
            os.close(fd)
        conn.close()


def _bind(listener: socket.socket, where: str) -> bool:
    """Take the address, unless a live warm process holds it (then leave it that one)."""
    import socket

    try:
        listener.bind(where)
    except OSError:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(where)
            return False  # alive: it serves
        except OSError:
            pass
        finally:
            probe.close()
        try:
            os.unlink(where)  # left by a warm process that died
            listener.bind(where)
        except OSError:
            return False
    listener.listen(64)
    return True


def end(folder: str, since: float = 0.0) -> None:
    """Ask the warm processes whose pids `folder` holds (those started at `since` or after) to end. Commands of theirs
    still running go on: each is a process of its own."""
    import signal

    try:
        names = [name for name in os.listdir(folder) if name.endswith(".pid")]
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            if os.stat(path).st_mtime >= since:
                with open(path, encoding="ascii") as pid:
                    os.kill(int(pid.read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


def _leave(listener: socket.socket, where: str, mine: int) -> None:
    listener.close()
    try:
        if os.stat(where).st_ino == mine:
            os.unlink(where)
            os.unlink(where[:-len(".sock")] + ".pid")
    except OSError:
        pass


def _preload() -> None:
    """Import what commands import, configure the mappers and read the locales letters are written in."""
    import importlib

    for name in ("governance.cli.main", "governance.cli.commands", "governance.cli.quick", "governance.cli.reads",
                 "governance.cli.output", "governance.service.changes", "governance.service.queries",
                 "governance.service.plainread", "governance.service.tick", "governance.service.transaction",
                 "governance.mail.render", "governance.mail.dates", "governance.mail.layout", "governance.mail.stencil",
                 "governance.store.plain", "governance.config"):
        importlib.import_module(name)
    from babel import Locale
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    from governance.mail.dates import babel_locale
    from governance.mail.render import PACKAGE_TEMPLATES, _environment, template_names

    env = _environment("")  # the shipped letters' environment, shared by every instance without letters of its own
    env.get_template("layout.html")
    names = sorted(template_names())
    for folder in sorted(PACKAGE_TEMPLATES.iterdir()):
        if folder.is_dir():
            Locale.parse(babel_locale(folder.name)).date_formats  # noqa: B018 - loads the locale's data
            for name in names:
                if (folder / f"{name}.txt").exists():
                    env.get_template(f"{folder.name}/{name}.txt")


def _receive(conn: socket.socket) -> tuple[list[str], list[int]] | None:
    """A caller's request: its fields and its three streams; None for anything else (or a caller of another user)."""
    import socket
    import struct

    try:
        conn.settimeout(5)
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            return None
        header, fds, _, _ = socket.recv_fds(conn, _HEADER, 3)
        if len(fds) != 3 or len(header) != _HEADER or not header.isdigit():
            for fd in fds:
                os.close(fd)
            return None
        size, chunks = int(header), []
        while size > 0:
            chunk = conn.recv(min(size, 1 << 16))
            if not chunk:
                raise OSError("the caller went away")
            chunks.append(chunk)
            size -= len(chunk)
        conn.settimeout(None)
    except (OSError, ValueError, struct.error):
        return None
    return b"".join(chunks).decode("utf-8", "surrogateescape").split("\0"), fds


def _child(conn: socket.socket, fields: list[str], fds: list[int]) -> NoReturn:
    """Become the caller's command: its streams, folder, umask, environment and arguments; run it; report its code."""
    import signal

    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for name in ("SIGTERM", "SIGHUP", "SIGQUIT"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        conn.sendall(b"P%d\n" % os.getpid())
        if conn.recv(1) != b"G":
            os._exit(0)  # the caller went away before the command started: it runs nowhere
        _die_with(conn)
        cwd, umask, count = fields[0], int(fields[1]), int(fields[2])
        argv = fields[3:3 + count]
        rest = fields[3 + count:]
        environ = dict(item.split("=", 1) for item in rest[1:1 + int(rest[0])])
        specs = rest[1 + int(rest[0]):]
        for fd, target in zip(fds, (0, 1, 2)):
            os.dup2(fd, target)
            os.close(fd)
        _streams([specs[i:i + 4] for i in range(0, 12, 4)])
        os.chdir(cwd)
        os.umask(umask)
        os.environ.clear()
        os.environ.update(environ)
        import time

        time.tzset()
        sys.argv = argv
        code = _command()
    except KeyboardInterrupt:  # interrupted before the command started
        try:
            sys.stderr.write("gov: aborted\n")
        except Exception:  # noqa: BLE001
            pass
    except BaseException:  # noqa: BLE001 - a failure to become the command is reported as the cold one would be
        import traceback

        try:
            sys.stderr.write("gov: internal error (a bug; please report it with the lines below)\n")
            traceback.print_exc()
        except Exception:  # noqa: BLE001
            pass
    _report(conn, code)


def _die_with(conn: socket.socket) -> None:
    """Have the kernel kill this process the moment its caller's end of the socket closes (the caller died)."""
    import fcntl
    import select
    import signal

    fcntl.fcntl(conn.fileno(), fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(conn.fileno(), _F_SETSIG, signal.SIGKILL)
    fcntl.fcntl(conn.fileno(), fcntl.F_SETFL, fcntl.fcntl(conn.fileno(), fcntl.F_GETFL) | os.O_ASYNC)
    if select.select([conn], [], [], 0)[0]:  # it closed before the signal was armed
        os._exit(1)


def _streams(specs: list[list[str]]) -> None:
    """Standard streams over the caller's files, made as the interpreter makes its own (POSIX: no newline translation;
    stdin always buffered)."""
    import io

    for fd, name, (encoding, errors, line, through) in zip((0, 1, 2), ("stdin", "stdout", "stderr"), specs):
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        binary: Any = io.BufferedReader(raw) if fd == 0 else raw if through == "1" else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline="\n", line_buffering=line == "1",
                                  write_through=through == "1")
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _command() -> int:
    """The command, run as `gov` runs it, and its exit code as the interpreter would give it."""
    from governance.cli.entry import run_cold

    try:
        run_cold()
        code: Any = 0
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        code = 130
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def _report(conn: socket.socket, code: int) -> NoReturn:
    import atexit
    import fcntl

    try:
        if "threading" in sys.modules:  # the interpreter waits for the threads a command left running, then exits
            sys.modules["threading"]._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # what the interpreter exits with when its output cannot be flushed
    try:
        fcntl.fcntl(conn.fileno(), fcntl.F_SETFL, fcntl.fcntl(conn.fileno(), fcntl.F_GETFL) & ~os.O_ASYNC)
        conn.sendall(b"X%d\n" % code)
    except OSError:
        pass
    os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1])
