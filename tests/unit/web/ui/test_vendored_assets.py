"""The vendored browser assets are the ones ``scripts/vendor_assets.py`` recorded: every file
listed in ``ASSETS.json`` is there with its sha256, every vendored folder is listed and
carries its package's licence, and nothing unlisted sits beside them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import taawun.web

VENDOR = Path(taawun.web.__file__).parent / "ui" / "static" / "vendor"


def manifest() -> list[dict[str, Any]]:
    assets: list[dict[str, Any]] = json.loads((VENDOR / "ASSETS.json").read_text("utf-8"))["assets"]
    return assets


@pytest.mark.parametrize("asset", manifest(), ids=lambda a: f"{a['name']}@{a['version']}")
def test_every_listed_file_is_there_with_its_sha256(asset: dict[str, Any]) -> None:
    folder = VENDOR / asset["folder"]
    assert asset["folder"].endswith(f"-{asset['version']}")
    assert asset["files"], "a vendored package without files"
    for entry in asset["files"]:
        path = folder / entry["path"]
        assert path.is_file(), f"{path} is listed but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path
    on_disk = {p.name for p in folder.iterdir()}
    assert on_disk == {e["path"] for e in asset["files"]}, "files not listed in ASSETS.json"


@pytest.mark.parametrize("asset", manifest(), ids=lambda a: f"{a['name']}@{a['version']}")
def test_every_vendored_package_carries_its_licence(asset: dict[str, Any]) -> None:
    assert asset["licence"], "the package's licence identifier is recorded"
    assert asset["licence_file"] in {e["path"] for e in asset["files"]}
    text = (VENDOR / asset["folder"] / asset["licence_file"]).read_text("utf-8")
    assert len(text) > 100 and "permission" in text.lower()  # a licence, not an empty file


def test_every_vendored_folder_is_listed() -> None:
    folders = {p.name for p in VENDOR.iterdir() if p.is_dir()}
    assert folders == {a["folder"] for a in manifest()}
    assert {a["name"] for a in manifest()} >= {"htmx.org", "@picocss/pico"}
