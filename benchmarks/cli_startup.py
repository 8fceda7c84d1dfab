"""CLI start-up benchmark: how long a `taawun` command takes from exec to exit.

Run: ``python benchmarks/cli_startup.py [--rounds N] [--home DIR] [--module]``

Each command runs ``--rounds`` times (after one untimed warm-up run that fills the
byte-code and page caches) as a subprocess of the console script beside this interpreter
(``--module``: ``python -m taawun.cli.warm``, which follows ``PYTHONPATH``, to time
another checkout), twice: cold (``TAAWUN_WARM=0``: the command imports and runs
everything itself) and warm (the console script hands a query to the warm process of
``cli/warm.py``, started once before timing and stopped at the end). The node is set up
once with ``taawun init`` and ``taawun import`` (a temporary ``TAAWUN_HOME`` unless
``--home`` names an initialised one); ``COLUMNS=80``. It prints the median and the
fastest wall time per command, cold and warm, with each command's exit code checked,
next to three floors measured the same way: ``python -c pass`` (the interpreter),
``import typer`` (the CLI framework) and the libraries a registry query cannot do without
(Typer, SQLAlchemy's ORM, Pydantic, Rich's tables), as ratios. It judges the target of
issue 9 on the warm column (what a user gets from the second query on): ``--help`` and
the registry queries start in under 0.3 s (median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.3
LIBRARIES = "import typer, sqlalchemy.orm, pydantic, rich.table"

# (label, argv after the program, the exit code it must end with, judged against TARGET_S)
COMMANDS: list[tuple[str, list[str], int, bool]] = [
    ("taawun --help", ["--help"], 0, True),
    ("taawun state TUR", ["state", "TUR"], 0, True),
    ("taawun state TUR --format json", ["state", "TUR", "--format", "json"], 0, True),
    ("taawun dyad TUR PAK", ["dyad", "TUR", "PAK"], 0, True),
    ("taawun partners PAK --year 2018", ["partners", "PAK", "--year", "2018"], 0, True),
    ("taawun org OIC --year 2020", ["org", "OIC", "--year", "2020"], 0, True),
    (
        "taawun agreements --party TUR --party PAK",
        ["agreements", "--party", "TUR", "--party", "PAK"],
        0,
        True,
    ),
    ('taawun agreement show "ATOP 4965"', ["agreement", "show", "ATOP 4965"], 0, True),
    ("taawun state TUR --format xml (usage error)", ["state", "TUR", "--format", "xml"], 2, True),
    ("taawun intel --help", ["intel", "--help"], 0, False),
    ("taawun audit verify", ["audit", "verify"], 0, False),
]


def program(module: bool) -> list[str]:
    """The console script installed beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("taawun")
    if script.exists() and not module:
        return [str(script)]
    return [sys.executable, "-m", "taawun.cli.warm"]


def start_warm(home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The warm process for ``home``, listening (bounded wait)."""
    from taawun.cli import warm

    process = subprocess.Popen(
        [sys.executable, "-m", "taawun.cli.warm", "--serve", str(home.resolve())],
        env={**env, "TAAWUN_WARM_IDLE": "600"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sock = warm._place(str(home.resolve())).with_suffix(".sock")
    deadline = time.monotonic() + 60
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit("the warm process did not start")
        time.sleep(0.05)
    return process


def timed(argv: list[str], env: dict[str, str], rounds: int) -> tuple[list[float], set[int]]:
    """Wall times of ``rounds`` runs (after one that is not counted), and the exit codes."""
    out, codes = [], set()
    for n in range(rounds + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        took = time.perf_counter() - start
        codes.add(done.returncode)
        if n:
            out.append(took)
    return out, codes


def prepare(home: Path, env: dict[str, str], module: bool) -> None:
    for step in (["init"], ["import"]):
        done = subprocess.run(
            [*program(module), *step], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(f"taawun {step[0]} failed in {home}:\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed runs per command")
    parser.add_argument("--home", type=Path, help="an initialised TAAWUN_HOME to reuse")
    parser.add_argument("--module", action="store_true", help="run python -m taawun.cli.warm")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="taawun-cli-bench-") as tmp:
        home = args.home or Path(tmp)
        env = {**os.environ, "TAAWUN_HOME": str(home), "COLUMNS": "80", "TAAWUN_WARM": "0"}
        env.pop("TAAWUN_DATABASE_URL", None)
        if args.home is None:
            print(f"setting up a node in {home} (init, import) ...", flush=True)
            prepare(home, env, args.module)
        print(f"running {' '.join(program(args.module))}")

        floors = {
            "python -c pass": timed([sys.executable, "-c", "pass"], env, args.rounds)[0],
            'python -c "import typer"': timed(
                [sys.executable, "-c", "import typer"], env, args.rounds
            )[0],
            "the libraries a query needs": timed(
                [sys.executable, "-c", LIBRARIES], env, args.rounds
            )[0],
        }
        pass_med = statistics.median(floors["python -c pass"])
        typer_med = statistics.median(floors['python -c "import typer"'])

        print(f"\n{args.rounds} runs each; wall time from exec to exit; ratios of medians")
        header = (
            f"{'command':<46} {'median':>8} {'min':>8} {'× pass':>7} {'× typer':>8}"
            f" {'warm':>8} {'min':>8}  target (warm)"
        )
        print(header)
        print("-" * len(header))
        for label, runs in floors.items():
            med = statistics.median(runs)
            print(
                f"{label:<46} {med:>7.3f}s {min(runs):>7.3f}s {med / pass_med:>6.1f}×"
                f" {med / typer_med:>7.1f}×"
            )
        failed = []
        server = start_warm(home, env)
        hot_env = {**env, "TAAWUN_WARM": "1"}
        try:
            for label, argv, code, judged in COMMANDS:
                runs, codes = timed([*program(args.module), *argv], env, args.rounds)
                hot, hot_codes = timed([*program(args.module), *argv], hot_env, args.rounds)
                med, hot_med = statistics.median(runs), statistics.median(hot)
                verdict = ""
                if codes != {code} or hot_codes != {code}:
                    verdict = f"exit {sorted(codes | hot_codes)}, not {code}"
                    failed.append(label)
                elif judged:
                    verdict = "PASS" if hot_med < TARGET_S else "FAIL"
                    if verdict == "FAIL":
                        failed.append(label)
                print(
                    f"{label:<46} {med:>7.3f}s {min(runs):>7.3f}s {med / pass_med:>6.1f}×"
                    f" {med / typer_med:>7.1f}× {hot_med:>7.3f}s {min(hot):>7.3f}s  {verdict}"
                )
        finally:
            server.terminate()
            server.wait(timeout=60)
        print(f"\n({LIBRARIES!r} is the floor under a registry query printed as a table)")
        print(f"target: median < {TARGET_S} s for --help and the registry queries, warm")
        print("(warm: commands that are not queries, --help among them, run cold either way)")
        print("all judged commands PASS" if not failed else f"FAIL: {', '.join(failed)}")


if __name__ == "__main__":
    main()
