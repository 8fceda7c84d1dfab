"""SIPRI's record of arms transfers, and the item catalogue, as three sources.

- ``misp-galaxy-uavs``: the catalogue's reference entries, from the MISP ``uavs`` galaxy
  (``transfers/catalogue.py``); origins and operators resolved to registry states.
- ``sipri-tiv``: the supplier-recipient-year TIV table, one ``aggregate`` transfer a row.
- ``sipri-registers``: the deal-level trade registers of the UK, France, Germany and the
  USA, one ``deal`` a row, and one catalogue entry per designation (linked to the galaxy's
  entry where the names match, ``catalogue.py``).

How each file's columns are read, and what happens to rows that cannot be, is
``transfers/_sipri_files.py``. Parties are resolved once per name: SIPRI marks
organizations with ``**`` and non-state groups with ``*``; "unknown ..." is unknown; a few
names are entities the registry has no state for (``ENTITIES``); Serbia is COW 345 (the TIV
table leaves it without a code); "Germany" before 1991 is West Germany (``WEST_GERMANY``).
The TIV table (360info's) has no row for West Germany at all, as supplier or recipient: its
"Germany" begins in 1991. Every row is public and keeps source, file, line and
release.

The covering agreement of each row (the agreement covering ``technology_exchange`` or
``military_aid`` in force that year with both states as parties: ``year`` is the TIV year or
the year of order) is found among the public agreements the node holds when the source is
written (``registry.service.joint_years``: ``covering_agreements`` for every pair of states
and year at once); a row without one is flagged. Since it depends on the agreements, each
source's checksum includes the registry's agreement files.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.cooperation.importers._names import StateNames
from taawun.cooperation.transfers import _sipri_files as files
from taawun.cooperation.transfers.catalogue import (
    GALAXY_SOURCE,
    REGISTER_SOURCE,
    Galaxy,
    is_uav,
    normalise,
    read_galaxy,
)
from taawun.cooperation.transfers.models import Transfer, TransferItem, TransferItemName
from taawun.cooperation.transfers.vocabulary import COVERING_DOMAINS
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.importers import sources as registry_sources
from taawun.registry.importers._agreements import Progress
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.importers.run import Source

MAPPING: Final = "taawun-sipri-import/1"
GALAXY_KEY: Final = "misp-galaxy-uavs"
TIV_KEY: Final = "sipri-tiv"
REGISTERS_KEY: Final = "sipri-registers"
TIV_SOURCE: Final = "SIPRI TIV"
REGISTER_SOURCES: Final = {
    name: f"SIPRI register {name}" for name in (*files.REGISTER_FILES, "USA")
}
TIV_RELEASE: Final = (
    "SIPRI Arms Transfers Database TIV tables, downloaded 28 July 2022 "
    "(360info, 360-info/report-arms-trade@e00d2d3)"
)
REGISTER_RELEASE: Final = (
    "SIPRI trade register as published with joshuaalley/arms-elections@4603810; "
    "release not stated, orders through {last}"
)
CITATION: Final = (
    "SIPRI Arms Transfers Database, Stockholm International Peace Research Institute, "
    "https://www.sipri.org/databases/armstransfers"
)
WEST_GERMANY: Final = "260"
"""SIPRI names West Germany "Germany" throughout its registers; COW codes it 260 (German
Federal Republic) until unification in October 1990, and Germany 255 since."""
ALIASES: Final = {"Serbia": "345", "serbia": "345", "Micronesia": "987"}
ENTITIES: Final = {
    "Northern Cyprus": "no state of the registry (360info gave it Cyprus's code, 352)",
    "Western Sahara": "no state of the registry",
    "Biafra": "secessionist entity, 1967-1970",
    "Katanga": "secessionist entity, 1960-1963",
    "Aruba": "a country of the Kingdom of the Netherlands",
}
_REGISTRY_FILES: Final = (
    registry_sources.STATES_FILE,
    registry_sources.CROSSWALK_FILE,
    registry_sources.STATES_EXTRA_FILE,
    registry_sources.ATOP_ALLIANCES_FILE,
    registry_sources.ATOP_MEMBERS_FILE,
    registry_sources.CURATED_AGREEMENTS_FILE,
    registry_sources.NCA_FILE,
)


class _Parties:
    """``resolve(name, cown, year)`` for ``_sipri_files`` (see the module docstring); counts
    what it could not place and where 360info's code disagrees, for the report."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.names = StateNames(session, aliases=ALIASES)
        self.kinds: Counter[str] = Counter()
        self.coded: Counter[tuple[str, str, int]] = Counter()  # (name, 360info's code, state)

    def resolve(self, name: str, cown: str | None, year: int) -> files.Party:
        kind = self._kind(name)
        if kind != "state":
            self.kinds[f"{kind}: {name}"] += 1
            return None, kind
        state_id = self.names.resolve(WEST_GERMANY if name == "Germany" and year <= 1990 else name)
        if state_id is None:
            self.kinds[f"entity: {name}"] += 1
            return None, "entity"
        if cown is not None:
            self.coded[(name, cown, state_id)] += 1
        return state_id, "state"

    @staticmethod
    def _kind(name: str) -> str:
        if name.endswith("**"):
            return "organization"
        if name.endswith("*"):
            return "armed_group"
        if name.lower().startswith("unknown"):
            return "unknown"
        return "entity" if name in ENTITIES else "state"

    def notes(self) -> list[str]:
        out = self.names.notes("SIPRI")
        by_kind: dict[str, list[str]] = {}
        for what, n in sorted(self.kinds.items()):
            kind, name = what.split(": ", 1)
            by_kind.setdefault(kind, []).append(f"{name} ({n})")
        out.extend(
            f"SIPRI: kept as names, not states ({kind}, rows): {'; '.join(names)}"
            for kind, names in by_kind.items()
        )
        refs = registry.state_refs(self.session, {s for _, _, s in self.coded})
        out.extend(
            f"SIPRI: {n} row(s) name {name!r} with 360info's COW code {code}, not its state's"
            for (name, code, state), n in sorted(self.coded.items())
            if str(refs[state].cow_code) != code
        )
        return out


def _registry_sha(data_dir: Path) -> str:
    """What names resolve to and which agreements cover a row depend on these files."""
    digest = hashlib.sha256()
    for path in _REGISTRY_FILES:
        try:
            digest.update(hashlib.sha256((data_dir / path).read_bytes()).digest())
        except OSError:
            digest.update(path.encode())  # the registry's own import reports a missing file
    return digest.hexdigest()


def _sha(*parts: str) -> str:
    return hashlib.sha256("|".join([MAPPING, *parts]).encode()).hexdigest()


def plan(session: Session, data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    """Read and check every file, resolve every name; write nothing."""
    now = clock.now()
    parties = _Parties(session)
    galaxy = read_galaxy()
    tiv = files.parse_tiv(data_dir, parties.resolve)
    registers = {
        REGISTER_SOURCES[name]: files.parse_register(data_dir, path, parties.resolve)
        for name, path in files.REGISTER_FILES.items()
    }
    registers[REGISTER_SOURCES["USA"]] = files.parse_us_register(data_dir, parties.resolve)
    places = StateNames(session, aliases=ALIASES)
    galaxy_rows = [_galaxy_row(galaxy, e, places) for e in galaxy.entries]
    registry_files = _registry_sha(data_dir)
    last = max(r["order_year"] for p in registers.values() for r in p.rows)
    sources = [
        Source(
            GALAXY_KEY,
            galaxy.citation,
            None,
            len(galaxy.entries),
            _sha(galaxy.sha256, str(galaxy.version), registry_files),
            partial(_write_galaxy, galaxy=galaxy, rows=galaxy_rows),
        ),
        Source(
            TIV_KEY,
            f"{CITATION}; {TIV_RELEASE}",
            date(max(r["year"] for r in tiv.rows), 12, 31),
            tiv.account.read,
            _sha(tiv.sha256, registry_files),
            partial(_write_tiv, parsed=tiv, now=now),
        ),
        Source(
            REGISTERS_KEY,
            f"{CITATION}; {REGISTER_RELEASE.format(last=last)}",
            date(last, 12, 31),
            sum(p.account.read for p in registers.values()),
            _sha(*(p.sha256 for p in registers.values()), galaxy.sha256, registry_files),
            partial(_write_registers, registers=registers, now=now),
        ),
    ]
    notes = parties.notes()
    notes.extend(places.notes("MISP galaxy uavs"))
    for parsed in registers.values():
        notes.extend(parsed.notes)
    return sources, notes


def _galaxy_row(galaxy: Galaxy, entry: Any, places: StateNames) -> dict[str, Any]:
    origins = [places.resolve(o) for o in entry.origins]
    operators = [places.resolve(o) for o in entry.operators]
    return {
        "source": GALAXY_SOURCE,
        "key": entry.uuid,
        "designation": entry.value[:200],
        "description": entry.description,
        "category": "aircraft",  # SIPRI counts UAVs as aircraft
        "origin": "; ".join(entry.origins) or None,
        "origin_state_id": origins[0] if len(origins) == 1 else None,
        "manufacturer": (entry.manufacturer or "")[:200] or None,
        "operators": entry.operators,
        "operator_state_ids": sorted({o for o in operators if o is not None}),
        "same_as_id": None,
        "details": {**entry.details, "galaxy_version": galaxy.version, "names": entry.names},
    }


def _items(
    session: Session, source: str, rows: list[dict[str, Any]], report: SourceReport
) -> dict[str, int]:
    """Sync the catalogue entries of ``source`` and their names; their ids by key."""
    item = table_of(TransferItem)
    report.record(
        "transfer_item",
        sync(session, item, key=["source", "key"], rows=rows, scope=item.c.source == source),
    )
    ids: dict[str, int] = dict(
        session.execute(select(item.c.key, item.c.id).where(item.c.source == source)).all()
    )
    name = table_of(TransferItemName)
    names = [
        {"item_id": ids[r["key"]], "name": n}
        for r in rows
        for n in (r["details"].get("names") or [normalise(r["designation"])])
    ]
    mine = select(item.c.id).where(item.c.source == source).scalar_subquery()
    report.record(
        "transfer_item_name",
        sync(session, name, key=["item_id", "name"], rows=names, scope=name.c.item_id.in_(mine)),
    )
    return ids


def _write_galaxy(
    session: Session,
    report: SourceReport,
    progress: Progress,
    *,
    galaxy: Galaxy,
    rows: list[dict[str, Any]],
) -> None:
    _items(session, GALAXY_SOURCE, rows, report)
    progress(len(rows))


_BLANK: Final = dict.fromkeys(
    (
        "supplier_state_id", "recipient_state_id", "item_id", "designation", "description",
        "category", "quantity_ordered", "quantity_delivered", "order_year", "delivery_years",
        "first_delivery", "last_delivery", "condition", "comments", "tiv_unit", "tiv_order",
        "tiv_delivered", "status", "status_since", "recorded_on", "proposed_by_state_id",
    )
)  # fmt: skip


def _transfers(
    session: Session,
    sources: list[str],
    rows: list[dict[str, Any]],
    report: SourceReport,
    now: datetime,
) -> None:
    """Sync the transfers of ``sources`` to ``rows``, each with its covering agreement."""
    table = table_of(Transfer)
    full = [{**_BLANK, "uncertain": [], "public": True, **r} for r in rows]
    _covering(session, full)
    report.record(
        "transfer",
        sync(
            session,
            table,
            key=["source", "source_row"],
            rows=full,
            scope=table.c.source.in_(sources),
            on_insert=lambda r: {**r, "created_at": now, "updated_at": now},
            on_update=lambda r: {**r, "updated_at": now},
        ),
    )


def _covering(session: Session, rows: list[dict[str, Any]]) -> None:
    """Set each row's ``agreement_id``: the earliest agreement in force that covers
    ``COVERING_DOMAINS`` with both states as parties in the row's year, among the public
    ones (``registry.service.joint_years``: ``covering_agreements`` for every pair and year
    at once); None flags the row."""
    spans: dict[tuple[int, int], list[registry.JointYears]] = {}
    for span in registry.joint_years(Principal.public(), session, domains=COVERING_DOMAINS):
        spans.setdefault((span.a, span.b), []).append(span)
    for row in rows:
        pair = (row["supplier_state_id"], row["recipient_state_id"])
        year = row["year"]
        row["agreement_id"] = next(
            (
                s.agreement_id
                for s in spans.get(pair, ())
                if s.first <= year and (s.last is None or year <= s.last)
            ),
            None,
        )


def _write_tiv(
    session: Session,
    report: SourceReport,
    progress: Progress,
    *,
    parsed: files.Parsed,
    now: datetime,
) -> None:
    rows = [
        {**r, "source": TIV_SOURCE, "source_file": files.TIV_FILE, "source_release": TIV_RELEASE}
        for r in parsed.rows
    ]
    _transfers(session, [TIV_SOURCE], rows, report, now)
    progress(parsed.account.read)


def _write_registers(
    session: Session,
    report: SourceReport,
    progress: Progress,
    *,
    registers: dict[str, files.Parsed],
    now: datetime,
) -> None:
    items: dict[str, dict[str, Any]] = {}
    for parsed in registers.values():
        items.update(parsed.items)
    galaxy = _galaxy_names(session)
    rows = []
    for entry in items.values():
        matches = (
            galaxy.get(normalise(entry["designation"]), []) if is_uav(entry["description"]) else []
        )
        names = [normalise(entry["designation"])]
        rows.append(
            {
                **entry,
                "source": REGISTER_SOURCE,
                "origin": None,
                "origin_state_id": None,
                "manufacturer": None,
                "operators": [],
                "operator_state_ids": [],
                "same_as_id": matches[0] if len(matches) == 1 else None,
                "details": {"names": names},
            }
        )
    ids = _items(session, REGISTER_SOURCE, rows, report)
    progress(sum(p.account.read for p in registers.values()) // 3)
    transfers: list[dict[str, Any]] = []
    for source, parsed in registers.items():
        release = REGISTER_RELEASE.format(last=max(r["order_year"] for r in parsed.rows))
        transfers.extend(
            {
                **{k: v for k, v in r.items() if k != "item_key"},
                "item_id": ids[r["item_key"]],
                "source": source,
                "source_file": parsed.path,
                "source_release": release,
            }
            for r in parsed.rows
        )
    _transfers(session, list(registers), transfers, report, now)
    progress(sum(p.account.read for p in registers.values()))


def _galaxy_names(session: Session) -> dict[str, list[int]]:
    """Every normalised name of the galaxy's entries, with the entries answering to it."""
    item, name = table_of(TransferItem), table_of(TransferItemName)
    found: dict[str, list[int]] = {}
    stmt = (
        select(name.c.name, name.c.item_id)
        .join(item, item.c.id == name.c.item_id)
        .where(item.c.source == GALAXY_SOURCE)
        .order_by(name.c.item_id)
    )
    for key, item_id in session.execute(stmt).all():
        found.setdefault(key, []).append(item_id)
    return found
