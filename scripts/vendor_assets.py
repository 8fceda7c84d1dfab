"""Vendor the browser UI's JavaScript and CSS from the npm registry, at pinned versions.

Usage: ``python scripts/vendor_assets.py``. For each package in ``PACKAGES`` it reads the
version's metadata (``https://registry.npmjs.org/<name>/<version>``), downloads its tarball,
checks it against the registry's ``dist.integrity`` (Subresource Integrity, sha512), and
extracts only the files the UI loads and the package's licence into
``src/taawun/web/ui/static/vendor/<folder>-<version>/`` (flat: each file under its own
name). Then it rewrites ``vendor/ASSETS.json``: for each package its name, version, licence
(the package's SPDX identifier), tarball, integrity and the sha256 of every file, which
``tests/unit/web/ui/test_vendored_assets.py`` checks against the tree. Folders of versions
no longer pinned are removed. The node never fetches anything itself: it serves these
copies, so a node with no network serves a complete UI.

Why htmx 2 and not 4: htmx 4.0 is stable, but new (autumn 2026), and its Content Security
Policy support rests on the ``hx-csp`` extension's per-page nonces; the UI's policy allows
``'self'`` scripts and nothing inline, which htmx 2 works under with ``allowEval`` and
``includeIndicatorStyles`` off (set by ``<meta name="htmx-config">``, no inline script).
The htmx project keeps 2.x supported.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REGISTRY = "https://registry.npmjs.org"
ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "taawun" / "web" / "ui" / "static" / "vendor"
MANIFEST = "ASSETS.json"
TIMEOUT = 60  # seconds, per request


@dataclass(frozen=True)
class Package:
    name: str  # on npm
    version: str  # pinned: change it here and run the script to upgrade
    folder: str  # the vendor folder's name, before ``-<version>``
    files: tuple[str, ...]  # paths inside the tarball's ``package/``
    licence_file: str


PACKAGES = (
    Package(
        name="htmx.org",
        version="2.0.11",
        folder="htmx.org",
        files=("dist/htmx.min.js",),
        licence_file="LICENSE",
    ),
    Package(
        name="@picocss/pico",
        version="2.1.1",
        folder="pico",
        files=("css/pico.min.css",),
        licence_file="LICENSE.md",
    ),
)


def _get(url: str) -> bytes:
    if not url.startswith("https://"):
        raise SystemExit(f"refusing a non-https URL: {url}")
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - https only
        body: bytes = answer.read()
    return body


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    """``integrity``: an SRI string (``sha512-<base64>``, possibly several); the strongest
    sha512 one must match."""
    wanted = [i.split("-", 1)[1] for i in integrity.split() if i.startswith("sha512-")]
    if not wanted:
        raise SystemExit(f"{what}: the registry gives no sha512 integrity ({integrity!r})")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if got not in wanted:
        raise SystemExit(f"{what}: tarball does not match the registry's integrity")


def vendor(package: Package) -> dict[str, Any]:
    """Fetch, check and extract one package; its entry of ``ASSETS.json``."""
    what = f"{package.name}@{package.version}"
    meta = json.loads(_get(f"{REGISTRY}/{quote(package.name, safe='@')}/{package.version}"))
    if meta.get("version") != package.version:
        raise SystemExit(f"{what}: the registry answered version {meta.get('version')!r}")
    dist = meta["dist"]
    tarball = _get(dist["tarball"])
    _check_integrity(tarball, dist["integrity"], what)
    target = VENDOR / f"{package.folder}-{package.version}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for path in (*package.files, package.licence_file):
            member = archive.getmember(f"package/{path}")
            if not member.isfile():
                raise SystemExit(f"{what}: {path} is not a regular file")
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{what}: cannot read {path}")
            data = extracted.read()
            name = Path(path).name
            (target / name).write_bytes(data)
            files.append({"path": name, "sha256": hashlib.sha256(data).hexdigest()})
    return {
        "name": package.name,
        "version": package.version,
        "folder": target.name,
        "licence": meta.get("license"),
        "licence_file": Path(package.licence_file).name,
        "tarball": dist["tarball"],
        "integrity": dist["integrity"],
        "files": files,
    }


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    entries = [vendor(p) for p in PACKAGES]
    kept = {e["folder"] for e in entries}
    for old in VENDOR.iterdir():
        if old.is_dir() and old.name not in kept:
            shutil.rmtree(old)
    manifest = {
        "note": "written by scripts/vendor_assets.py; do not edit by hand",
        "assets": entries,
    }
    (VENDOR / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for e in entries:
        sys.stdout.write(f"{e['name']} {e['version']} ({e['licence']}) -> vendor/{e['folder']}/\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
