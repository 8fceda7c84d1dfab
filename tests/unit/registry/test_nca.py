"""Fuhrmann's nuclear cooperation agreements in the registry: every dyad-year row of the real
file imported, merged into the agreement of the other direction, or reported."""

from __future__ import annotations

import csv
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.importers import cow_states, nca
from taawun.registry.importers import sources as src
from taawun.registry.importers.run import default_data_dir
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty

DATA = default_data_dir()
MINE = Agreement.source == "Fuhrmann NCA"


def _rows() -> list[dict[str, str]]:
    with (DATA / src.NCA_FILE).open() as f:
        return list(csv.DictReader(f))


def test_every_row_is_imported_merged_or_reported() -> None:
    rows = _rows()
    plan = nca.parse(DATA, cow_states.parse(DATA))
    assert len(rows) == plan.rows == 3152
    assert (plan.imported, plan.merged, plan.unresolvable) == (2156, 995, 1)
    assert plan.imported + plan.merged + plan.unresolvable == len(rows)
    lines = Counter(line for r in plan.records for line in r.values["terms"]["source_lines"])
    assert set(lines.values()) == {1}  # no row in two agreements
    assert set(lines) == set(range(2, len(rows) + 2)) - {2132}
    assert rows[2132 - 2]["ccode1"] == rows[2132 - 2]["ccode2"] == "260"  # the one reported
    assert any("line 2132" in n and "not imported" in n for n in plan.notes)
    # a name that contradicts its code is reported, the code kept
    assert any("line 1088" in n and "'Romania'" in n for n in plan.notes)


def test_a_group_holds_as_many_agreements_as_its_larger_direction() -> None:
    rows = _rows()
    directed = Counter(
        (r["ccode1"], r["ccode2"], r["year"], r["nca_type"])
        for r in rows
        if r["ccode1"] != r["ccode2"]
    )
    plan = nca.parse(DATA, cow_states.parse(DATA))
    by_group = Counter(r.source_id.rsplit("-", 1)[0] for r in plan.records)
    for (a, b, year, kind), n in directed.items():
        low, high = sorted((int(a), int(b)))
        back = directed.get((b, a, year, kind), 0)
        assert by_group[f"{low}-{high}-{year}-{int(float(kind))}"] == max(n, back)
    assert len(plan.records) == 2156


def test_the_agreements_in_the_registry(loaded_db: Session) -> None:
    count = loaded_db.scalar(select(func.count()).select_from(Agreement).where(MINE))
    assert count == 2156
    public = Principal.public()
    # USA–Canada 1955, comprehensive power (restricted): both supply, one agreement
    first = service.get_agreement(public, loaded_db, ref="NCA 2-20-1955-5-1")
    assert first.signed is not None and first.signed.isoformat() == "1955-01-01"
    assert (first.status, first.ended, first.confidential) == ("in_force", None, False)
    assert first.terms["suppliers"] == [2, 20] and first.terms["source_lines"] == [2, 632]
    assert first.terms["date_precision"] == "year" and "never its end" in first.terms["duration"]
    assert first.domains == ["technology_exchange"]
    assert first.domain_terms[0].terms["nca_type"] == 5
    assert sorted(p.state.cow_code or 0 for p in first.party_spells) == [2, 20]
    assert first.observed_through is not None and first.observed_through.year == 2003
    # USA–Sweden 1995: four safety agreements each way, so four agreements
    sweden = service.list_agreements(public, loaded_db, source="Fuhrmann NCA", text="sweden–united")
    safety_1995 = [a for a in sweden.items if a.source_id.startswith("2-380-1995-1-")]
    assert len(safety_1995) == 4
    # type 7, assistance for weapons, also covers military aid
    military = loaded_db.scalar(
        select(func.count())
        .select_from(AgreementDomain)
        .join(Agreement, Agreement.id == AgreementDomain.agreement_id)
        .where(MINE, AgreementDomain.domain == "military_aid")
    )
    assert military == sum(1 for r in nca.parse(DATA, cow_states.parse(DATA)).records
                           if r.values["terms"]["nca_type"] == 7)  # fmt: skip
    parties = loaded_db.scalar(
        select(func.count())
        .select_from(AgreementParty)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(MINE)
    )
    assert parties == 2 * 2156
