"""The shipped datasets are exactly those of the manifest (and no COW alliance data)."""

from __future__ import annotations

import hashlib

from taawun.registry.importers.run import default_data_dir

DATA = default_data_dir()


def _manifest() -> dict[str, str]:
    lines = (DATA / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def test_every_shipped_file_matches_the_manifest() -> None:
    manifest = _manifest()
    assert "atop/atop5_1m.csv" in manifest and "curated/agreements_since_2019.csv" in manifest
    for path, digest in manifest.items():
        assert hashlib.sha256((DATA / path).read_bytes()).hexdigest() == digest, path


def test_no_file_is_shipped_outside_the_manifest() -> None:
    shipped = {
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped - {"MANIFEST.sha256", "README.md"} == set(_manifest())


def test_cow_alliance_data_is_not_shipped() -> None:
    assert not [p for p in DATA.rglob("*") if "alliance" in p.name.lower()]
    assert "deliberately absent" in (DATA / "README.md").read_text(encoding="utf-8").lower()
