"""``taawun.cli._output``: how values read in a table and a CSV cell, and how a table is laid
out in a narrow terminal (ids whole; rows as blocks when a table cannot fit)."""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime

import pytest

from taawun.cli import _output
from taawun.cli._output import EMPTY, Format, emit, text
from taawun.core.principal import Clearance, Role


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, EMPTY),
        ("", EMPTY),
        ([], EMPTY),
        ({}, EMPTY),
        (True, "yes"),
        (False, "no"),
        (date(2000, 12, 31), "2000-12-31"),
        (datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), "2026-01-02 03:04:05+00:00"),
        (Clearance.SECRET, "SECRET"),
        (Role.LIAISON, "liaison"),
        (["SAU", "KWT"], "SAU, KWT"),
        ({"kind": "named organization", "meets": True}, "kind: named organization; meets: yes"),
        (3275, "3275"),
    ],
)
def test_a_table_shows_no_python_values(value: object, shown: str) -> None:
    assert text(value) == shown


def test_fit_keeps_ids_whole_and_shares_the_rest() -> None:
    # id 45 wide, label 60, tlp 9: 70 columns of content to share
    widths = _output._fit([45, 60, 9], [True, False, False], 70)
    assert widths == [45, 16, 9]


def test_fit_gives_up_rather_than_squeeze_a_column_below_the_minimum() -> None:
    assert _output._fit([45, 60, 30, 30], [True, False, False, False], 60) is None
    assert _output._fit([90, 10], [True, False], 80) is None  # the id alone is too wide


def _emitted(
    fmt: Format, rows: list[dict[str, object]], columns: list[str], title: str | None = None
) -> str:
    out = io.StringIO()
    real, sys.stdout = sys.stdout, out
    try:
        emit(fmt, document=[], rows=rows, columns=columns, title=title)
    finally:
        sys.stdout = real
    return out.getvalue()


def test_csv_joins_a_list_with_semicolons_and_leaves_none_empty() -> None:
    rows = [{"id": 1, "parties": ["AUS", "BGD", "Yemen Arab Republic"], "ended": None}]
    out = _emitted(Format.CSV, rows, ["id", "parties", "ended"])
    assert out.splitlines() == ["id,parties,ended", "1,AUS;BGD;Yemen Arab Republic,"]


STIX_ID = "intrusion-set--b2c02a9c-011f-5f1a-a874-db5338f54451"


@pytest.mark.parametrize("width", [80, 200])
def test_a_table_never_cuts_an_id(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    rows = [
        {"id": STIX_ID, "label": "Threat Group-3390 " * 4, "owner": "MIT, TUR", "tlp": "AMBER"},
        {"id": STIX_ID.replace("b2", "c3"), "label": "[bold]x[/bold]", "owner": "", "tlp": None},
    ]
    out = _emitted(Format.TABLE, rows, ["id", "label", "owner", "tlp"], title="Intel")
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines)
    assert any(STIX_ID in line for line in lines)
    assert any(STIX_ID.replace("b2", "c3") in line for line in lines)
    assert "[bold]x[/bold]" in out  # data is printed as text, never as Rich markup
    assert ("┃ id" in out) is (width == 200)  # a table when it fits, blocks when it does not
