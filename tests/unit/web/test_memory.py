"""The serving process keeps large blocks in the heap where glibc is the allocator."""

from __future__ import annotations

import ctypes.util
import platform
import sys

import pytest

from taawun.web.memory import keep_large_blocks


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the setting exists only in glibc; elsewhere keep_large_blocks() is a no-op",
)
def test_glibc_takes_the_setting() -> None:
    assert ctypes.util.find_library("c") is not None
    assert keep_large_blocks() is True
    assert keep_large_blocks() is True  # idempotent: create_app may run more than once
