"""Common values: the lists and the node's entries as everyone sees them, the check of a
value, and the changes an admin makes (audited, and re-flagging the correlation index).

``add`` and ``remove`` say what the admin wants to be true, and do what it takes:

- ``add VALUE``: if the node allowed VALUE (an ``allow`` entry), that entry is withdrawn;
  then, unless the lists now make it common, a ``common`` entry is recorded. Adding a
  value already common is refused (``Conflict``), naming the reason.
- ``remove VALUE``: if the node made VALUE common (a ``common`` entry), that entry is
  withdrawn; then, if VALUE is still common (a list says so), an ``allow`` entry is
  recorded, with the admin's reason. Removing a value that is not common is ``NotFound``.

A suffix or network entry covers more than one value, so "already common" cannot be told
from one value: ``add`` records it, and ``remove`` withdraws the node's entry for it or,
when there is none, records an ``allow`` entry for it.

Only an admin (of any agency) or the node operator changes them: they decide what every
agency's shared threats leave out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from taawun.access.audit import record
from taawun.cooperation.threats import common_repository as repo
from taawun.cooperation.threats import kinds, normalize
from taawun.cooperation.threats.common_schemas import (
    CommonChange,
    CommonCheck,
    CommonEntryCreate,
    CommonEntryRead,
    CommonEntryRemove,
    CommonListRead,
    CommonMatch,
    Scope,
)
from taawun.cooperation.threats.warninglists import (
    ALLOW,
    COMMON,
    Judgement,
    classify,
    explain,
    judge,
)
from taawun.core.clock import Clock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal

REFLAG_PAGE = 2000  # index values judged a batch when re-flagging
# What an admin means as an address or network, valid or not (so "10.0.0.0/33" is refused
# as a bad network, not as a value of unknown kind).
_IP_SHAPED = re.compile(r"^(?:[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)(?:/[0-9]*)?$")


def list_lists(principal: Principal, session: Session) -> list[CommonListRead]:
    """The warninglists loaded on this node (every user may see them)."""
    del principal
    return [CommonListRead.model_validate(row) for row in repo.list_rows(session)]


def list_entries(principal: Principal, session: Session) -> list[CommonEntryRead]:
    """The node's own entries, oldest first (every user may see them)."""
    del principal
    return [_read(e) for e in repo.entries(session).values()]


def check(principal: Principal, session: Session, *, value: str, kind: str | None) -> CommonCheck:
    """Whether a value is common here, why, and every list or entry it is on."""
    del principal
    target = parse_target(value, kind, None)
    verdict = explain(session, [(target.kind, target.value)]).get((target.kind, target.value))
    if verdict is None:
        return CommonCheck(
            kind=target.kind, value=target.value, common=False, reason=None, notes=[], matches=[]
        )
    return CommonCheck(
        kind=target.kind,
        value=target.value,
        common=verdict.flag.common,
        reason=verdict.flag.reason,
        notes=list(verdict.flag.notes),
        matches=[CommonMatch(**asdict(f)) for f in verdict.found],
    )


def add_common(
    principal: Principal, session: Session, *, data: CommonEntryCreate, clock: Clock
) -> CommonChange:
    _require_admin(principal)
    target = parse_target(data.value, data.kind, data.scope)
    existing = repo.entry_by_key(session, scope=target.scope, kind=target.kind, value=target.value)
    if existing is not None and existing.effect == COMMON:
        raise Conflict(
            f"{target.value} is already common on this node (entry {existing.id})",
            field="value",
            value=data.value,
        )
    withdrawn = existing
    if withdrawn is not None:
        repo.delete_entry(session, withdrawn)
    elif target.single and _is_common(session, target):
        reason = _verdict(session, target)[1]
        raise Conflict(
            f"{target.value} is already common: {reason}", field="value", value=data.value
        )
    recorded = None
    if not target.single or not _is_common(session, target):
        recorded = _insert(
            session, principal, target, effect=COMMON, reason=data.reason, clock=clock
        )
    return _done(
        principal,
        session,
        verb="add",
        target=target,
        withdrawn=withdrawn,
        recorded=recorded,
        clock=clock,
    )


def remove_common(
    principal: Principal, session: Session, *, data: CommonEntryRemove, clock: Clock
) -> CommonChange:
    _require_admin(principal)
    target = parse_target(data.value, data.kind, data.scope)
    existing = repo.entry_by_key(session, scope=target.scope, kind=target.kind, value=target.value)
    if existing is not None and existing.effect == ALLOW:
        raise Conflict(
            f"{target.value} is already kept out of the common values (entry {existing.id})",
            field="value",
            value=data.value,
        )
    withdrawn = existing
    if withdrawn is not None:
        repo.delete_entry(session, withdrawn)
    recorded = None
    still = _is_common(session, target) if target.single else withdrawn is None
    if still:
        if data.reason is None:
            raise InvalidInput(
                f"{target.value} is common ({_verdict(session, target)[1] or 'a node entry'}); "
                "say why it should not be, with a reason",
                field="reason",
            )
        recorded = _insert(
            session, principal, target, effect=ALLOW, reason=data.reason, clock=clock
        )
    elif withdrawn is None:
        raise NotFound(
            f"{target.value} is not common on this node", field="value", value=data.value
        )
    return _done(
        principal,
        session,
        verb="remove",
        target=target,
        withdrawn=withdrawn,
        recorded=recorded,
        clock=clock,
    )


def _require_admin(principal: Principal) -> None:
    if not (principal.system or principal.is_admin):
        raise PermissionDenied(
            f"{principal.username} ({principal.role}) may not change the common values: "
            "an admin or the node operator does"
        )


@dataclass(frozen=True, slots=True)
class Target:
    """A value as an entry keys it: its kind, scope and normal form, and its match row."""

    kind: str
    scope: str
    value: str
    match: dict[str, object]

    @property
    def single(self) -> bool:
        """Whether the entry covers one value only (so "is it common" has one answer)."""
        return self.scope == "exact" or self.kind in (kinds.IPV4, kinds.IPV6)


def parse_target(value: str, kind: str | None, scope: Scope | str | None) -> Target:
    """Read what an admin typed: the kind (given, or guessed), the normal form of the
    value for it, and the scope it may take. Bad input names its field."""
    raw = value.strip()
    if kind is not None and kind not in kinds.ALL:
        raise InvalidInput(
            f"unknown kind {kind!r}", field="kind", value=kind, candidates=list(kinds.ALL)
        )
    address = normalize.address(raw) if kind in (None, *kinds.NETWORKS) else None
    if address is not None or kind in kinds.NETWORKS or (kind is None and _IP_SHAPED.match(raw)):
        return _network_target(raw, kind, scope, address)
    if scope == "network":
        raise InvalidInput(f"{raw!r} is not an address or network", field="value", value=raw)
    if scope == "suffix":
        if kind not in (None, kinds.DOMAIN):
            raise InvalidInput("a suffix is a domain's", field="scope", value=scope)
        name = normalize.domain(raw.removeprefix("*.").lstrip("."))
        if name is None:
            raise InvalidInput(f"not a domain: {raw!r}", field="value", value=raw)
        return Target(kinds.DOMAIN, "suffix", name, {"host": name})
    found_kind, normal = _exact(raw, kind)
    return Target(found_kind, "exact", normal, {"kind": found_kind, "value": normal})


def _network_target(
    raw: str, kind: str | None, scope: str | None, address: tuple[str, str] | None
) -> Target:
    if address is None or (kind is not None and address[0] != kind):
        what = f"a {kind}" if kind else "an address or network"
        raise InvalidInput(f"not {what}: {raw!r}", field="value", value=raw)
    if scope not in (None, "network"):
        raise InvalidInput("an address or network is matched as a network", field="scope")
    import ipaddress

    net = ipaddress.ip_network(address[1], strict=False)
    width = 8 if net.version == 4 else 32
    match: dict[str, object] = {
        "family": net.version,
        "prefix": net.prefixlen,
        "network": format(int(net.network_address), f"0{width}x"),
    }
    return Target(address[0], "network", address[1], match)


_BY_KIND = {
    kinds.DOMAIN: normalize.domain,
    kinds.URL: normalize.url,
    kinds.EMAIL: normalize.email,
    kinds.ENTITY: normalize.entity,
    kinds.MUTEX: normalize.mutex,
    kinds.REGISTRY_KEY: normalize.registry_key,
    kinds.ASN: normalize.asn,
}
_HASH_ALGORITHMS = {
    kinds.MD5: "MD5",
    kinds.SHA1: "SHA1",
    kinds.SHA256: "SHA256",
    kinds.SHA512: "SHA512",
}


def _exact(raw: str, kind: str | None) -> tuple[str, str]:
    if kind is None:
        for guess in (*_HASH_ALGORITHMS, kinds.EMAIL, kinds.URL, kinds.DOMAIN):
            if (guess == kinds.EMAIL) != ("@" in raw) or (guess == kinds.URL) != ("://" in raw):
                continue
            try:
                return _exact(raw, guess)
            except InvalidInput:
                continue
        raise InvalidInput(
            f"cannot tell what kind of value {raw!r} is; name its kind",
            field="kind",
            candidates=list(kinds.ALL),
        )
    if kind in _HASH_ALGORITHMS:
        digest = normalize.file_hash(_HASH_ALGORITHMS[kind], raw)
        normal = digest[1] if digest else None
    else:
        normal = _BY_KIND[kind](raw)
    if normal is None:
        raise InvalidInput(f"not a valid {kind}: {raw!r}", field="value", value=raw)
    return kind, normal


def _verdict(session: Session, target: Target) -> tuple[bool, str | None]:
    flag = classify(session, [(target.kind, target.value)]).get((target.kind, target.value))
    return (flag.common, flag.reason) if flag else (False, None)


def _is_common(session: Session, target: Target) -> bool:
    return _verdict(session, target)[0]


def _insert(
    session: Session,
    principal: Principal,
    target: Target,
    *,
    effect: str,
    reason: str,
    clock: Clock,
) -> repo.EntryInfo:
    return repo.insert_entry(
        session,
        kind=target.kind,
        scope=target.scope,
        value=target.value,
        effect=effect,
        reason=reason.strip(),
        created_at=clock.now(),
        created_by=principal.username,
        match=target.match,
    )


def _done(
    principal: Principal,
    session: Session,
    *,
    verb: str,
    target: Target,
    withdrawn: repo.EntryInfo | None,
    recorded: repo.EntryInfo | None,
    clock: Clock,
) -> CommonChange:
    before = _read(withdrawn) if withdrawn else None
    after = _read(recorded) if recorded else None
    touched = recorded or withdrawn  # both have the target's key: the same values
    if touched is None:  # pragma: no cover - add and remove always touch an entry
        raise AssertionError("a change that touched no entry")
    reflagged = reflag_index(session, repo.affected_by(touched))
    common, reason = _verdict(session, target)
    record(
        session,
        principal=principal,
        action=f"cooperation.common.{verb}",
        target_type="common_entry",
        target_id=touched.id,
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json") if after else None,
        detail={
            "kind": target.kind,
            "scope": target.scope,
            "value": target.value,
            "common": common,
            "reflagged": reflagged,
        },
        clock=clock,
    )
    return CommonChange(
        kind=target.kind,
        scope=target.scope,
        value=target.value,
        withdrawn=before,
        recorded=after,
        common=common,
        reason=reason,
        reflagged=reflagged,
    )


def _read(entry: repo.EntryInfo) -> CommonEntryRead:
    return CommonEntryRead(
        id=entry.id,
        kind=entry.kind,
        scope=entry.scope,
        value=entry.value,
        effect=entry.effect,
        reason=entry.reason,
        created_at=entry.created_at,
        created_by=entry.created_by,
    )


def reflag_index(session: Session, where: ColumnElement[bool] | None = None) -> int:
    """Judge again the correlation index's values (those ``where`` selects, or all) and
    write the flags that changed, through the index's own ``set_common``; returns how many
    values changed. Called when a node entry changes and after the lists are loaded. A value
    the index has not judged yet (one state holds it: ``index.py``) is left to be judged
    when it is read or shared."""
    from taawun.cooperation.threats import repository as index

    changed = 0
    after = 0
    while rows := repo.index_rows(session, where=where, after=after, limit=REFLAG_PAGE):
        flags = judge(session, [(kind, value) for _, kind, value, *_ in rows])
        groups: dict[Judgement, list[int]] = defaultdict(list)
        for value_id, kind, value, common, reason, note in rows:
            new = flags[(kind, value)]
            if new != (bool(common), reason, note):
                groups[new].append(value_id)
        for (common, reason, note), ids in groups.items():
            changed += index.set_common(
                session, ids, common=common, reason=reason, note=note, keep_note=False
            )
        after = rows[-1][0]
    return changed
