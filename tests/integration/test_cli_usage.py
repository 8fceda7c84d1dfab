"""How ``taawun`` answers a command line it cannot run, and what it loads to start (issue 9).

A usage error (a value not among the choices, a missing argument, an unknown option or
command, a group called bare) is one line on stderr naming what was wrong, exit code 2, and
nothing on stdout. ``taawun demo`` and ``taawun serve`` on a busy port say so before any
set-up, with exit code 12. ``taawun --help`` and a registry query load none of the heavy
packages they do not need (checked on the modules loaded, never on a time). Each runs the
console module as a child process, as a shell would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_cli import taawun

COMMANDS = (
    "init, import, serve, demo, state, agreements, partners, dyad, org, agreement, agency, user, "
    "audit, intel"
)

USAGE_ERRORS = [
    # command line, what the one line must name
    pytest.param(
        "state TUR --format xml",
        ["taawun state", "--format", "'xml' is not one of 'table', 'json', 'csv'"],
        id="value not among the choices",
    ),
    pytest.param("state", ["taawun state", "Missing argument 'name'"], id="missing argument"),
    pytest.param("state TUR --bogus", ["No such option: --bogus"], id="unknown option"),
    pytest.param("", ["Missing command", COMMANDS, "taawun --help"], id="bare taawun"),
    pytest.param("nosuch", ["No such command 'nosuch'", COMMANDS], id="unknown command"),
    pytest.param(
        "agreement", ["taawun agreement", "add, show, suspend, resume, terminate"], id="bare group"
    ),
    pytest.param("agreements --limit many", ["--limit", "valid integer"], id="not a number"),
    pytest.param("user add ali", ["Missing option '--agency'"], id="missing option"),
]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An empty node directory: nothing in it, and nothing may be created by a refused line."""
    return {"TAAWUN_HOME": str(tmp_path / "home"), "TAAWUN_DATABASE_URL": "", "COLUMNS": "80"}


@pytest.mark.parametrize(("line", "named"), USAGE_ERRORS)
def test_a_usage_error_is_one_line_and_exit_code_2(
    home: dict[str, str], line: str, named: list[str]
) -> None:
    run = taawun(home, *line.split())
    assert run.code == 2, run
    assert run.out == ""
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("error: "), lines[0]
    for thing in named:
        assert thing in lines[0], f"{thing!r} not named in: {lines[0]}"
    assert not Path(home["TAAWUN_HOME"]).exists(), "a refused command line touched the node"


def test_help_is_still_help(home: dict[str, str]) -> None:
    run = taawun(home, "--help")
    assert run.code == 0, run
    assert "Usage: taawun" in run.out
    assert all(name in run.out for name in COMMANDS.split(", "))


# --- a busy port ------------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_refused_before_any_set_up(
    home: dict[str, str], busy_port: int, command: str
) -> None:
    run = taawun(home, command, "--host", "127.0.0.1", "--port", str(busy_port))
    assert run.code == 12, run
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("error: ") and f"port {busy_port} on 127.0.0.1 is in use" in lines[0]
    assert not Path(home["TAAWUN_HOME"]).exists(), "set up before the port was checked"


# --- what starting a command loads ------------------------------------------------------------

# Packages a command may load only when it needs them: the web stack, STIX, plotting, and
# (for --help and usage errors) the database. Typer itself loads pydantic to check option
# values (and to show a command's defaults), so only `taawun --help` is held to loading no
# pydantic.
NEVER_FOR_A_QUERY = ("fastapi", "starlette", "uvicorn", "stix2", "numpy", "matplotlib", "alembic")
NEVER_FOR_A_USAGE_ERROR = (*NEVER_FOR_A_QUERY, "sqlalchemy", "argon2", "orjson", "rapidfuzz")
NEVER_FOR_HELP = (*NEVER_FOR_A_USAGE_ERROR, "pydantic")
PROBE = """
import os, sys
from pathlib import Path
from taawun.cli.main import app
sys.argv = ["taawun", *sys.argv[1:]]
try:
    app()
finally:
    Path(os.environ["MODULES_OUT"]).write_text("\\n".join(sorted(sys.modules)))
"""


def loaded(env: dict[str, str], tmp: Path, *args: str) -> tuple[int, set[str]]:
    """Run a command as ``taawun`` would, in a fresh interpreter: its exit code and every
    module it had loaded by the end."""
    out = tmp / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "MODULES_OUT": str(out)},
        timeout=120,
        check=False,
    )
    return done.returncode, set(out.read_text().splitlines())


def _packages(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in names}


@pytest.mark.parametrize(
    ("args", "never"),
    [
        (("--help",), NEVER_FOR_HELP),
        (("state", "--help"), NEVER_FOR_A_USAGE_ERROR),
        (("state", "TUR", "--format", "xml"), NEVER_FOR_A_USAGE_ERROR),
        ((), NEVER_FOR_A_USAGE_ERROR),
    ],
    ids=["--help", "state --help", "usage error", "bare"],
)
def test_help_and_usage_errors_load_no_database_web_or_stix(
    home: dict[str, str], tmp_path: Path, args: tuple[str, ...], never: tuple[str, ...]
) -> None:
    _, modules = loaded(home, tmp_path, *args)
    assert "taawun.cli.main" in modules and "typer" in modules  # the probe saw the CLI start
    assert _packages(modules, never) == set()
    assert {m for m in modules if m.startswith(("taawun.registry", "taawun.intel"))} == set()
    assert {m for m in modules if m.startswith(("taawun.access", "taawun.web"))} == set()
    assert "taawun.storage.engine" not in modules


def test_a_registry_query_loads_neither_the_web_app_nor_intel(
    home: dict[str, str], tmp_path: Path
) -> None:
    assert taawun(home, "init").code == 0
    code, modules = loaded(home, tmp_path, "state", "TUR")
    assert code == 3  # an empty node: the query ran, and found no Turkey
    assert "taawun.registry.service" in modules and "sqlalchemy.orm" in modules
    assert _packages(modules, NEVER_FOR_A_QUERY) == set()
    assert {m for m in modules if m.startswith(("taawun.web", "taawun.intel"))} == set()
