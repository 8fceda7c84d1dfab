"""The serving process keeps large blocks in the heap where glibc is the allocator."""

from __future__ import annotations

import ctypes.util
import gc
import platform
import sys
from pathlib import Path

import pytest

from taawun.core.settings import Settings
from taawun.web.memory import keep_large_blocks


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the setting exists only in glibc; elsewhere keep_large_blocks() is a no-op",
)
def test_glibc_takes_the_setting() -> None:
    assert ctypes.util.find_library("c") is not None
    assert keep_large_blocks() is True
    assert keep_large_blocks() is True  # idempotent: create_app may run more than once


def test_serving_settles_the_heap_once(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from taawun.web.app import create_app
    from taawun.web.memory import YOUNG_THRESHOLD, settle_heap

    untuned = create_app(settings=Settings(home=tmp_path, database_url="sqlite://"))
    with TestClient(untuned):  # an application of the tests' kind leaves the process alone
        pass
    assert untuned.state.heap_settled is False and untuned.state.large_blocks_kept is False
    app = create_app(settings=Settings(home=tmp_path, database_url="sqlite://"), tune_process=True)
    with TestClient(app):  # start-up runs the lifespan
        pass
    # The first app of the process settled it (here or in an earlier test); never again.
    assert settle_heap() is False
    assert gc.get_freeze_count() > 10_000  # the start-up heap: modules, tables, metadata
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
