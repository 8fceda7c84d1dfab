"""The analyst's questions on the real record: Pakistan's profile, the Turkey–Pakistan
timeline, the OIC as a bloc, what partnership brought Pakistan, who gained partners, who
brokers; each for one viewer (a confidential agreement counts only for its parties), from
the service, the CLI and the REST API."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from taawun.analytics import _cooperation, questions, repository, service, similarity
from taawun.cli.main import cli
from taawun.cooperation.transfers import service as transfers
from taawun.core.clock import FixedClock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal

from .analytics_helpers import cli_env, record_secret_pact, refused, user_of
from .conftest import Node

TUR, PAK, IRQ, IRN, UKG = 640, 770, 645, 630, 200
BAGHDAD_PACT = "ATOP 5.1 3275"
PUBLIC = Principal.public()


def test_pakistans_profile_shows_turkey_in_1956_and_its_oic_share(
    loaded_db: Session, clock: FixedClock
) -> None:
    found = questions.state_history(PUBLIC, loaded_db, state="PAK", first=1954, last=1991)
    partners = {y: {p.ccode for p in found.partners[y]} for y in found.partners}
    assert {TUR, IRQ, IRN, UKG} <= partners[1956]  # the Baghdad Pact's other members
    rows = {r["year"]: r for r in found.years.rows()}
    assert rows[1956]["partners"] == len(partners[1956])
    gained = {(c.year, c.partner.abbrev): c.agreements for c in found.changes if c.gained}
    assert BAGHDAD_PACT in gained[1955, "IRQ"]
    oic = repository.organization_members(loaded_db, "OIC", 1990, 1990)[1990]
    inside = len(partners[1990] & oic)
    assert rows[1990]["oic_member"] and inside > 0
    assert (rows[1990]["partners_oic"], rows[1990]["partners_outside"]) == (
        inside,
        len(partners[1990]) - inside,
    )
    assert rows[1990]["share_oic"] == pytest.approx(inside / len(partners[1990]))
    assert rows[1956]["partners_oic"] == 0  # no OIC before 1969
    assert all(r["degree_rank"] >= 1 for r in rows.values())


def test_the_turkey_pakistan_timeline_has_the_pact_and_sipri_with_sources(
    record_db: Session, clock: FixedClock
) -> None:
    found = questions.dyad_history(PUBLIC, record_db, a="TUR", b="PAK", clock=clock)
    kinds = {e.kind for e in found.events}
    assert {"agreement", "obligation", "transfer", "exercise"} <= kinds
    pact = [e for e in found.events if e.kind == "agreement" and e.source == BAGHDAD_PACT]
    assert pact and "Baghdad Pact" in pact[0].label
    assert pact[0].start == date(1955, 9, 23)
    owed = [e for e in found.events if e.kind == "obligation" and BAGHDAD_PACT in e.source]
    assert {e.label.split(" owes")[0] for e in owed} == {"TUR", "PAK"}
    sipri = [e for e in found.events if e.source.startswith("SIPRI TIV")]
    assert sipri and all("→" in e.source and "row" in e.source for e in sipri)
    starts = [e.start or date.max for e in found.events]
    assert starts == sorted(starts)
    assert found.notes == [_cooperation.NO_THREATS]  # the public reads no intel
    turkish = questions.dyad_history(
        user_of(record_db, "TUR"), record_db, a="TUR", b="PAK", clock=clock
    )
    assert turkish.notes == []


def test_oic_density_per_year_by_hand(loaded_db: Session, clock: FixedClock) -> None:
    found = questions.bloc(PUBLIC, loaded_db, org="OIC", first=1970, last=1972, clock=clock)
    rows = {r["year"]: r for r in found.years.rows()}
    members = repository.organization_members(loaded_db, "OIC", 1970, 1970)[1970]
    dy = service.dyad_years(PUBLIC, loaded_db, first=1970, last=1970, clock=clock)
    c = dy.columns
    ties = sum(
        1
        for a, b in zip(c["ccode1"].tolist(), c["ccode2"].tolist(), strict=True)
        if a in members and b in members
    )
    m = len(members)
    assert (rows[1970]["members"], rows[1970]["internal_ties"]) == (m, ties)
    assert rows[1970]["density"] == pytest.approx(ties / (m * (m - 1) / 2))
    cohesion = similarity.cohesion(PUBLIC, loaded_db, org="OIC", first=1970, last=1972)
    assert [r["year"] for r in found.years.rows()] == [1970, 1971, 1972]
    assert found.years.columns["cohesion_s"].tolist() == pytest.approx(
        cohesion.columns["s_valued_abs"].tolist()
    )
    external = found.external.rows()
    tie_years = [r["tie_years"] for r in external]
    assert tie_years == sorted(tie_years, reverse=True)
    assert all(r["ccode"] not in members for r in external[:5])
    assert {r["bloc"] for r in found.blocs.rows()} >= {"NATO", "WPact"}
    with pytest.raises(InvalidInput) as refused:
        questions.bloc(PUBLIC, loaded_db, org="no such bloc", first=1970, last=1972)
    assert refused.value.field == "org"


def test_brought_pakistan_allies_share_is_the_transfers_figure(
    record_db: Session, clock: FixedClock
) -> None:
    found = questions.brought(PUBLIC, record_db, state="PAK", first=2010, last=2018, clock=clock)
    share = transfers.allies_share(PUBLIC, record_db, state="PAK", first_year=2010, last_year=2018)
    assert found.totals["tiv_from_allies"] == share.from_allies > 0
    assert found.totals["tiv_total"] == share.total
    by_year = {y.year: y for y in share.years}
    for row in found.arms.rows():
        year = by_year[row["year"]]
        assert (row["tiv_from_allies"], row["tiv_from_others"]) == (
            year.from_allies,
            year.from_others,
        )
    sipri = [e for e in found.events if e.source.startswith("SIPRI TIV")]
    summed = sum(float(e.label.split(": ")[1].split(" TIV")[0]) for e in sipri)
    assert summed == pytest.approx(share.total)
    assert sum(1 for e in found.events if e.kind == "exercise") == found.totals["exercises"]
    assert found.notes[-1] == _cooperation.NO_THREATS
    turkish = questions.brought(
        user_of(record_db, "TUR"), record_db, state="PAK", first=2010, last=2012, clock=clock
    )
    assert _cooperation.NO_THREATS not in turkish.notes  # an agency's user reads intel
    assert turkish.totals["shared_threats"] == 0  # none recorded on this node


def test_gainers_after_2001_are_sorted(loaded_db: Session, clock: FixedClock) -> None:
    found = questions.gainers(PUBLIC, loaded_db, after=2001, until=2018, top=15, clock=clock)
    rows = found.rows()
    assert len(rows) == 15
    assert [r["gained"] for r in rows] == sorted((r["gained"] for r in rows), reverse=True)
    assert all(r["gained"] == r["after"] - r["before"] == r["new"] - r["lost"] for r in rows)
    dy = service.dyad_years(PUBLIC, loaded_db, first=2018, last=2018, clock=clock)
    c = dy.columns
    top = rows[0]["ccode"]
    assert rows[0]["after"] == int(((c["ccode1"] == top) | (c["ccode2"] == top)).sum())


def test_brokers_of_2018(loaded_db: Session, clock: FixedClock) -> None:
    rows = questions.brokers(PUBLIC, loaded_db, year=2018, top=5, clock=clock).rows()
    assert len(rows) == 5
    assert [r["brokerage"] for r in rows] == sorted((r["brokerage"] for r in rows), reverse=True)
    assert all(set(r["blocs"].split(";")) <= {"OIC", "NATO", "CSTO", "SCO"} for r in rows)


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (lambda s: questions.state_history(PUBLIC, s, state="PAK", first=2000, last=1999), "from"),
        (lambda s: questions.state_history(PUBLIC, s, state="PAK", first=2000, last=2150), "to"),
        (lambda s: questions.dyad_history(PUBLIC, s, a="TUR", b="Turkey"), "b"),
        (lambda s: questions.brought(PUBLIC, s, state="PAK", first=1700, last=2000), "from"),
        (lambda s: questions.gainers(PUBLIC, s, after=2001, until=2001), "until"),
        (lambda s: questions.gainers(PUBLIC, s, after=2001, top=0), "top"),
        (lambda s: questions.brokers(PUBLIC, s, year=1700), "year"),
    ],
)
def test_bad_inputs_name_the_field(loaded_db: Session, ask: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ask(loaded_db)  # type: ignore[operator]
    assert refused.value.field == field


# --- confidentiality ----------------------------------------------------------------------


def test_a_confidential_pact_shows_only_to_its_parties(
    loaded_db: Session, clock: FixedClock
) -> None:
    def profile(viewer: Principal) -> questions.StateHistory:
        return questions.state_history(
            viewer, loaded_db, state="PAK", first=2022, last=2026, clock=clock
        )

    def timeline(viewer: Principal) -> list[questions.Event]:
        return questions.dyad_history(
            viewer, loaded_db, a="TUR", b="PAK", first=2020, clock=clock
        ).events

    before, before_dyad = profile(PUBLIC), timeline(PUBLIC)
    secret = record_secret_pact(loaded_db)
    turkish, saudi, public = (
        profile(user_of(loaded_db, "TUR")),
        profile(user_of(loaded_db, "SAU")),
        profile(PUBLIC),
    )
    assert public.years.rows() == before.years.rows() == saudi.years.rows()
    assert public.changes == before.changes == saudi.changes
    mine = {r["year"]: r for r in turkish.years.rows()}
    theirs = {r["year"]: r for r in public.years.rows()}
    assert mine[2023] == theirs[2023]
    assert mine[2024]["intelligence_sharing"] == theirs[2024]["intelligence_sharing"] + 1
    assert mine[2024]["defense"] >= theirs[2024]["defense"]
    assert TUR in {p.ccode for p in turkish.partners[2024]}

    assert timeline(PUBLIC) == before_dyad == timeline(user_of(loaded_db, "SAU"))
    assert all(secret not in e.source for e in before_dyad)
    seen = timeline(user_of(loaded_db, "TUR"))
    assert any(e.kind == "agreement" and e.source == secret for e in seen)
    assert any(e.kind == "obligation" and secret in e.source for e in seen)


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(record_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI pointed at the session's record database (the questions only read)."""
    return cli_env(record_engine, tmp_path_factory.mktemp("questions-home"), COLUMNS="250")


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, ["analytics", *args], env=env)
    assert result.exit_code == 0, result.stderr + repr(result.exception)
    return result.stdout


def test_cli_answers_each_question(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "profile", "PAK", "--from", "1954", "--to", "1956")
    assert "partners_oic" in out and "1956" in out and "ATOP 5.1 3275" in out
    rows = list(csv.DictReader(io.StringIO(run(env, "dyad", "TUR", "PAK", "-f", "csv"))))
    assert {"start", "end", "kind", "label", "source"} == set(rows[0])
    assert any(r["source"] == BAGHDAD_PACT for r in rows)
    target = tmp_path / "bloc.parquet"
    run(env, "bloc", "OIC", "--from", "1970", "--to", "1971", "-f", "parquet", "-o", str(target))
    assert pq.read_table(target).column("year").to_pylist() == [1970, 1971]
    external = orjson.loads(
        run(
            env,
            "bloc",
            "OIC",
            "--from",
            "1970",
            "--to",
            "1971",
            "-f",
            "json",
            "--table",
            "external",
        )
    )
    assert external[0]["tie_years"] >= external[-1]["tie_years"]
    assert "tiv_from_allies" in run(env, "brought", "PAK", "--from", "2010", "--to", "2012")
    gainers = list(
        csv.DictReader(
            io.StringIO(run(env, "gainers", "--after", "2001", "--top", "3", "-f", "csv"))
        )
    )
    assert len(gainers) == 3 and int(gainers[0]["gained"]) >= int(gainers[2]["gained"])
    assert "brokerage" in run(env, "brokers", "--year", "2018", "--top", "3")


def test_cli_refuses_bad_input_in_one_line(env: dict[str, str]) -> None:
    assert refused(env, "analytics", "profile", "PAK", "--from", "2000", "--to", "1999") == (
        2,
        "error: from: 2000 is after to (1999)",
    )
    code, err = refused(env, "analytics", "gainers", "--after", "2001", "--until", "1990")
    assert code == 2 and err.startswith("error: until:")


# --- the REST API -------------------------------------------------------------------------


def test_the_api_answers_each_question(node: Node) -> None:
    auth = node.auth("sa.viewer")
    base = "/api/v1/analytics"
    history = node.client.get(f"{base}/states/PAK/history?from=1954&to=1956", headers=auth)
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["state"]["abbrev"] == "PAK" and len(body["years"]["rows"]) == 3
    as_csv = node.client.get(
        f"{base}/states/PAK/history?from=1954&to=1956&format=csv", headers=auth
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(as_csv.text.splitlines()) == 4
    dyad = node.client.get(f"{base}/dyads/TUR/PAK/history", headers=auth).json()
    assert any(e["source"] == BAGHDAD_PACT for e in dyad["events"])
    bloc = node.client.get(f"{base}/blocs/OIC?from=1970&to=1971", headers=auth).json()
    assert [r["year"] for r in bloc["years"]["rows"]] == [1970, 1971]
    parquet = node.client.get(
        f"{base}/blocs/OIC?from=1970&to=1971&format=parquet&table=external", headers=auth
    )
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == len(bloc["external"]["rows"])
    brought = node.client.get(f"{base}/states/PAK/brought?from=2010&to=2012", headers=auth)
    assert brought.status_code == 200 and "tiv_from_allies" in brought.json()["totals"]
    gainers = node.client.get(f"{base}/gainers?after=2001&top=3", headers=auth).json()
    assert len(gainers["rows"]) == 3
    brokers = node.client.get(f"{base}/brokers?year=2018&top=3&format=csv", headers=auth)
    assert brokers.text.splitlines()[0].startswith("ccode,state,oic,brokerage")

    assert node.client.get(f"{base}/states/PAK/history").status_code == 401
    wrong = node.client.get(f"{base}/states/PAK/history?from=2000&to=1999", headers=auth)
    assert wrong.status_code == 422 and wrong.json()["field"] == "from"
    assert node.client.get(f"{base}/gainers?after=2001&top=0", headers=auth).status_code == 422
    same = node.client.get(f"{base}/dyads/TUR/TUR/history", headers=auth)
    assert same.status_code == 422 and same.json()["field"] == "b"
