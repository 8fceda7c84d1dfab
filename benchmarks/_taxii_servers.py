"""The two servers of the TAXII benchmark, each a subprocess on 127.0.0.1.

taawun runs as in production: ``uvicorn --factory taawun.web.app:create_served_app``,
one worker (the client shares the machine's two cores), no reload, log level
warning, no access log, against a node database prepared once (migrated, the
registry data imported, one agency and one liaison with a bearer token) and
copied per run. medallion 3.0.0 runs from its own virtualenv (created on first
use) with its console script, the memory backend, one API root, one collection
and one user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.access import token_service
from taawun.access.schemas import UserCreate
from taawun.core.clock import SystemClock
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel.collections import agency_collection_id
from taawun.registry.importers.run import import_all
from taawun.registry.resolver import resolve_state
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

HERE = Path(__file__).resolve().parent
MEDALLION_VENV = HERE / ".medallion-venv"
MEDALLION_VERSION = "3.0.0"
TAXII = "application/taxii+json;version=2.1"
USER = "bench.liaison"
# A throwaway account on a throwaway node.
PASSWORD = "bench-password-1"
START_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Target:
    """Where a workload sends its requests: a collection's objects URL and the auth header."""

    name: str
    objects_url: str
    headers: dict[str, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"server not up after {START_TIMEOUT:.0f} s; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


# --- taawun ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """A prepared node database: where it is, and who the benchmark acts as."""

    url: str
    token: str
    collection: str
    agency_id: int
    state_id: int


def _pg_admin(pg_url: str) -> Engine:
    return create_engine(pg_url, isolation_level="AUTOCOMMIT")


def _pg_db_url(pg_url: str, name: str) -> str:
    return pg_url.rsplit("/", 1)[0] + "/" + name


def _pg_recreate(pg_url: str, name: str, template: str | None = None) -> str:
    admin = _pg_admin(pg_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        extra = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{extra}'))
    admin.dispose()
    return _pg_db_url(pg_url, name)


def prepare_template(backend: str, pg_url: str, tmp: Path) -> Node:
    """A migrated node with the registry data, the TUR agency and its liaison (with a token)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'template.db'}"
    else:
        url = _pg_recreate(pg_url, "taawun_bench_taxii_template")
    engine = make_engine(url)
    upgrade(engine)
    root = Principal.system_principal("bench")
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        state_id = resolve_state(session, "TUR").id
        agency_id = access.create_agency(
            root, session, state_id=state_id, name="TUR-MIT", clock=clock
        ).id
        data = UserCreate.model_validate(
            {
                "username": USER,
                "agency_id": agency_id,
                "role": Role.LIAISON,
                "clearance": Clearance.SECRET,
                "password": PASSWORD,
            }
        )
        access.create_user(root, session, data=data, clock=clock)
        token = token_service.issue_token(
            root, session, username=USER, name="bench", clock=clock, ids=RandomIds()
        ).token
        session.commit()
    engine.dispose()
    return Node(url, token, agency_collection_id(agency_id), agency_id, state_id)


def copy_node(template: Node, backend: str, pg_url: str, tmp: Path, label: str) -> Node:
    """A fresh copy of the template node's database."""
    if backend == "sqlite":
        source = Path(template.url.split("///", 1)[1])
        target = tmp / f"{label}.db"
        for suffix in ("-wal", "-shm", ""):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    else:
        url = _pg_recreate(pg_url, f"taawun_bench_taxii_{label}", "taawun_bench_taxii_template")
    return Node(url, template.token, template.collection, template.agency_id, template.state_id)


def drop_node(node: Node, backend: str, pg_url: str) -> None:
    if backend == "sqlite":
        path = node.url.split("///", 1)[1]
        for suffix in ("-wal", "-shm", ""):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = _pg_admin(pg_url)
        with admin.connect() as conn:
            conn.execute(
                text(f'DROP DATABASE IF EXISTS "{node.url.rsplit("/", 1)[1]}" WITH (FORCE)')
            )
        admin.dispose()


def start_taawun(node: Node, tmp: Path) -> tuple[subprocess.Popen[bytes], Target]:
    port = free_port()
    log = tmp / f"taawun-{port}.log"
    env = {**os.environ, "TAAWUN_DATABASE_URL": node.url, "TAAWUN_HOME": str(tmp / "home")}
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "taawun.web.app:create_served_app",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(proc, f"{base}/health", log)
    headers = {"Accept": TAXII, "Authorization": f"Bearer {node.token}"}
    url = f"{base}/taxii2/root/collections/{node.collection}/objects/"
    return proc, Target("taawun", url, headers)


# --- medallion ---------------------------------------------------------------------------


def medallion_script(venv: Path = MEDALLION_VENV) -> Path:
    """medallion's console script, installing medallion into ``venv`` first if it is missing."""
    script = venv / "bin" / "medallion"
    if not script.exists():
        print(f"creating {venv} with medallion=={MEDALLION_VERSION} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             f"medallion=={MEDALLION_VERSION}"],
            check=True,
        )  # fmt: skip
    return script


def _medallion_config(tmp: Path, port: int, collection: str) -> Path:
    base = f"http://127.0.0.1:{port}"
    data: dict[str, Any] = {
        "/discovery": {
            "title": "medallion (benchmark)",
            "description": "the OASIS reference TAXII 2.1 server, memory backend",
            "default": f"{base}/root/",
            "api_roots": [f"{base}/root/"],
        },
        "root": {
            "information": {
                "title": "benchmark root",
                "versions": [TAXII],
                "max_content_length": 100 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": collection,
                    "title": "benchmark",
                    "description": "",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    data_path = tmp / f"medallion-data-{port}.json"
    data_path.write_bytes(orjson.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_path),
        },
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 1000},
    }
    path = tmp / f"medallion-{port}.json"
    path.write_bytes(orjson.dumps(config))
    return path


def start_medallion(script: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], Target]:
    port = free_port()
    collection = str(uuid.UUID(int=2024))
    config = _medallion_config(tmp, port, collection)
    log = tmp / f"medallion-{port}.log"
    cmd = [
        str(script),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "WARN",
        str(config),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(proc, f"{base}/taxii2/", log)
    basic = httpx.BasicAuth(USER, PASSWORD)._auth_header
    headers = {"Accept": TAXII, "Authorization": basic}
    return proc, Target("medallion", f"{base}/root/collections/{collection}/objects/", headers)
