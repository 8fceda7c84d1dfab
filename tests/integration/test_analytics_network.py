"""The partnership network on the real record: the Baghdad Pact in 1956, cooperation
activity as strength, confidentiality per viewer, and the CLI and REST answers."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import networkx as nx
import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from taawun.analytics import _strength
from taawun.analytics.network import (
    Network,
    Tie,
    measures,
    measures_panel,
    network,
    to_graphml,
)
from taawun.cli.main import cli
from taawun.cooperation.exercises import service as exercises
from taawun.cooperation.transfers import service as transfers
from taawun.core.clock import FixedClock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal

# the correlation index's sharing world, and the warninglists' stand-in it relies on
from ..unit.cooperation.threats.conftest import World, ip, warninglists, world  # noqa: F401
from .analytics_helpers import cli_env, entry_point, record_secret_pact, user_of
from .conftest import Node

TUR, PAK, SAU, IRQ, IRN, UKG, USA = 640, 770, 670, 645, 630, 200, 2
BAGHDAD_PACT = "ATOP 5.1 3275"
PUBLIC = Principal.public()


def partners(net: Network, ccode: int) -> set[int]:
    return {t.b if t.a == ccode else t.a for t in net.ties if ccode in (t.a, t.b)}


def tie(net: Network, a: int, b: int) -> Tie | None:
    return next((t for t in net.ties if (t.a, t.b) == (min(a, b), max(a, b))), None)


def row(net_or_rows: Network | list[dict[str, Any]], ccode: int) -> dict[str, Any]:
    rows = measures(net_or_rows).rows() if isinstance(net_or_rows, Network) else net_or_rows
    return next(r for r in rows if r["ccode"] == ccode)


def secret_pact(session: Session) -> str:
    """A confidential Turkey–Pakistan defence pact, in force from 2024."""
    return record_secret_pact(session, "Turkey–Pakistan defence pact (network test)")


# --- the network on the record ---------------------------------------------------------


def test_turkey_and_pakistan_share_the_baghdad_pacts_members_in_1956(
    record_db: Session, clock: FixedClock
) -> None:
    net = network(PUBLIC, record_db, year=1956, clock=clock)
    shared = partners(net, TUR) & partners(net, PAK)
    assert {IRQ, IRN, UKG} <= shared
    pact = tie(net, TUR, PAK)
    assert pact is not None and BAGHDAD_PACT in pact.agreements
    assert pact.strength >= 1.0
    assert set(net.states) >= {TUR, PAK, IRQ, IRN, UKG}
    assert not any(s.oic for s in net.states.values())  # the OIC was founded in 1969
    table = measures(net)
    assert len(table) == len(net.states)
    assert row(net, TUR)["degree"] == len(partners(net, TUR))


def test_strength_is_the_index_of_obligations_provisions_and_activity(
    record_db: Session, clock: FixedClock
) -> None:
    net = network(PUBLIC, record_db, year=2010, clock=clock)
    done = exercises.dyad_activity(PUBLIC, record_db, year=2010)
    tiv = transfers.dyad_activity(PUBLIC, record_db, year=2010)
    us_uk = tie(net, USA, UKG)
    assert us_uk is not None
    assert us_uk.activity == {"exercises": done[(USA, UKG)], "transfers": tiv[(USA, UKG)]}
    assert us_uk.activity["exercises"] > 0
    assert "defense" in us_uk.obligations
    assert us_uk.strength == pytest.approx(
        _strength.strength(us_uk.obligations, us_uk.provisions, us_uk.activity)
    )
    assert us_uk.strength > 3.0 + math.log1p(done[(USA, UKG)]) * 0.5
    assert all(t.strength >= _strength.COOPERATION for t in net.ties)
    oic = [s for s in net.states.values() if s.oic]
    assert len(oic) >= 50 and row(net, SAU)["oic"] is True


def test_a_year_out_of_range_is_refused_naming_it(loaded_db: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        network(PUBLIC, loaded_db, year=1700, clock=clock)
    assert refused.value.field == "year"
    with pytest.raises(InvalidInput, match="from: 1957 is after to"):
        measures_panel(PUBLIC, loaded_db, first=1957, last=1956, clock=clock)


def test_the_panel_has_each_years_states_and_reports_progress(
    loaded_db: Session, clock: FixedClock
) -> None:
    seen: list[tuple[int, int]] = []
    panel = measures_panel(
        PUBLIC,
        loaded_db,
        first=1955,
        last=1957,
        clock=clock,
        on_progress=lambda _s, done, total: seen.append((done, total)),
    )
    sizes = [
        len(network(PUBLIC, loaded_db, year=y, clock=clock).states) for y in (1955, 1956, 1957)
    ]
    assert len(panel) == sum(sizes)
    assert list(panel.columns["year"]) == [1955] * sizes[0] + [1956] * sizes[1] + [1957] * sizes[2]
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_graphml_of_the_real_network_parses_back(loaded_db: Session, clock: FixedClock) -> None:
    net = network(PUBLIC, loaded_db, year=1956, clock=clock)
    back = nx.read_graphml(io.BytesIO(to_graphml(net)))
    assert back.number_of_nodes() == len(net.states)
    assert back.number_of_edges() == len(net.ties)
    assert BAGHDAD_PACT in back.edges[str(TUR), str(PAK)]["agreements"].split(";")
    assert back.nodes[str(TUR)]["abbrev"] == "TUR"


# --- confidentiality ---------------------------------------------------------------------


def test_the_public_view_is_the_imported_record(loaded_db: Session, clock: FixedClock) -> None:
    before = network(PUBLIC, loaded_db, year=2025, clock=clock)
    secret_pact(loaded_db)
    after = network(PUBLIC, loaded_db, year=2025, clock=clock)
    assert after == before
    assert measures(after).rows() == measures(before).rows()


def test_a_confidential_pact_counts_only_for_its_parties_users(
    loaded_db: Session, clock: FixedClock
) -> None:
    ref = secret_pact(loaded_db)
    turkish = network(user_of(loaded_db, "TUR"), loaded_db, year=2025, clock=clock)
    saudi = network(user_of(loaded_db, "SAU"), loaded_db, year=2025, clock=clock)
    public = network(PUBLIC, loaded_db, year=2025, clock=clock)
    seen = tie(turkish, TUR, PAK)
    assert seen is not None and ref in seen.agreements
    assert "defense" in seen.obligations
    for other in (saudi, public):
        hidden = tie(other, TUR, PAK)
        assert hidden is None or ref not in hidden.agreements
        assert not any(ref in t.agreements for t in other.ties)
    assert saudi == public
    assert row(turkish, TUR)["weighted_degree"] > row(public, TUR)["weighted_degree"]
    assert row(saudi, TUR) == row(public, TUR)


def test_shared_threats_weigh_a_tie_only_for_readers_of_the_evidence(
    loaded_db: Session,
    world: World,  # noqa: F811 (the imported fixture)
) -> None:
    """Turkey and Pakistan both report a value under their agreement: for Turkey's reader the
    tie's activity counts it (and the tie is stronger); Saudi Arabia reads neither report."""
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.7")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(2, "198.51.100.7")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(3, "198.51.100.8")], under=["TUR-PAK"])  # PAK only
    turkish = network(world.user("TUR-MIT"), loaded_db, year=2026, clock=world.clock)
    saudi = network(world.user("SAU-GIP"), loaded_db, year=2026, clock=world.clock)
    seen, unseen = tie(turkish, TUR, PAK), tie(saudi, TUR, PAK)
    assert seen is not None and seen.activity == {"shared_threats": 1.0}
    assert unseen is not None and unseen.activity == {}
    assert seen.strength == pytest.approx(unseen.strength + 0.5 * math.log(2))
    assert network(world.user("TUR-MIT"), loaded_db, year=2025, clock=world.clock) == network(
        PUBLIC, loaded_db, year=2025, clock=world.clock
    )  # reported in 2026, not before


# --- the CLI -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(loaded_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI pointed at the session's loaded database (these commands only read)."""
    return cli_env(loaded_engine, tmp_path_factory.mktemp("network-home"), COLUMNS="200")


def run(env: dict[str, str], *args: str, code: int = 0) -> tuple[bytes, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, result.stderr + repr(result.exception)
    return result.stdout_bytes, result.stderr


def test_the_cli_prints_the_top_states(env: dict[str, str]) -> None:
    out, _ = run(env, "analytics", "network", "--year", "1956", "--top", "3")
    text = out.decode()
    assert "Partnership network 1956" in text and "weighted_degree" in text
    assert "USA" in text and "brokerage" in text
    assert "PAK" not in text  # three states only, and Pakistan is not among the first


def test_the_cli_exports_graphml_and_measures(env: dict[str, str], tmp_path: Path) -> None:
    graph = tmp_path / "n.graphml"
    run(env, "export", "network", "--year", "1956", "-o", str(graph))
    assert nx.read_graphml(graph).has_edge(str(TUR), str(PAK))
    out, _ = run(env, "export", "network", "--year", "1956", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert rows[0].keys() >= {"ccode", "state", "degree", "brokerage"}
    assert next(r for r in rows if r["state"] == "TUR")["degree"] != "0"
    as_json, _ = run(env, "export", "network", "--year", "1956", "--format", "json")
    assert len(orjson.loads(as_json)) == len(rows)
    panel = tmp_path / "m.parquet"
    _, err = run(
        env,
        "export",
        "measures",
        "--from",
        "1955",
        "--to",
        "1956",
        "-f",
        "parquet",
        "-o",
        str(panel),
    )
    years = pq.read_table(panel).column("year").to_pylist()
    assert set(years) == {1955, 1956} and f"{len(years)} state-years" in err


def test_the_cli_refuses_a_bad_year_in_one_line(env: dict[str, str]) -> None:
    code, err = entry_point(env, ["analytics", "network", "--year", "1700"])
    assert code == InvalidInput.exit_code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: year: year 1700 is out of range")
    result = CliRunner().invoke(
        cli, ["export", "measures", "--from", "1957", "--to", "1956"], env=env
    )
    assert isinstance(result.exception, InvalidInput) and result.exception.field == "from"


# --- REST --------------------------------------------------------------------------------


def test_the_api_answers_the_network_and_its_measures(node: Node) -> None:
    viewer = node.auth("sa.viewer")
    doc = node.client.get("/api/v1/analytics/network?year=1956", headers=viewer)
    assert doc.status_code == 200, doc.text
    body = doc.json()
    assert body["year"] == 1956 and {"states", "ties"} <= body.keys()
    assert any(BAGHDAD_PACT in t["agreements"] for t in body["ties"])
    graph = node.client.get("/api/v1/analytics/network?year=1956&format=graphml", headers=viewer)
    assert graph.headers["content-type"].startswith("application/graphml+xml")
    assert nx.read_graphml(io.BytesIO(graph.content)).number_of_nodes() == len(body["states"])
    path = "/api/v1/analytics/measures?year=1956"
    as_json = node.client.get(path, headers=viewer).json()
    assert len(as_json) == len(body["states"])
    as_csv = node.client.get(path + "&format=csv", headers=viewer)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(as_csv.text.splitlines()) == len(as_json) + 1
    parquet = node.client.get(path + "&format=parquet", headers=viewer)
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == len(as_json)


def test_the_api_refuses_strangers_and_bad_years(node: Node) -> None:
    assert node.client.get("/api/v1/analytics/network?year=1956").status_code == 401
    assert node.client.get("/api/v1/analytics/measures?year=1956").status_code == 401
    for path in ("network?year=1700", "measures?year=1814", "network?year=2199"):
        answer = node.client.get(f"/api/v1/analytics/{path}", headers=node.auth("sa.viewer"))
        assert answer.status_code == 422 and answer.json()["field"] == "year", answer.text
    missing = node.client.get("/api/v1/analytics/network", headers=node.auth("sa.viewer"))
    assert missing.status_code == 422 and missing.json()["field"] == "year"


def test_the_api_shows_a_confidential_tie_only_to_its_parties(node: Node) -> None:
    with Session(node.engine) as session:
        ref = secret_pact(session)
        session.commit()
    seen = node.client.get("/api/v1/analytics/network?year=2025", headers=node.auth("tr.liaison"))
    hidden = node.client.get("/api/v1/analytics/network?year=2025", headers=node.auth("sa.liaison"))
    assert any(ref in t["agreements"] for t in seen.json()["ties"])
    assert not any(ref in t["agreements"] for t in hidden.json()["ties"])
