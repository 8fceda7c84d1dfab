"""Broken data files fail with the file, the line and the problem, and write nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.core.errors import DataFileError
from taawun.registry.importers.run import default_data_dir, import_all
from taawun.storage.base import Base

Corrupt = Callable[[Path], None]


def _edit_line(path: Path, line: int, edit: Callable[[list[str]], None]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[line - 1].rstrip("\n").split(",")
    edit(fields)
    lines[line - 1] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _delete(d: Path) -> None:
    (d / "atop/atopinst5_1.csv").unlink()


def _truncate(d: Path) -> None:
    path = d / "atop/atop5_1m.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:999]) + lines[999][:40], encoding="utf-8")


def _not_an_integer(d: Path) -> None:
    header = (d / "atop/atop5_1m.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    _edit_line(d / "atop/atop5_1m.csv", 10, lambda f: f.__setitem__(header.index("yrent"), "abc"))


def _unknown_member(d: Path) -> None:
    _edit_line(d / "atop/atop5_1m.csv", 2, lambda f: f.__setitem__(3, "9999"))


def _bad_curated_date(d: Path) -> None:
    path = d / "curated/agreements_since_2019.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2025-09-17", "2025-02-30"))


def _replace(d: Path, path: str, old: str, new: str) -> None:
    file = d / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: str, start: str) -> int:
    lines = (default_data_dir() / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def _treaty_name_on_the_wrong_alliance(d: Path) -> None:
    _replace(
        d,
        "curated/atop_treaty_names.csv",
        "3180,North Atlantic Treaty,1949-04-04",
        "3180,North Atlantic Treaty,1949-04-14",
    )


def _names_overlap(d: Path) -> None:
    _replace(
        d, "curated/organization_names.csv", "Cooperation,2011-06-28,", "Cooperation,2011-06-01,"
    )


def _memberships_overlap(d: Path) -> None:
    _replace(
        d,
        "curated/memberships_extra.csv",
        "LOAS,SYR,full,2023,,2023-05-07",
        "LOAS,SYR,full,2023,,2023-05-01",
    )


CASES = {
    "missing file": (_delete, "atop/atopinst5_1.csv", None, "missing"),
    "truncated": (_truncate, "atop/atop5_1m.csv", 1000, "expected 105 fields"),
    "not an integer": (_not_an_integer, "atop/atop5_1m.csv", 10, "'abc'"),
    "unknown member": (_unknown_member, "atop/atop5_1m.csv", 2, "unknown COW member code 9999"),
    "bad curated date": (_bad_curated_date, "curated/agreements_since_2019.csv", 3, "2025-02-30"),
    "treaty name on the wrong alliance": (
        _treaty_name_on_the_wrong_alliance,
        "curated/atop_treaty_names.csv",
        _line_of("curated/atop_treaty_names.csv", "3180,"),
        "is not ATOP 3180's begin date 1949-04-04",
    ),
    "organization names overlap": (
        _names_overlap,
        "curated/organization_names.csv",
        _line_of("curated/organization_names.csv", "OIC,Organisation of Islamic Cooperation,"),
        "begins while 'Organisation of the Islamic Conference' is still in use",
    ),
    "curated memberships overlap": (
        _memberships_overlap,
        "curated/memberships_extra.csv",
        _line_of("curated/memberships_extra.csv", "LOAS,SYR,full,"),
        "overlaps the suspended spell from 2011-11-16",
    ),
}


def _counts(session: Session) -> dict[str, int]:
    return {
        t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.sorted_tables
    }


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(default_data_dir(), tmp_path / "data"))


@pytest.mark.parametrize("case", list(CASES))
def test_broken_file_raises_and_writes_nothing(db: Session, data_copy: Path, case: str) -> None:
    corrupt, path, line, problem = CASES[case]
    corrupt(data_copy)
    before = _counts(db)
    with pytest.raises(DataFileError) as raised:
        import_all(db, data_dir=data_copy)
    error = raised.value
    assert (error.path, error.line) == (path, line)
    assert problem in error.problem
    assert path in str(error) and (line is None or f"line {line}" in str(error))
    assert _counts(db) == before


def test_failure_in_last_source_leaves_loaded_database_unchanged(
    loaded_db: Session, data_copy: Path
) -> None:
    _bad_curated_date(data_copy)
    before = _counts(loaded_db)
    with pytest.raises(DataFileError, match=r"curated/agreements_since_2019\.csv, line 3"):
        import_all(loaded_db, data_dir=data_copy, force=True)
    assert _counts(loaded_db) == before
