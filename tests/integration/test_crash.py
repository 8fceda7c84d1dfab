"""Crashes during ingest lose nothing acknowledged: a few rounds of ``benchmarks/crash.py``.

The node is killed with SIGKILL while writers POST envelopes over TAXII and REST; started
again, it holds every object it acknowledged, no request half stored, a sound database and
an unbroken audit chain (``tests/crash.py`` says exactly what is checked). The rounds run
one after the other on the same database, each on what the last kill left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .. import crash, load
from ..conftest import PG_ADMIN_URL, _worker

ROUNDS = 1  # benchmarks/crash.py runs many


@pytest.fixture(scope="module")
def prepared(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[load.Prepared, Path]]:
    tmp = tmp_path_factory.mktemp(f"{backend}-crash")
    name = f"taawun_test_crash_{_worker()}"
    url = load.sqlite_url(tmp) if backend == "sqlite" else load.postgresql_url(PG_ADMIN_URL, name)
    try:
        yield load.prepare(url, seed_objects=0), tmp
    finally:
        if backend != "sqlite":
            load.drop_postgresql(PG_ADMIN_URL, name)


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_a_killed_node_keeps_everything_it_acknowledged(
    prepared: tuple[load.Prepared, Path], seed: int
) -> None:
    node, tmp = prepared
    result = crash.crash_round(node.url, node, tmp / "server.log", seed=seed)
    assert result.requests > 0, "no write was answered before the kill: nothing was tested"
    assert result.ok, result
