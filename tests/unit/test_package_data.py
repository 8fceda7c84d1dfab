"""Every file the package needs at run time is in what ``pip install .`` ships: each file of
``src/taawun`` that is not Python is matched by a glob of ``[tool.setuptools.package-data]``
(a template in a new subfolder, left out, made the installed node answer 500 where the
checkout's tests passed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "taawun"


def shipped() -> set[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["taawun"]
    return {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}


def needed() -> set[Path]:
    return {
        p
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def test_every_file_the_package_needs_is_shipped() -> None:
    missing = sorted(str(p.relative_to(PACKAGE)) for p in needed() - shipped())
    assert missing == []


def test_the_templates_of_every_area_are_among_them() -> None:
    templates = {
        p.relative_to(PACKAGE / "web" / "ui" / "templates")
        for p in shipped()
        if (PACKAGE / "web" / "ui" / "templates") in p.parents
    }
    folders = {t.parts[0] for t in templates if len(t.parts) > 1}
    assert {"admin", "analytics", "cooperation"} <= folders
