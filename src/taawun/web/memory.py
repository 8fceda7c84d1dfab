"""Process memory settings for serving.

A page of 1,000 objects is a ~550 KB response, built fresh for every request (the
database's joined bodies, then the envelope). glibc serves blocks that large with a
new ``mmap`` each time and unmaps them when freed, so every page touched new memory:
~135 page faults per buffer, measured at about 1 ms of a 2–3 ms page request on the
benchmark machine (a FastAPI endpoint returning a fresh 550 KB body: 1.1 ms per
request, 0.5 ms with the setting below). Raising glibc's mmap threshold keeps such
blocks in the heap, where freed ones are reused; raising the trim threshold keeps the
heap from being handed back between requests. Elsewhere (another libc, another OS)
nothing changes.

The cyclic garbage collector is the other cost. After start-up the process holds
~130,000 long-lived objects (modules, the STIX tables, SQLAlchemy's metadata); a full
collection walks them all, ~50 ms here, and ingest allocates enough to trigger one
every 15 envelopes of 500 or so; with the younger collections, ~10% of ingest time. ``settle_heap``
collects once and freezes what is left (``gc.freeze``: never walked again), and raises
the youngest generation's threshold so the many short-lived dicts of a request die
before a collection has to look at them. Measured with ``gc.callbacks`` over 30,000
objects ingested over HTTP: 330 ms of collections, four of them full (~55 ms each), became
~60 ms with no full collection after start-up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # blocks up to 32 MiB come from the heap
TRIM_THRESHOLD = 128 * 1024 * 1024  # keep up to 128 MiB of free heap for reuse
YOUNG_THRESHOLD = 10_000  # allocations between collections of the youngest generation (700)

_settled: list[bool] = []  # one entry once the heap is settled


def settle_heap() -> bool:
    """Freeze the start-up heap and raise the young threshold, once per process; whether
    this call did it (later apps in the same process, as in tests, leave it alone)."""
    if _settled:
        return False
    _settled.append(True)
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    return True


def keep_large_blocks() -> bool:
    """Apply the settings where glibc is the allocator; whether they were applied."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
