"""``taawun export dyad-years`` and ``GET /api/v1/analytics/dyad-years`` on a real node."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from taawun.cli.main import cli

from .analytics_helpers import cli_env, refused
from .conftest import Node

HEADER = (
    "ccode1,ccode2,year,atopally,defense,offense,neutral,nonagg,consul,number,"
    "intelligence_sharing,training,joint_exercises,combined_operations,technology_exchange,"
    "military_aid,agreements"
)
BAGHDAD_PACT = "ATOP 5.1 3275"


@pytest.fixture(scope="module")
def env(loaded_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI pointed at the session's loaded database (the export only reads)."""
    return cli_env(loaded_engine, tmp_path_factory.mktemp("export-home"))


def run(env: dict[str, str], *args: str, code: int = 0) -> tuple[bytes, str]:
    result = CliRunner().invoke(cli, ["export", "dyad-years", *args], env=env)
    assert result.exit_code == code, result.stderr + repr(result.exception)
    return result.stdout_bytes, result.stderr


def test_csv_to_stdout_has_atops_columns(env: dict[str, str]) -> None:
    out, _ = run(env, "--from", "1956", "--to", "1956", "--directed")
    text = out.decode()
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    tur_pak = next(r for r in rows if (r["ccode1"], r["ccode2"]) == ("640", "770"))
    assert tur_pak["year"] == "1956" and BAGHDAD_PACT in tur_pak["agreements"].split(";")
    assert {r["year"] for r in rows} == {"1956"}
    undirected, _ = run(env, "--from", "1956", "--to", "1956")
    assert len(undirected.decode().splitlines()) - 1 == (len(rows)) // 2


def test_parquet_and_json_to_files(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "dy.parquet"
    _, err = run(env, "--from", "1950", "--to", "1960", "-f", "parquet", "-o", str(target))
    table = pq.read_table(target)
    assert f"{table.num_rows} dyad-years (1950-1960)" in " ".join(err.split())
    assert table.column_names == HEADER.split(",")
    assert set(table.column("year").to_pylist()) == set(range(1950, 1961))
    out, _ = run(env, "--from", "1950", "--to", "1960", "-f", "json")
    assert orjson.loads(out) == table.to_pylist()


def test_bad_years_are_refused_naming_the_option(env: dict[str, str]) -> None:
    assert refused(env, "export", "dyad-years", "--from", "2020", "--to", "2019") == (
        2,
        "error: from: 2020 is after to (2019)",
    )
    code, err = refused(env, "export", "dyad-years", "--to", "2150")
    assert code == 2 and "to: year 2150 is out of range (1815-" in err
    code, err = refused(env, "export", "dyad-years", "--format", "xml")
    assert code == 2 and "xml" in err


def test_the_api_answers_each_format(node: Node) -> None:
    path = "/api/v1/analytics/dyad-years?from=1956&to=1956&directed=true"
    answer = node.client.get(path, headers=node.auth("sa.viewer"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.splitlines()[0] == HEADER
    as_json = node.client.get(path + "&format=json", headers=node.auth("sa.viewer")).json()
    assert len(as_json) == len(answer.text.splitlines()) - 1
    parquet = node.client.get(path + "&format=parquet", headers=node.auth("sa.viewer"))
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(parquet.content)).to_pylist() == as_json
    refused = node.client.get(
        "/api/v1/analytics/dyad-years?from=2020&to=2019", headers=node.auth("sa.viewer")
    )
    assert refused.status_code == 422 and refused.json()["field"] == "from"
    assert node.client.get(path).status_code == 401
