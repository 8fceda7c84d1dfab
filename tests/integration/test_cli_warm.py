"""The warm start (``cli/warm.py``): a query answered by a child of the warm process is
the cold answer, byte for byte, exit code included; and the warm process keeps to itself
(ends when idle, when its home is gone, or when the code changed; one per home; its
directory is its user's alone).

Each test starts its own warm process for a home of its own and stops it; every wait is
bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from taawun.cli import warm

WAIT_S = 30.0


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def _env(home: Path, url: str, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "TAAWUN_HOME": str(home),
        "TAAWUN_DATABASE_URL": url,
        "COLUMNS": "100",
        **more,
    }


def run(env: dict[str, str], *argv: str, warm_start: bool) -> Ran:
    """The console script's entry point (``warm.main``) in a child process. Warm, it runs
    with ``-X importtime``: the import lines it writes to stderr are its own (a forked child
    of the warm process does not write them), so they tell whether the query ran here."""
    flags = ["-X", "importtime"] if warm_start else []
    done = subprocess.run(
        [sys.executable, *flags, "-m", "taawun.cli.warm", *argv],
        env={**env, "TAAWUN_WARM": "1" if warm_start else "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    imports = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    if warm_start:
        assert not any(" sqlalchemy" in line for line in imports), "the query ran cold"
    err = "".join(
        line + "\n" for line in done.stderr.splitlines() if not line.startswith("import time:")
    )
    return Ran(done.returncode, done.stdout, err)


def _socket_of(home: Path) -> Path:
    return warm._place(str(home.resolve())).with_suffix(".sock")


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT_S} s: {what}")


def _answers(home: Path) -> bool:
    path = _socket_of(home)
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


@pytest.fixture
def url(loaded_engine: Engine) -> str:
    return loaded_engine.url.render_as_string(hide_password=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def _serve(home: Path, url: str, idle: str = "120") -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "taawun.cli.warm", "--serve", str(home.resolve())],
        env=_env(home, url, TAAWUN_WARM_IDLE=idle),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(lambda: _answers(home) or process.poll() is not None, "the warm process listens")
    assert process.poll() is None, "the warm process ended at start"
    return process


@pytest.fixture
def server(home: Path, url: str) -> Iterator[subprocess.Popen[bytes]]:
    process = _serve(home, url)
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=WAIT_S)


QUERIES = [
    ("state", "TUR"),
    ("state", "TUR", "--format", "json"),
    ("dyad", "TUR", "PAK", "--format", "csv"),
    ("agreements", "--party", "SAU", "--party", "ARE"),
    ("partners", "PAK", "--year", "2018"),
    ("org", "OIC", "--year", "2020", "--format", "json"),
    ("agreement", "show", "ATOP 4965"),
    ("state", "Atlantis"),  # not found: exit 3, one line on stderr
    ("state", "TUR", "--format", "xml"),  # a usage error: exit 2
    ("dyad", "TUR"),  # a missing argument: exit 2
]


@pytest.mark.parametrize("argv", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_a_warm_answer_is_the_cold_answer(
    server: subprocess.Popen[bytes], home: Path, url: str, argv: tuple[str, ...]
) -> None:
    env = _env(home, url)
    cold = run(env, *argv, warm_start=False)
    hot = run(env, *argv, warm_start=True)
    assert hot == cold
    assert cold.out or cold.err


def test_the_warm_child_takes_the_clients_environment(
    server: subprocess.Popen[bytes], home: Path, tmp_path: Path
) -> None:
    """Same home, another database: the child answers for the client's URL, not the one the
    warm process started with (an uninitialized one here: exit 9, as cold)."""
    env = _env(home, f"sqlite:///{tmp_path / 'none.db'}")
    cold = run(env, "state", "TUR", warm_start=False)
    hot = run(env, "state", "TUR", warm_start=True)
    assert cold.code == 9
    assert hot == cold


def test_other_code_ends_the_warm_process_and_the_query_runs_cold(
    server: subprocess.Popen[bytes], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm, "code_key", lambda: "another installation")
    assert warm._ask(warm._place(str(home.resolve())), ["state", "TUR"]) is None
    assert server.wait(timeout=WAIT_S) == 0
    assert not _socket_of(home).exists()


def test_a_query_with_no_warm_process_runs_cold_and_starts_one(
    home: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env(home, url)
    cold = run(env, "state", "PAK", "--format", "json", warm_start=False)
    first = subprocess.run(
        [sys.executable, "-m", "taawun.cli.warm", "state", "PAK", "--format", "json"],
        env={**env, "TAAWUN_WARM": "1", "TAAWUN_WARM_IDLE": "60"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (first.returncode, first.stdout) == (cold.code, cold.out)
    _wait(lambda: _answers(home), "a warm process was started")
    try:
        assert run(env, "state", "PAK", "--format", "json", warm_start=True) == cold
    finally:  # asked with another code key, it ends
        monkeypatch.setattr(warm, "code_key", lambda: "stop")
        warm._ask(warm._place(str(home.resolve())), ["state", "PAK"])
        _wait(lambda: not _socket_of(home).exists(), "the warm process ended")


def test_an_idle_warm_process_ends(home: Path, url: str) -> None:
    process = _serve(home, url, idle="1")
    assert process.wait(timeout=WAIT_S) == 0
    assert not _socket_of(home).exists()


def test_a_warm_process_ends_when_its_home_is_gone(home: Path, url: str) -> None:
    process = _serve(home, url)
    home.rmdir()
    assert process.wait(timeout=WAIT_S) == 0


def test_one_warm_process_per_home(server: subprocess.Popen[bytes], home: Path, url: str) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "taawun.cli.warm", "--serve", str(home.resolve())],
        env=_env(home, url),
        timeout=120,
        check=False,
    )
    assert second.returncode == 0  # it found the lock taken and left
    assert server.poll() is None and _answers(home)


def test_the_warm_directory_must_be_the_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm.tempfile, "gettempdir", lambda: str(tmp_path))
    place = warm._place("/some/home")
    assert place.parent.stat().st_mode & 0o777 == 0o700
    place.parent.chmod(0o755)
    with pytest.raises(PermissionError, match="not this user's alone"):
        warm._place("/some/home")


def test_the_peer_check_reads_the_connecting_users_id() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with left, right:
        assert warm._peer_uid(left) == os.getuid()


def test_only_read_only_commands_go_warm() -> None:
    assert warm.is_query(["state", "TUR"])
    assert warm.is_query(["agreement", "show", "ATOP 1"])
    assert warm.is_query(["threats", "--agreement", "ATOP 4965"])
    assert warm.is_query(["transfers", "allies", "PAK"])
    for argv in (
        ["threats", "reindex"],
        ["ops", "propose"],
        ["training", "take", "x"],
        ["common", "add", "8.8.8.8"],
        ["transfers", "add"],
        ["threats"],
        [],
        ["--help"],
        ["agreement", "accept", "1"],
        ["user", "add", "x"],
        ["intel", "share"],
        ["import"],
    ):
        assert not warm.is_query(argv), argv
