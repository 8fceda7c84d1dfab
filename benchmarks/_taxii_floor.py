"""The floor: what storing and reading the same rows costs with nothing in between.

The rows are those taawun stores for the corpus (the columns of ``intel_object``,
the body as served, with its TLP marking and classification extension). Written
with raw ``executemany`` (in chunks of 100,000 rows, one transaction; only the
``executemany`` calls are timed) into a table with the same primary key and the
unique ``added_us`` the pages are ordered by, and read back with one raw
``SELECT body ... ORDER BY added_us`` on the driver's cursor (``fetchall``), whose bodies
are joined into one envelope.
No HTTP, no validation, no policy, no audit: in process.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from _taxii_corpus import stix_object
from sqlalchemy import Engine

from taawun.intel.markings import EXTENSION_ID, TLP2_IDS, Tlp

CHUNK = 100_000
EPOCH_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
COLUMNS = (
    "stix_id", "type", "spec_version", "created_us", "version_us", "added_us", "is_first",
    "is_last", "owner_agency_id", "owner_state_id", "tlp", "classification", "released_to_all",
    "revoked", "label", "body",
)  # fmt: skip


def stored_row(i: int, agency_id: int, state_id: int, added_us: int) -> dict[str, Any]:
    """The ``intel_object`` row taawun stores for corpus object ``i`` (TLP:AMBER, UNCLASSIFIED)."""
    obj = stix_object(i)
    served = {
        **obj,
        "object_marking_refs": [TLP2_IDS[Tlp.AMBER]],
        "extensions": {
            EXTENSION_ID: {"extension_type": "property-extension", "classification": "UNCLASSIFIED"}
        },
    }
    label = " ".join(v for k in ("name", "pattern") if isinstance(v := obj.get(k), str))
    return {
        "stix_id": obj["id"],
        "type": obj["type"],
        "spec_version": "2.1",
        "created_us": EPOCH_US,
        "version_us": EPOCH_US,
        "added_us": added_us,
        "is_first": True,
        "is_last": True,
        "owner_agency_id": agency_id,
        "owner_state_id": state_id,
        "tlp": int(Tlp.AMBER),
        "classification": 0,
        "released_to_all": False,
        "revoked": False,
        "label": label or obj["id"],
        "body": orjson.dumps(served),
    }


def floor(engine: Engine, n: int) -> dict[str, float]:
    sqlite = engine.dialect.name == "sqlite"
    seq = "INTEGER PRIMARY KEY" if sqlite else "BIGSERIAL PRIMARY KEY"
    blob = "BLOB" if sqlite else "BYTEA"
    marks = ", ".join("?" if sqlite else "%s" for _ in COLUMNS)
    insert = f"INSERT INTO floor_object ({', '.join(COLUMNS)}) VALUES ({marks})"
    written = 0.0
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS floor_object")
        conn.exec_driver_sql(
            f"CREATE TABLE floor_object (seq {seq}, stix_id TEXT, type TEXT, spec_version TEXT, "
            "created_us BIGINT, version_us BIGINT, added_us BIGINT UNIQUE, is_first BOOLEAN, "
            "is_last BOOLEAN, owner_agency_id INTEGER, owner_state_id INTEGER, tlp SMALLINT, "
            "classification SMALLINT, released_to_all BOOLEAN, revoked BOOLEAN, label TEXT, "
            f"body {blob})"
        )
        for lo in range(0, n, CHUNK):
            rows = [
                tuple(stored_row(i, 1, 1, EPOCH_US + i).values())
                for i in range(lo, min(lo + CHUNK, n))
            ]
            start = time.perf_counter()
            conn.exec_driver_sql(insert, rows)
            written += time.perf_counter() - start
        start = time.perf_counter()
    written += time.perf_counter() - start  # the commit
    with engine.connect() as conn:
        # The driver's own cursor: SQLAlchemy's result rows would cost more than the read.
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        start = time.perf_counter()
        cursor.execute("SELECT body FROM floor_object ORDER BY added_us")
        bodies = [bytes(r[0]) for r in cursor.fetchall()]
        envelope = b'{"more":false,"objects":[' + b",".join(bodies) + b"]}"
        read = time.perf_counter() - start
        cursor.close()
    assert len(bodies) == n and envelope
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE floor_object")
    return {"floor write/s": n / written, "floor read/s": n / read}
