"""Agreements from ATOP 5.1 (Leeds et al.): alliances, their phases and member spells.

- ``atop/atop5_1a.csv`` (one row per alliance): ``atopid`` → ``source_id``;
  ``begyr/begmo/begday`` → ``signed`` and ``in_force`` (a missing day is day 1,
  with ``terms["date_precision"] = "month"``); ``endyr/endmo/endday`` →
  ``ended`` when ``ineffect`` is 0; ``ineffect``/``term`` → ``status``
  (in_force; else expired when the alliance ended by fulfilment, ``term`` 1,
  else terminated). Obligations ``defense``, ``offense``, ``neutral``,
  ``nonagg``, ``consul`` and ``milaid`` → domains, each with the ATOP
  variables and conditions (``defcon`` ...) in its terms. Every provision
  variable is kept in ``terms["atop"]``, decoded labels in ``terms["provisions"]``.
- ``atop/atop5_1aph.csv`` (one row per alliance phase) joined with
  ``atop/atopinst5_1.csv`` on ``atopidphase`` → ``AgreementPhase`` (dates,
  ``milinst``, ``formal``, and the provisions that differ from the alliance row).
- ``atop/atop5_1m.csv`` (one row per member per phase): ``member`` (COW
  code) → the party's state; ``yrent/moent/dayent`` → ``entered``;
  ``yrexit/moexit/dayexit`` → ``exited`` (0 means still a member); the member's own
  obligations ``defense``, ``offense``, ``neutral``, ``nonagg``, ``consul`` and ``obvary``
  (codebook 2.33, member-level (M) variables: asymmetric alliances differ by member) →
  the party's ``defense`` ... ``consul`` and ``obligations_vary``.
- ``curated/atop_treaty_names.csv``: the treaty's name → ``title``, its source →
  ``terms["title_source"]``; other titles are derived (``atop_titles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from taawun.registry.importers import sources as src
from taawun.registry.importers._agreements import AgreementRecord, PartyRecord
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.importers.atop_titles import (
    OrgCandidate,
    TreatyName,
    link,
    title,
    treaty_names,
)
from taawun.registry.importers.cow_igo import IgoPlan
from taawun.registry.importers.cow_states import StatesPlan
from taawun.registry.vocabulary import (
    ARMRED,
    BASE,
    MILAID,
    MILCON,
    ORGAN,
    ORGPURP,
    SPECTHRT,
    SUBORD,
    TERM,
    label,
)

_DATES = ["begyr", "begmo", "begday", "endyr", "endmo", "endday"]
_NOT_PROVISIONS = frozenset(("atopid", "atopidphase", "cowid", "cow4id", *_DATES, "phase")) | {
    "source",
    "new5",
    "rev5",
    "version",
}
_MEMBER_OBLIGATIONS = {
    # ATOP member-level variable → AgreementParty column
    "defense": "defense",
    "offense": "offense",
    "neutral": "neutral",
    "nonagg": "nonagg",
    "consul": "consul",
    "obvary": "obligations_vary",
}
_MEMBER_COLUMNS = [
    "atopid",
    "member",
    "phase",
    "yrent",
    "moent",
    "dayent",
    "yrexit",
    "version",
    *_MEMBER_OBLIGATIONS,
]
_OBLIGATIONS = {
    # ATOP variable → (domain, the ATOP variables that condition it)
    "defense": ("mutual_defense", "defcon"),
    "offense": ("offense", "offcon"),
    "neutral": ("neutrality", "neucon"),
    "nonagg": ("non_aggression", None),
    "consul": ("consultation", "concon"),
}


@dataclass(slots=True)
class AtopPlan:
    tables: list[Table]
    records: list[AgreementRecord]
    links: list[tuple[str, str, float]]

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def _provisions(row: Row, columns: tuple[str, ...]) -> dict[str, int | None]:
    """Every provision variable of an alliance or phase row (also checks ``version``: 5.1)."""
    if row.text("version") != "5.1":
        raise row.error(f"column 'version': expected 5.1, found {row.text('version')!r}")
    return {
        c: row.optional_int(c)
        for c in columns
        if c not in _NOT_PROVISIONS and not (c.startswith("mem") and c[3:].isdigit())
    }


def decode(atop: dict[str, int | None]) -> dict[str, Any]:
    """Codebook labels for the provisions a reader asks about (see ``vocabulary``)."""
    intcom, contrib = atop.get("intcom"), atop.get("contrib")
    organizations = [
        {"kind": label(ORGAN, atop.get(f"organ{i}")), "purpose": label(ORGPURP, atop.get(p))}
        for i, p in ((1, "orgpurp1"), (2, "orgpurp2"))
        if atop.get(f"organ{i}")
    ]
    return {
        "military_contact": label(MILCON, atop.get("milcon")),
        "military_aid": label(MILAID, atop.get("milaid")),
        "integrated_command": None if intcom is None else intcom == 1,
        "subordination": label(SUBORD, atop.get("subord")),
        "organizations": organizations,
        "bases": label(BASE, atop.get("base")),
        "contributions": None if contrib is None else contrib == 1,
        "specific_threat": label(SPECTHRT, atop.get("specthrt")),
        "threat_states": [c for c in (atop.get("statthr1"), atop.get("statthr2")) if c],
        "arms": label(ARMRED, atop.get("armred")),
        "termination": label(TERM, atop.get("term")),
    }


def domains(atop: dict[str, int | None]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for var, (domain, condition) in _OBLIGATIONS.items():
        if atop.get(var) == 1:
            terms: dict[str, Any] = {"atop": {var: 1}}
            if condition:
                terms["atop"][condition] = atop.get(condition)
                terms["conditional"] = atop.get(condition) == 1
            found[domain] = terms
    milaid = atop.get("milaid") or 0
    if milaid > 0:
        aid = {"atop": {"milaid": milaid}, "label": MILAID.get(milaid)}
        found["military_aid"] = aid
        if milaid in (3, 4):
            found["training"] = dict(aid)
            found["technology_exchange"] = dict(aid)
    return found


def parse(data_dir: Path, states: StatesPlan, igo: IgoPlan) -> AtopPlan:
    alliances = read_table(
        data_dir, src.ATOP_ALLIANCES_FILE, ["atopid", "ineffect", "term", "version", *_DATES]
    )
    members = read_table(data_dir, src.ATOP_MEMBERS_FILE, _MEMBER_COLUMNS)
    phases = read_table(
        data_dir, src.ATOP_PHASES_FILE, ["atopid", "atopidphase", "phase", "version", *_DATES]
    )
    inst = read_table(data_dir, src.ATOP_INST_FILE, ["atopidphase", "milinst", "formal"])
    names_table, names = treaty_names(data_dir)

    records: dict[int, AgreementRecord] = {}
    begin_years: dict[int, int] = {}
    for row in alliances.rows:
        atopid = row.int("atopid")
        if atopid in records:
            raise row.error(f"column 'atopid': {atopid} appears twice")
        atop = _provisions(row, alliances.columns)
        records[atopid] = _agreement(row, atopid, atop)
        begin_years[atopid] = row.int("begyr")

    inst_by_phase = {_phase_id(r): r for r in inst.rows}
    for row in phases.rows:
        record = _known(records, row)
        key = row.text("atopidphase")
        extra = inst_by_phase.get(_phase_id(row))
        if extra is None:
            raise row.error(f"atopidphase {key} has no row in {src.ATOP_INST_FILE}")
        begins, _ = row.ymd("begyr", "begmo", "begday")
        ends = None if row.int("endyr") == 0 else row.ymd("endyr", "endmo", "endday")[0]
        atop = _provisions(row, phases.columns)
        changed = {k: v for k, v in atop.items() if record.values["terms"]["atop"].get(k) != v}
        record.phases.append(
            {
                "phase": row.int("phase"),
                "source_id": key,
                "begins": begins,
                "ends": ends,
                "terms": {
                    "milinst": extra.optional_int("milinst"),
                    "formal": extra.optional_int("formal"),
                    "atop_changed": changed,
                },
            }
        )

    member_codes = _parties(members, records, states)
    orgs = [
        OrgCandidate(key, o["name"], o["founded_year"], frozenset(codes))
        for key, codes in igo.full_members_ever().items()
        for o in [igo.organizations[key]]
    ]
    links: list[tuple[str, str, float]] = []
    for row in alliances.rows:
        atopid = row.int("atopid")
        record = records[atopid]
        codes = member_codes.get(atopid)
        if not codes:
            raise row.error(f"alliance {atopid} has no member in {src.ATOP_MEMBERS_FILE}")
        found = link(frozenset(codes), begin_years[atopid], orgs)
        org_name = None
        if found:
            record.organization, org_name = found[0].key, found[0].name
            links.append((record.source_id, found[0].key, round(found[1], 3)))
        members_named = [states.by_code[c].name for c in codes]
        record.values["title"] = title(
            members_named, record.values["terms"]["atop"], begin_years[atopid], org_name
        )
    _name_treaties(records, names)
    return AtopPlan([alliances, members, phases, inst, names_table], list(records.values()), links)


def _parties(
    members: Table, records: dict[int, AgreementRecord], states: StatesPlan
) -> dict[int, set[int]]:
    """Each member row → a party spell of its alliance, with the member's own obligations;
    returns the members' COW codes by atopid."""
    member_codes: dict[int, set[int]] = {}
    for row in members.rows:
        record = _known(records, row)
        if row.text("version") != "5.1":
            raise row.error(f"column 'version': expected 5.1, found {row.text('version')!r}")
        code = row.int("member")
        states.require(code, row, "member")
        entered, _ = row.ymd("yrent", "moent", "dayent")
        exited = None if row.int("yrexit") == 0 else row.ymd("yrexit", "moexit", "dayexit")[0]
        owes = {column: _flag(row, var) for var, column in _MEMBER_OBLIGATIONS.items()}
        party = PartyRecord(code, None, row.int("phase"), entered, exited, row.line, owes)
        record.parties.append(party)
        member_codes.setdefault(int(record.source_id), set()).add(code)
    return member_codes


def _name_treaties(records: dict[int, AgreementRecord], names: dict[int, TreatyName]) -> None:
    """Curated names replace derived titles; each must name an alliance that begins on the
    day it says (``atop_titles``), and its source goes into ``terms["title_source"]``."""
    for atopid, name in names.items():
        record = records.get(atopid)
        if record is None:
            raise name.row.error(f"column 'atopid': {atopid} is not in {src.ATOP_ALLIANCES_FILE}")
        if name.begins != record.values["signed"]:
            raise name.row.error(
                f"column 'begins': {name.begins} is not ATOP {atopid}'s begin date "
                f"{record.values['signed']}; is the atopid right?"
            )
        record.values["title"] = name.title
        record.values["terms"]["title_source"] = f"{src.CURATED_SOURCE}: {name.source}"


def _flag(row: Row, column: str) -> bool:
    """A member-level dummy (codebook 2.33): 0 or 1; every member row codes all six."""
    value = row.int(column)
    if value not in (0, 1):
        raise row.error(f"column {column!r}: expected 0 or 1, found {value}")
    return value == 1


def _phase_id(row: Row) -> str:
    """``atopidphase`` normalised: atopinst5_1.csv stores 2050.1 as the float 2050.1001."""
    raw = row.text("atopidphase")
    try:
        return f"{float(raw):.2f}"
    except ValueError:
        raise row.error(f"column 'atopidphase': expected a number, found {raw!r}") from None


def _known(records: dict[int, AgreementRecord], row: Row) -> AgreementRecord:
    atopid = row.int("atopid")
    if atopid not in records:
        raise row.error(f"column 'atopid': {atopid} is not in {src.ATOP_ALLIANCES_FILE}")
    return records[atopid]


def _agreement(row: Row, atopid: int, atop: dict[str, int | None]) -> AgreementRecord:
    signed, day_known = row.ymd("begyr", "begmo", "begday")
    in_effect = row.int("ineffect") == 1
    ended: date | None = None
    terms: dict[str, Any] = {"atop": atop, "provisions": decode(atop)}
    if not day_known:
        terms["date_precision"] = "month"
    if not in_effect:
        ended, end_day_known = row.ymd("endyr", "endmo", "endday")
        if not end_day_known:
            terms["end_date_precision"] = "month"
    status = "in_force" if in_effect else ("expired" if atop.get("term") == 1 else "terminated")
    values: dict[str, Any] = {
        "title": "",
        "signed": signed,
        "in_force": signed,
        "ended": ended,
        "status": status,
        "status_since": ended or signed,
        "confidential": False,
        "observed_through": src.ATOP_THROUGH,
        "terms": terms,
        "citation": src.ATOP_CITATION,
    }
    return AgreementRecord(str(atopid), values, domains=domains(atop))
