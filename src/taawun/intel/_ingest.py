"""Ingest: turn a submission into stored object versions, one outcome per object.

Two steps, so that nothing is written until every object has been judged:
``stage`` validates each object (STIX 2.1, markings, release, recipients) and
``store`` writes the accepted ones in one savepoint, allocating strictly
increasing ``date_added`` values (TAXII 2.1 §3.5 pagination relies on them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from taawun.core.errors import InvalidInput, TaawunError
from taawun.core.principal import Clearance, Principal
from taawun.intel import hooks, repository
from taawun.intel._references import references
from taawun.intel._release import ReleaseChecker
from taawun.intel._stix_limits import MAX_OBJECTS, MAX_PATTERN_PARSING
from taawun.intel._stix_pattern import parse_budget
from taawun.intel.markings import (
    EXTENSION_ID,
    TLP2_IDS,
    TLP_BY_ID,
    MarkingDefaults,
    Markings,
    read_markings,
)
from taawun.intel.repository import Filters, Scope
from taawun.intel.schemas import ObjectOutcome
from taawun.intel.times import parse_us, to_us
from taawun.intel.validate import validate_object

REF_PROPERTIES = (
    "sighting_of_ref",
    "source_ref",
    "target_ref",
    "object_refs",
    "observed_data_refs",
)
_ECHO = 300  # characters of an id or version an outcome repeats (a STIX id has at most 288)


@dataclass(slots=True)
class Staged:
    index: int
    obj: dict[str, Any]
    marks: Markings
    release_ids: list[int]
    recipient_ids: list[int]
    ceiling: int


@dataclass(slots=True)
class Submission:
    outcomes: list[ObjectOutcome] = field(default_factory=list)
    staged: list[Staged] = field(default_factory=list)
    stored: list[dict[str, Any]] = field(default_factory=list)
    # Versions already stored that this submission released under more agreements:
    # "id@version" -> the agreements added.
    released: dict[str, list[int]] = field(default_factory=dict)


def _label(obj: Mapping[str, Any]) -> str:
    """What text search looks in: names, observable values, patterns, descriptions."""
    parts = [obj.get(k) for k in ("name", "value", "pattern", "description")]
    text = " ".join(p for p in parts if isinstance(p, str))
    return (text or str(obj.get("id", "")))[:400]


def marked_body(obj: Mapping[str, Any], marks: Markings) -> bytes:
    """The object as served: it carries its TLP marking and classification, whether they came
    in the object or as submission defaults, so they travel with it on every way out. The
    release list and recipients stay on the node: a reader learns only its own grant."""
    served = dict(obj)
    refs = list(served.get("object_marking_refs") or ())
    if not any(ref in TLP_BY_ID for ref in refs):
        served["object_marking_refs"] = [*refs, TLP2_IDS[marks.tlp]]
    extensions = dict(served.get("extensions") or {})
    extensions[EXTENSION_ID] = {
        "extension_type": "property-extension",
        "classification": marks.classification.name,
    }
    served["extensions"] = extensions
    return orjson.dumps(served)


def _refs(obj: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key in REF_PROPERTIES:
        value = obj.get(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def _text(value: object) -> str | None:
    """An object's ``id`` or version as its outcome names it: a string of any length may
    come, and an outcome must stay small (the object is refused for its length)."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= _ECHO else value[: _ECHO - 1] + "…"


def stage(
    checker: ReleaseChecker,
    objects: Sequence[Any],
    defaults: MarkingDefaults,
    collection_agreement: int | None,
) -> Submission:
    """Judge every object, each on its own; nothing is written.

    Bounded: a submission of more than ``MAX_OBJECTS`` objects is refused whole
    (``InvalidInput``: even an outcome each would cost without bound), each object is held
    to the limits of ``_stix_limits``, and their patterns share one ``MAX_PATTERN_PARSING``
    budget of the reference parser."""
    if len(objects) > MAX_OBJECTS:
        raise InvalidInput(
            f"objects: {len(objects):,} objects; a submission may carry at most "
            f"{MAX_OBJECTS:,} (limit MAX_OBJECTS): send them in several",
            field="objects",
        )
    sub = Submission()
    with parse_budget(MAX_PATTERN_PARSING):
        for index, obj in enumerate(objects):
            outcome = _judge(
                checker,
                sub,
                obj,
                index=index,
                defaults=defaults,
                collection_agreement=collection_agreement,
            )
            sub.outcomes.append(outcome)
    return sub


def _judge(
    checker: ReleaseChecker,
    sub: Submission,
    obj: object,
    *,
    index: int,
    defaults: MarkingDefaults,
    collection_agreement: int | None,
) -> ObjectOutcome:
    """One object's outcome; when it is accepted, it is added to ``sub.staged``."""
    if not isinstance(obj, Mapping):
        return ObjectOutcome(
            index=index, id=None, version=None, ok=False, reasons=["not a JSON object"]
        )
    outcome = ObjectOutcome(
        index=index,
        id=_text(obj.get("id")),
        version=_text(obj.get("modified") or obj.get("created")),
        ok=True,
    )
    reasons = validate_object(obj)
    if not reasons:
        try:
            marks = read_marks(checker, obj, defaults, collection_agreement)
            checker.check_clearance(marks)
            release_ids = checker.check_release(marks)
            staged = Staged(
                index,
                dict(obj),
                marks,
                release_ids,
                checker.check_recipients(marks),
                int(checker.ceiling(release_ids)),
            )
        except TaawunError as exc:
            reasons = [exc.message]
    if reasons:
        return outcome.model_copy(update={"ok": False, "reasons": reasons})
    sub.staged.append(staged)
    return outcome


def read_marks(
    checker: ReleaseChecker,
    obj: Mapping[str, Any],
    defaults: MarkingDefaults,
    collection_agreement: int | None,
) -> Markings:
    marks = read_markings(obj, defaults)
    if collection_agreement is not None:
        marks = checker.with_collection(marks, collection_agreement)
    return marks


def store(principal: Principal, session: Session, sub: Submission, *, now: datetime) -> Submission:
    """Write the staged objects (call inside a savepoint); fills ``sub.stored``."""
    agency_id = principal.agency_id
    assert agency_id is not None, "only a writer of an agency shares (require_writer)"
    last_added = repository.lock_for_ingest(session)
    existing = repository.existing_versions(session, agency_id, [s.obj["id"] for s in sub.staged])
    derived = derived_classification(principal, session, now.date(), [s.obj for s in sub.staged])
    releases: list[list[int]] = []
    objects: list[dict[str, Any]] = []  # each stored row's object as submitted, for listeners
    recipients: list[list[int]] = []
    touched: set[str] = set()
    seen: set[tuple[str, int]] = set()
    seen_ids: set[str] = set()
    wanted: dict[int, tuple[Staged, str, int]] = {}  # seq of a stored version -> its repeat
    next_us = max(to_us(now), last_added + 1)
    for s in sub.staged:
        stix_id = s.obj["id"]
        stamp: str | None = s.obj.get("modified") or s.obj.get("created")
        versions = existing.get(stix_id, {})
        # An object with neither (most SCOs) has one version, dated by its date_added
        # (TAXII 2.1 §3.4.1): sending it again is a duplicate, not a new version.
        unversioned = stamp is None
        version_us = next_us if stamp is None else parse_us(stamp, field="modified")
        duplicate = (
            (stix_id in seen_ids or bool(versions))
            if unversioned
            else ((stix_id, version_us) in seen or version_us in versions)
        )
        if duplicate:
            stored = versions.get(version_us) if stamp else next(iter(versions.values()), None)
            if stored is not None and s.release_ids:
                wanted.setdefault(stored[0], (s, stix_id, stored[1]))
            sub.outcomes[s.index] = sub.outcomes[s.index].model_copy(update={"duplicate": True})
            continue
        above = max(int(s.marks.classification), derived.get(stix_id, 0))
        if above > s.ceiling:
            _fail(sub, s, _above_ceiling(above, s.ceiling))
            continue
        if versions or stix_id in seen_ids:
            touched.add(stix_id)
        seen.add((stix_id, version_us))
        seen_ids.add(stix_id)
        row = _row(
            principal,
            s,
            version_us=version_us,
            added_us=next_us,
            derived=derived.get(stix_id, 0),
            versions=versions,
        )
        sub.stored.append(row)
        objects.append(s.obj)
        releases.append(s.release_ids)
        recipients.append(s.recipient_ids)
        next_us += 1
    _write(
        session,
        sub,
        agency_id,
        objects=objects,
        releases=releases,
        recipients=recipients,
        existing=existing,
        touched=touched,
        wanted=wanted,
    )
    return sub


def _write(
    session: Session,
    sub: Submission,
    agency_id: int,
    *,
    objects: Sequence[dict[str, Any]],
    releases: Sequence[list[int]],
    recipients: Sequence[list[int]],
    existing: Mapping[str, Mapping[int, tuple[int, int]]],
    touched: set[str],
    wanted: dict[int, tuple[Staged, str, int]],
) -> None:
    """Write the versions ``store`` kept (``sub.stored``, each with its object as submitted,
    release list and recipients) and the references of the current ones, which replace
    those of the versions they supersede; then mark first and last versions, release again
    the repeats ``wanted`` under more agreements, and tell the listeners."""
    listening = hooks.listening()  # the correlation index, when the node registered it
    newest, superseded = _currency(sub.stored, existing)
    refs = _references(sub.stored, objects, newest)
    seqs = repository.insert_versions(
        session, sub.stored, releases, recipients, want_seqs=listening or bool(refs)
    )
    repository.note_inserted(session, len(sub.stored))
    if touched:
        repository.refresh_first_last(session, agency_id, touched)
    if superseded or refs:
        repository.replace_references(
            session, superseded, [(ref, seqs[i], name) for i, name, ref in refs]
        )
    if wanted:
        _release_again(session, sub, wanted)
    if listening:
        hooks.stored(
            session, _stored_event(sub.stored, objects, seqs, newest=newest, superseded=superseded)
        )


def _currency(
    rows: Sequence[dict[str, Any]], existing: Mapping[str, Mapping[int, tuple[int, int]]]
) -> tuple[dict[str, int], list[int]]:
    """For the objects of the new ``rows``: each one's newest version (µs) now, and the seqs
    of the versions that were their newest before and no longer are."""
    newest: dict[str, int] = {}
    for row in rows:
        stix_id = row["stix_id"]
        before = max(existing.get(stix_id, {}), default=-1)
        newest[stix_id] = max(newest.get(stix_id, before), row["version_us"])
    superseded = [
        versions[before][0]
        for stix_id, versions in existing.items()
        if stix_id in newest and versions and (before := max(versions)) != newest[stix_id]
    ]
    return newest, superseded


def _references(
    rows: Sequence[dict[str, Any]], objects: Sequence[Mapping[str, Any]], newest: Mapping[str, int]
) -> list[tuple[int, str, str]]:
    """(row index, property, referred-to id) of the new versions that are their object's
    current one and not revoked: what ``intel_reference`` holds (``_references``)."""
    return [
        (i, name, ref)
        for i, (row, obj) in enumerate(zip(rows, objects, strict=True))
        if not row["revoked"] and row["version_us"] == newest[row["stix_id"]]
        for name, ref in references(obj)
    ]


def _stored_event(
    rows: Sequence[dict[str, Any]],
    objects: Sequence[dict[str, Any]],
    seqs: Sequence[int],
    *,
    newest: Mapping[str, int],
    superseded: Sequence[int],
) -> hooks.Stored:
    """What ``store`` wrote, for the listeners: each new version, whether it is now its
    object's newest (``newest``), and the versions that were the newest before and no
    longer are (``superseded``)."""
    return hooks.Stored(
        versions=[
            hooks.StoredVersion(
                seq=seq,
                stix_id=row["stix_id"],
                type=row["type"],
                owner_agency_id=row["owner_agency_id"],
                owner_state_id=row["owner_state_id"],
                added_us=row["added_us"],
                revoked=row["revoked"],
                current=row["version_us"] == newest[row["stix_id"]],
                body=row["body"],
                object=obj,
            )
            for row, obj, seq in zip(rows, objects, seqs, strict=True)
        ],
        superseded=superseded,
    )


def _release_again(
    session: Session, sub: Submission, wanted: dict[int, tuple[Staged, str, int]]
) -> None:
    """A version the owner already stored, sent again with agreements it is not released
    under (TAXII: posted to another agreement's collection, which means it is then in that
    collection): released under them too, as a new release would be (its checks were made
    in ``stage``). Never narrowed: a repeat that names fewer agreements changes nothing."""
    current = repository.releases_of(session, list(wanted))
    for seq, (s, stix_id, classification) in wanted.items():
        have = current.get(seq, [])
        added = [g for g in s.release_ids if g not in have]
        if not added:
            continue
        if classification > s.ceiling:
            _fail(sub, s, _above_ceiling(classification, s.ceiling))
            continue
        repository.replace_release(session, seq, [*have, *added])
        outcome = sub.outcomes[s.index]
        sub.released[f"{stix_id}@{outcome.version}"] = added


def _above_ceiling(classification: int, ceiling: int) -> str:
    return (
        f"classification: derived from objects classified {Clearance(classification).name}, "
        f"above the ceiling ({Clearance(ceiling).name}) of an agreement it is released under"
    )


def _fail(sub: Submission, s: Staged, reason: str) -> None:
    sub.outcomes[s.index] = sub.outcomes[s.index].model_copy(
        update={"ok": False, "duplicate": False, "reasons": [reason]}
    )


def _row(
    principal: Principal,
    s: Staged,
    *,
    version_us: int,
    added_us: int,
    derived: int,
    versions: Mapping[int, object],
) -> dict[str, Any]:
    created = s.obj.get("created")
    classification = max(int(s.marks.classification), derived)
    marks = s.marks
    if classification != marks.classification:
        marks = replace(marks, classification=Clearance(classification))
    # No created, or a first version (created == modified): one parse serves both.
    created_us = (
        parse_us(created, field="created")
        if created and created != s.obj.get("modified")
        else version_us
    )
    return {
        "stix_id": s.obj["id"],
        "type": s.obj["type"],
        "spec_version": s.obj.get("spec_version", "2.1"),
        "created_us": created_us,
        "version_us": version_us,
        "added_us": added_us,
        "is_first": not versions,
        "is_last": not versions,
        "owner_agency_id": principal.agency_id,
        "owner_state_id": principal.state_id,
        "tlp": int(s.marks.tlp),
        "classification": classification,
        "released_to_all": s.marks.release_to_all,
        "revoked": bool(s.obj.get("revoked", False)),
        "label": _label(s.obj),
        "body": marked_body(s.obj, marks),
    }


def derived_classification(
    principal: Principal, session: Session, day: date, objects: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """An object derived from others (sighting, relationship, note, report) carries at least
    their classification: the highest among the referenced objects the principal can read."""
    wanted = {o["id"]: refs for o in objects if (refs := _refs(o))}
    all_refs = sorted({r for refs in wanted.values() for r in refs})
    if not all_refs:
        return {}
    highest: dict[str, int] = {}
    for i in range(0, len(all_refs), 500):
        rows, _ = repository.page(
            session,
            principal,
            day,
            scope=Scope(),
            filters=Filters(ids=all_refs[i : i + 500], versions=("all",)),
            limit=100_000,
            columns=("stix_id", "classification"),
        )
        for stix_id, classification in rows:
            highest[stix_id] = max(highest.get(stix_id, 0), classification)
    return {oid: max((highest.get(r, 0) for r in refs), default=0) for oid, refs in wanted.items()}
