"""Alliance portfolio similarity on the real record (``analytics/similarity.py``): a real
year read plainly, the confidentiality rule, the CLI and the REST API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from taawun.analytics import repository, service, similarity
from taawun.analytics.schemas import Table
from taawun.cli.main import cli
from taawun.core.clock import FixedClock
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.principal import Principal

from .analytics_helpers import cli_env, entry_point, record_secret_pact, user_of
from .conftest import Node

USA, GBR, RUS, IRN, IRQ, TUR, PAK, SAU = 2, 200, 365, 630, 645, 640, 770, 670
HEADER = ["ccode1", "ccode2", "year", *similarity.SCORES]
PUBLIC = Principal.public()


def pair(table: Table, a: int, b: int) -> dict[str, float]:
    """The row of the pair ``a, b`` (either order)."""
    low, high = min(a, b), max(a, b)
    found = [r for r in table.rows() if (r["ccode1"], r["ccode2"]) == (low, high)]
    assert len(found) == 1, (a, b)
    return found[0]


def plainly(session: Session, principal: Principal, year: int, a: int, b: int) -> float:
    """S (valued, absolute) of ``a`` and ``b`` read from the directed dyad-years one row at a
    time: what ``a`` owes each member against what ``b`` owes it, 3 to itself."""
    dyads = service.dyad_years(principal, session, first=year, last=year, directed=True)
    c = dyads.columns
    owes: dict[tuple[int, int], int] = {}
    for k in range(len(dyads)):
        if not c["atopally"][k]:
            continue
        level = (
            3
            if c["defense"][k] or c["offense"][k]
            else 2
            if c["neutral"][k] or c["consul"][k]
            else 1
            if c["nonagg"][k]
            else 0
        )
        owes[int(c["ccode1"][k]), int(c["ccode2"][k])] = level
    members = repository.system_members(session, year, year)[year]
    total = 0
    for k in members:
        x = 3 if k == a else owes.get((a, k), 0)
        y = 3 if k == b else owes.get((b, k), 0)
        total += abs(x - y)
    return 1 - 2 * total / (3 * len(members))


def test_1956_the_baghdad_pact_states_are_alike_and_the_superpowers_are_not(
    loaded_db: Session, clock: FixedClock
) -> None:
    table = similarity.sscores(PUBLIC, loaded_db, year=1956, clock=clock)
    members = repository.system_members(loaded_db, 1956, 1956)[1956]
    assert len(table) == len(members) * (len(members) - 1) // 2
    assert list(table.columns) == HEADER
    assert set(table.columns["year"].tolist()) == {1956}
    assert bool(np.all(table.columns["ccode1"] < table.columns["ccode2"]))
    tur_pak, usa_rus = pair(table, TUR, PAK), pair(table, USA, RUS)
    for name in similarity.SCORES:
        assert tur_pak[name] > 0.25 > 0 > usa_rus[name], name
    assert tur_pak["s_valued_abs"] == pytest.approx(plainly(loaded_db, PUBLIC, 1956, TUR, PAK))
    assert usa_rus["s_valued_abs"] == pytest.approx(plainly(loaded_db, PUBLIC, 1956, USA, RUS))
    # Iran and Pakistan, partners in the Baghdad Pact, are closer to each other than Iran
    # is to the Soviet Union.
    assert pair(table, IRN, PAK)["s_valued_abs"] > pair(table, IRN, RUS)["s_valued_abs"]
    for name in similarity.SCORES:
        values = table.columns[name]
        assert values.dtype == np.float64 and float(values.min()) >= -1 and values.max() <= 1


def test_the_chosen_states_and_the_matrix(loaded_db: Session, clock: FixedClock) -> None:
    whole = similarity.sscores(PUBLIC, loaded_db, year=1956, clock=clock)
    chosen = similarity.sscores(
        PUBLIC, loaded_db, year=1956, states=["Turkey", "PAK", "2", "Turkey"], clock=clock
    )
    assert [(r["ccode1"], r["ccode2"]) for r in chosen.rows()] == [
        (USA, TUR),
        (USA, PAK),
        (TUR, PAK),
    ]
    for row in chosen.rows():  # the portfolios run over every member, whoever is chosen
        assert row == pair(whole, row["ccode1"], row["ccode2"])
    labels, matrix = similarity.sscore_matrix(
        PUBLIC, loaded_db, year=1956, states=["TUR", "PAK", "USA"], score="kappa_binary"
    )
    assert labels == ["TUR", "PAK", "USA"]
    assert np.array_equal(matrix, matrix.T) and np.array_equal(np.diag(matrix), np.ones(3))
    assert matrix[0, 1] == pair(whole, TUR, PAK)["kappa_binary"]
    assert matrix[2, 0] == pair(whole, USA, TUR)["kappa_binary"]


def test_an_organisation_and_its_cohesion(loaded_db: Session, clock: FixedClock) -> None:
    oic_1970 = similarity.sscores(PUBLIC, loaded_db, year=1970, org="OIC", clock=clock)
    members = repository.organization_members(loaded_db, "OIC", 1970, 1970)[1970]
    system = set(repository.system_members(loaded_db, 1970, 1970)[1970])
    inside = sorted(members & system)
    assert len(oic_1970) == len(inside) * (len(inside) - 1) // 2
    assert set(oic_1970.columns["ccode1"].tolist()) | set(oic_1970.columns["ccode2"].tolist()) == (
        set(inside)
    )
    years = similarity.cohesion(PUBLIC, loaded_db, org="OIC", first=1960, last=1975, clock=clock)
    assert list(years.columns) == list(similarity.COHESION)
    assert years.columns["year"].tolist() == list(range(1969, 1976))  # the OIC dates from 1969
    row = next(r for r in years.rows() if r["year"] == 1970)
    assert (row["members"], row["pairs"]) == (len(inside), len(oic_1970))
    assert row["s_valued_abs"] == pytest.approx(float(oic_1970.columns["s_valued_abs"].mean()))
    assert row["kappa_binary"] == pytest.approx(float(oic_1970.columns["kappa_binary"].mean()))


def test_the_panel_is_the_years_one_after_another(loaded_db: Session, clock: FixedClock) -> None:
    seen: list[tuple[int, int]] = []
    panel = similarity.sscore_panel(
        PUBLIC,
        loaded_db,
        first=1955,
        last=1957,
        clock=clock,
        on_progress=lambda _stage, done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    for year in (1955, 1956, 1957):
        alone = similarity.sscores(PUBLIC, loaded_db, year=year, clock=clock)
        rows = panel.columns["year"] == year
        for name in HEADER:
            assert np.array_equal(panel.columns[name][rows], alone.columns[name]), name


def test_bad_input_is_refused_naming_the_field(loaded_db: Session, clock: FixedClock) -> None:
    def refused(error: type[Exception], **kwargs: object) -> str | None:
        with pytest.raises(error) as caught:
            similarity.sscores(PUBLIC, loaded_db, clock=clock, **kwargs)  # type: ignore[arg-type]
        return getattr(caught.value, "field", None)

    assert refused(InvalidInput, year=1700) == "year"
    assert refused(InvalidInput, year=1956, states=["TUR", "Eritrea"]) == "states"  # 1993
    assert refused(InvalidInput, year=1956, states=["TUR"]) == "states"
    assert refused(NotFound, year=1956, states=["TUR", "Atlantis"]) == "states"
    assert refused(NotFound, year=1956, org="XYZ") == "org"
    assert refused(InvalidInput, year=1956, org="OIC") == "org"  # founded in 1969
    assert refused(InvalidInput, year=1970, org="OIC", states=["TUR", "PAK"]) == "org"
    with pytest.raises(InvalidInput) as caught:
        similarity.sscore_matrix(PUBLIC, loaded_db, year=1956, score="tau", clock=clock)
    assert caught.value.field == "score"
    with pytest.raises(InvalidInput) as caught:
        similarity.sscore_panel(PUBLIC, loaded_db, first=1960, last=1950, clock=clock)
    assert caught.value.field == "from"


# --- confidentiality ----------------------------------------------------------------------

YEAR = 2025
CHOSEN = ["TUR", "PAK", "SAU", "IRN", "EGY"]


def test_a_confidential_pact_counts_only_for_its_parties(
    loaded_db: Session, clock: FixedClock
) -> None:
    def view(principal: Principal) -> Table:
        return similarity.sscores(principal, loaded_db, year=YEAR, states=CHOSEN, clock=clock)

    imported = view(PUBLIC)
    record_secret_pact(loaded_db)
    public = view(PUBLIC)
    turkish, pakistani = view(user_of(loaded_db, "TUR")), view(user_of(loaded_db, "PAK"))
    saudi = view(user_of(loaded_db, "SAU"))
    assert public.rows() == imported.rows()  # the public view is the imported record
    assert saudi.rows() == imported.rows()  # a third state's user sees what the public sees
    assert turkish.rows() == pakistani.rows() != imported.rows()
    mine, theirs = pair(turkish, TUR, PAK), pair(imported, TUR, PAK)
    assert mine["s_valued_abs"] > theirs["s_valued_abs"]
    assert mine["s_valued_abs"] == pytest.approx(
        plainly(loaded_db, user_of(loaded_db, "TUR"), YEAR, TUR, PAK)
    )
    # Saudi Arabia's and Iran's portfolios hold no position toward the pact: unchanged.
    assert pair(turkish, SAU, IRN) == pair(imported, SAU, IRN)


# --- the command line ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(loaded_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI pointed at the session's loaded database (these commands only read)."""
    return cli_env(loaded_engine, tmp_path_factory.mktemp("sscores-home"), COLUMNS="200")


def run(env: dict[str, str], *args: str) -> tuple[bytes, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.stderr + repr(result.exception)
    return result.stdout_bytes, result.stderr


def test_the_analyst_asks_in_the_terminal(env: dict[str, str], loaded_db: Session) -> None:
    out, _ = run(env, "analytics", "sscores", "TUR", "PAK", "IRN", "--year", "1956")
    text = out.decode()
    assert "Alliance portfolio similarity, 1956" in text
    lines = [line for line in text.splitlines() if "TUR" in line or "PAK" in line]
    assert len(lines) == 3 and all(s in text for s in ("IRN", "s_valued_abs", "kappa_binary"))
    as_csv, _ = run(env, "analytics", "sscores", "TUR", "PAK", "--year", "1956", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.decode())))
    expected = pair(similarity.sscores(PUBLIC, loaded_db, year=1956), TUR, PAK)
    assert len(rows) == 1 and float(rows[0]["s_valued_abs"]) == expected["s_valued_abs"]
    out, _ = run(env, "analytics", "cohesion", "OIC", "--from", "1969", "--to", "1971")
    assert "OIC: cohesion" in out.decode() and "1971" in out.decode()


def test_exports_of_a_year_and_of_a_panel(
    env: dict[str, str], loaded_db: Session, tmp_path: Path
) -> None:
    out, _ = run(env, "export", "sscores", "--year", "1956", "--format", "csv")
    text = out.decode()
    assert text.splitlines()[0] == ",".join(HEADER)
    rows = list(csv.DictReader(io.StringIO(text)))
    members = repository.system_members(loaded_db, 1956, 1956)[1956]
    assert len(rows) == len(members) * (len(members) - 1) // 2
    tur_pak = next(r for r in rows if (r["ccode1"], r["ccode2"]) == (str(TUR), str(PAK)))
    expected = pair(similarity.sscores(PUBLIC, loaded_db, year=1956), TUR, PAK)
    assert {k: float(tur_pak[k]) for k in similarity.SCORES} == {
        k: expected[k] for k in similarity.SCORES
    }
    target = tmp_path / "panel.parquet"
    _, err = run(
        env,
        "export",
        "sscores",
        "--from",
        "1955",
        "--to",
        "1957",
        "-f",
        "parquet",
        "-o",
        str(target),
    )
    panel = pq.read_table(target)
    assert panel.column_names == HEADER
    assert set(panel.column("year").to_pylist()) == {1955, 1956, 1957}
    assert f"{panel.num_rows} dyad-years of S-scores" in " ".join(err.split())


def test_bad_command_lines_are_one_line_errors(env: dict[str, str]) -> None:
    code, err = entry_point(env, ["analytics", "sscores", "TUR", "PAK", "--year", "1700"])
    assert code == 2 and err.startswith("error: year: year 1700 is out of range (1815-")
    assert len(err.strip().splitlines()) == 1
    code, err = entry_point(env, ["export", "sscores", "--year", "1956", "--from", "1950"])
    assert (code, err.strip()) == (2, "error: year: give --year or --from/--to, not both")
    code, err = entry_point(env, ["export", "sscores", "--from", "1960", "--to", "1950"])
    assert (code, err.strip()) == (2, "error: from: 1960 is after to (1950)")


# --- the REST API ---------------------------------------------------------------------------


def test_the_api_answers_each_format(node: Node) -> None:
    path = "/api/v1/analytics/sscores?year=1956&states=TUR,PAK,IRN"
    viewer = node.auth("sa.viewer")
    answer = node.client.get(path, headers=viewer)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    rows = answer.json()
    assert [(r["ccode1"], r["ccode2"]) for r in rows] == [(IRN, TUR), (IRN, PAK), (TUR, PAK)]
    assert all(r["year"] == 1956 and set(r) == set(HEADER) for r in rows)
    as_csv = node.client.get(path + "&format=csv", headers=viewer)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0] == ",".join(HEADER) and len(as_csv.text.splitlines()) == 4
    parquet = node.client.get(path + "&format=parquet", headers=viewer)
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(parquet.content)).to_pylist() == rows
    cohesion = node.client.get(
        "/api/v1/analytics/cohesion?org=OIC&from=1969&to=1970", headers=viewer
    ).json()
    assert [r["year"] for r in cohesion] == [1969, 1970]


def test_the_api_refuses_naming_the_field(node: Node) -> None:
    viewer = node.auth("sa.viewer")
    assert node.client.get("/api/v1/analytics/sscores?year=1956").status_code == 401
    for query, field in (
        ("year=1700", "year"),
        ("year=1956&states=TUR,ERI", "states"),
        ("year=1956&org=OIC", "org"),
        ("year=1956&format=xml", "format"),
    ):
        answer = node.client.get(f"/api/v1/analytics/sscores?{query}", headers=viewer)
        assert answer.status_code == 422, query
        assert answer.json()["field"] == field, query
    unknown = node.client.get("/api/v1/analytics/sscores?year=1956&org=XYZ", headers=viewer)
    assert unknown.status_code == 404 and unknown.json()["field"] == "org"
