"""The ``taawun`` console script, and the warm process that answers its queries quickly.

A registry query needs Typer, SQLAlchemy, Pydantic and Rich, whose imports alone take
0.3-0.45 s on the benchmark machine, more than the whole query may (issue 9: under 0.3 s).
So, as Gradle's daemon and Rails' Spring do, the queries are answered by a child forked
from a process that has imported them already: this module imports only the standard
library, and for a read-only query (``QUERIES``, ``GROUP_QUERIES``) it hands its argv,
environment, working directory and its own standard input, output and error (the file
descriptors themselves, over a Unix socket) to the warm process for ``TAAWUN_HOME``.
That process forks; the child takes the descriptors as its own, sets the environment and
directory, runs the command as ``taawun.cli.main.app`` would here, and sends back the exit
code. Output, colours, terminal
width, exit codes and errors are the cold run's: the command runs the same code on the
same descriptors, with the client's environment (so ``TAAWUN_DATABASE_URL`` and ``--as``
mean what they mean cold).

When no warm process answers, the query runs here, cold, and a warm process is started
in the background for the next one; it ends after ``TAAWUN_WARM_IDLE`` seconds without a
query (default 900), when its ``TAAWUN_HOME`` is gone, or when the installed code changed
(each query carries a key of the code it expects: the interpreter and the newest mtime
under the package; a warm process with another key ends, and the query runs cold).
``TAAWUN_WARM=0`` turns all of it off (the tests do, but for their own).

Only the user who started it may talk to it: its socket is in a directory only that user
can enter, and it checks the peer's user id (``SO_PEERCRED``) on every connection.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

# Read-only commands (none prompts or writes): a command, or a group's read-only commands.
QUERIES = frozenset({"state", "agreements", "partners", "dyad", "org"})
GROUP_QUERIES = {
    "agreement": frozenset({"show"}),
    "threats": frozenset({"seen", "reference"}),
    "ops": frozenset({"list", "show", "alongside"}),
    "training": frozenset({"list", "show", "ledger"}),
    "exercises": frozenset({"list", "show", "partners"}),
    "transfers": frozenset({"list", "show", "flagged", "items", "allies"}),
    "common": frozenset({"list", "check"}),
}
# Groups that answer a query themselves when given only options (`taawun threats --mine`).
ASKED_WITH_OPTIONS = frozenset({"threats"})
IDLE_DEFAULT = 900
MAX_MESSAGE = 1 << 20
_PACKAGE = Path(__file__).resolve().parent.parent


def is_query(argv: list[str]) -> bool:
    if not argv:
        return False
    if argv[0] in QUERIES:
        return True
    commands = GROUP_QUERIES.get(argv[0])
    if commands is None or len(argv) < 2:
        return False
    return argv[1] in commands or (argv[0] in ASKED_WITH_OPTIONS and argv[1].startswith("-"))


def code_key() -> str:
    """What the code a process runs is: the interpreter and the newest file under taawun/
    (about 2 ms to compute; a reinstall or an edit changes it)."""
    newest = 0.0
    stack = [str(_PACKAGE)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    newest = max(newest, entry.stat().st_mtime)
    return f"{sys.executable}|{newest}"


def _home() -> str:
    home = os.environ.get("TAAWUN_HOME")
    if home:
        return str(Path(home).resolve())
    from taawun.core.settings import Settings  # platformdirs: only when TAAWUN_HOME is unset

    return str(Settings.from_env().home.resolve())


def _place(home: str) -> Path:
    """The socket's and lock's directory: this user's alone (0700), refused if it is not."""
    folder = Path(tempfile.gettempdir()) / f"taawun-warm-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} is not this user's alone")
    return folder / hashlib.sha256(home.encode()).hexdigest()[:24]


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


# --- the client ---------------------------------------------------------------------------


def _ask(place: Path, argv: list[str]) -> int | None:
    """Run ``argv`` in the warm process; its exit code, or None if none answered (nothing
    has run then)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(str(place.with_suffix(".sock")))
        mask = os.umask(0o022)  # read it (the only way), and put it back
        os.umask(mask)
        request = {
            "key": code_key(),
            "argv": argv,
            "cwd": str(Path.cwd()),
            "env": dict(os.environ),
            "umask": mask,
        }
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        first = json.loads(conn.recv(MAX_MESSAGE) or b"{}")
    except (OSError, ValueError):
        conn.close()
        return None
    if "pid" not in first:  # another code key: it is ending; run cold
        conn.close()
        return None
    child = int(first["pid"])

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    with conn:
        last = conn.recv(MAX_MESSAGE)
    if not last:
        sys.stderr.write("taawun: error: the warm process ended without an answer\n")
        return 1
    return int(json.loads(last)["exit"])


def _start_server(home: str) -> None:
    import subprocess

    subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "taawun.cli.warm", "--serve", home],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def main() -> None:
    """Console entry point: a query goes to the warm process if one answers; everything
    else, and a query none answered, runs here."""
    argv = sys.argv[1:]
    if os.environ.get("TAAWUN_WARM", "1") != "0" and is_query(argv):
        try:
            home = _home()
            place = _place(home)
        except Exception:
            place = None
        if place is not None:
            code = _ask(place, argv)
            if code is not None:
                sys.exit(code)
            if Path(home).is_dir():
                _start_server(home)
    from taawun.cli.main import app

    app()


# --- the warm process -----------------------------------------------------------------------


def _preload() -> None:
    """Import what the queries use, so a forked child starts with it."""
    import rich.table  # noqa: F401
    import sqlalchemy.dialects.postgresql.psycopg
    import sqlalchemy.dialects.sqlite.pysqlite  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    import taawun.access.service
    import taawun.cli._context
    import taawun.cooperation.exercises.service
    import taawun.cooperation.operations.service
    import taawun.cooperation.threats.common_service
    import taawun.cooperation.threats.service
    import taawun.cooperation.training.ledger
    import taawun.cooperation.training.service
    import taawun.cooperation.transfers.service
    import taawun.registry.service  # noqa: F401
    from taawun.cli import main

    configure_mappers()
    main.command()


def _child(conn: socket.socket, request: dict[str, object], fds: list[int]) -> None:
    """In the forked child: become the client's process, run the command, answer its code."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own stdin, for its life
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    os.environ.clear()
    os.environ.update(dict(request["env"]))  # type: ignore[call-overload]
    os.chdir(str(request["cwd"]))
    os.umask(int(request["umask"]))  # type: ignore[call-overload]
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.argv = ["taawun", *request["argv"]]  # type: ignore[misc]
    code = 1
    try:
        from taawun.cli.main import app

        app()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # what a cold run would print: the traceback, exit 1
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            conn.send(json.dumps({"exit": code}).encode())
        os._exit(code)


def serve(home: str) -> None:
    """Answer queries for ``home`` until idle, gone, or the code changed."""
    place = _place(home)
    lock = place.with_suffix(".lock").open("w")  # held (and locked) for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another warm process serves this home
    key = code_key()
    _preload()
    path = place.with_suffix(".sock")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(str(path))
    server.listen(16)
    server.settimeout(1.0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    import gc

    gc.freeze()  # what is loaded stays shared with the children, not copied on collection
    idle = float(os.environ.get("TAAWUN_WARM_IDLE") or IDLE_DEFAULT)
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle and Path(home).is_dir():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            if not _answer(conn, key, server):
                break
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        server.close()


def _answer(conn: socket.socket, key: str, server: socket.socket) -> bool:
    """Fork a child for one request; False when the request expects other code (the
    process must end, so that the next query starts a current one)."""
    with conn:
        conn.settimeout(5.0)
        try:
            if _peer_uid(conn) != os.getuid():
                return True
            data, fds, _flags, _addr = socket.recv_fds(conn, MAX_MESSAGE, 3)
            request = json.loads(data)
        except (OSError, ValueError):
            return True
        if request.get("key") != key or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            conn.send(json.dumps({"stale": True}).encode())
            return False
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.settimeout(None)
            try:
                conn.send(json.dumps({"pid": os.getpid()}).encode())
            except OSError:
                os._exit(1)
            _child(conn, request, fds)
        for fd in fds:
            os.close(fd)
    return True


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"] and len(sys.argv) == 3:
        serve(sys.argv[2])
    else:
        main()
