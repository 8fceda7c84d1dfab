"""The dyad-year table written as CSV, JSON and Parquet: the same rows, columns and types."""

from __future__ import annotations

import csv
import io
from datetime import date

import orjson
import pyarrow.parquet as pq
import pytest

from taawun.analytics import export
from taawun.analytics._dyads import derive
from taawun.analytics.schemas import AGREEMENTS_COLUMN, COLUMNS, DyadYears, ExportFormat

from .test_dyads import CONSULT, DEFENCE, spell

HEADER = [
    "ccode1", "ccode2", "year", "atopally", "defense", "offense", "neutral", "nonagg",
    "consul", "number", "intelligence_sharing", "training", "joint_exercises",
    "combined_operations", "technology_exchange", "military_aid", "agreements",
]  # fmt: skip


@pytest.fixture
def table() -> DyadYears:
    world = [
        spell(1, 2, date(1949, 4, 4)),
        spell(1, 20, date(1949, 4, 4), owes=CONSULT),
        spell(2, 2, date(1950, 6, 1), owes=(None,) * 5),
        spell(2, 20, date(1950, 6, 1), owes=(None,) * 5),
        spell(3, 20, date(1950, 1, 1), owes=DEFENCE),
        spell(3, 200, date(1950, 1, 1), owes=DEFENCE),
    ]
    return derive(world, {2: {"intelligence_sharing"}}, first=1949, last=1950, directed=True)


def test_csv_has_atop_columns_then_domains_then_agreements(table: DyadYears) -> None:
    out = export.render(table, ExportFormat.CSV).decode()
    assert [*COLUMNS, AGREEMENTS_COLUMN] == HEADER
    assert out.splitlines()[0] == ",".join(HEADER)
    found = list(csv.DictReader(io.StringIO(out)))
    assert len(found) == len(table) == 6
    us_canada_1950 = next(
        r for r in found if (r["ccode1"], r["ccode2"], r["year"]) == ("2", "20", "1950")
    )
    assert us_canada_1950["defense"] == "1" and us_canada_1950["consul"] == "0"
    assert us_canada_1950["intelligence_sharing"] == "1" and us_canada_1950["number"] == "1"
    assert us_canada_1950["agreements"] == "test 1;test 2"
    assert next(r for r in found if r["ccode1"] == "20" and r["year"] == "1949")["consul"] == "1"


def test_json_is_one_object_per_row(table: DyadYears) -> None:
    found = orjson.loads(export.render(table, ExportFormat.JSON))
    assert [list(r) for r in found] == [HEADER] * len(table)
    assert found[0] == {
        **dict.fromkeys(HEADER, 0),
        "ccode1": 2, "ccode2": 20, "year": 1949, "atopally": 1, "defense": 1, "number": 1,
        "agreements": ["test 1"],
    }  # fmt: skip


def test_parquet_keeps_types_and_lists(table: DyadYears) -> None:
    read = pq.read_table(io.BytesIO(export.render(table, ExportFormat.PARQUET)))
    assert read.column_names == HEADER
    assert str(read.schema.field("ccode1").type) == "int32"
    assert str(read.schema.field("defense").type) == "int8"
    assert read.column("agreements").to_pylist()[1] == ["test 1", "test 2"]
    assert read.to_pylist() == orjson.loads(export.render(table, ExportFormat.JSON))
