"""The only place that builds statements on the transfer tables; every read of a transfer goes
through ``access.restrict`` with ``POLICY``.

Who sees a transfer (``cooperation/policy.py``): the record's rows are public; a live one
is seen by its supplier, its recipient and the parties (on its day of record) of the
agreement covering it, and by the node itself. The rule is in the query, so lists, counts,
the flagged list, the allies figures and a fetch by id all obey it, and a hidden transfer
answers exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from taawun.access.restrict import Action, restrict
from taawun.cooperation.policy import ActivityPolicy
from taawun.cooperation.transfers.models import Transfer, TransferItem, TransferItemName
from taawun.core.principal import Principal
from taawun.registry.policy import party_at


def _concerns(state_id: int) -> ColumnElement[bool]:
    return or_(
        Transfer.supplier_state_id == state_id,
        Transfer.recipient_state_id == state_id,
        # the covering agreement's parties on the day of record (the record's rows have no
        # such day, and are public)
        party_at(
            cast(ColumnElement[int], Transfer.agreement_id),
            state_id,
            cast(ColumnElement[date], Transfer.recorded_on),
        ),
    )


POLICY = ActivityPolicy(public=Transfer.public.is_(True), concerns=_concerns)


def visible(principal: Principal, action: Action = Action.VIEW) -> Select[Transfer]:
    return restrict(select(Transfer), principal, action, policy=POLICY)


def filtered(
    stmt: Select[Transfer],
    *,
    kinds: Sequence[str] = (),
    state_id: int | None = None,
    supplier_id: int | None = None,
    recipient_id: int | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    status: str | None = None,
    flagged: bool | None = None,
    item: str | None = None,
) -> Select[Transfer]:
    if kinds:
        stmt = stmt.where(Transfer.kind.in_(kinds))
    if state_id is not None:
        stmt = stmt.where(
            or_(Transfer.supplier_state_id == state_id, Transfer.recipient_state_id == state_id)
        )
    if supplier_id is not None:
        stmt = stmt.where(Transfer.supplier_state_id == supplier_id)
    if recipient_id is not None:
        stmt = stmt.where(Transfer.recipient_state_id == recipient_id)
    if first_year is not None:
        stmt = stmt.where(Transfer.year >= first_year)
    if last_year is not None:
        stmt = stmt.where(Transfer.year <= last_year)
    if status is not None:
        stmt = stmt.where(Transfer.status == status)
    if flagged is not None:
        stmt = stmt.where(
            Transfer.agreement_id.is_(None) if flagged else Transfer.agreement_id.is_not(None)
        )
    if item:
        stmt = stmt.where(
            func.lower(Transfer.designation).contains(item.strip().lower(), autoescape=True)
        )
    return stmt


def count(session: Session, stmt: Select[Transfer]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page(session: Session, stmt: Select[Transfer], *, limit: int, offset: int) -> list[Transfer]:
    """Live transfers first (newest first), then the record by year, newest first."""
    ordered = stmt.options(selectinload(Transfer.item).selectinload(TransferItem.names)).order_by(
        (Transfer.kind != "live"),
        Transfer.recorded_on.desc(),
        Transfer.year.desc(),
        Transfer.id,
    )
    return list(session.scalars(ordered.limit(limit).offset(offset)))


def transfer(
    session: Session, principal: Principal, transfer_id: int, action: Action = Action.VIEW
) -> Transfer | None:
    stmt = visible(principal, action).where(Transfer.id == transfer_id)
    if action is Action.CHANGE:
        stmt = (
            stmt.with_for_update()
        )  # two decisions at once: the second waits, then sees the first
    return session.scalars(stmt.options(selectinload(Transfer.item))).first()


def id_taken(session: Session, transfer_id: int) -> bool:
    return session.scalar(select(Transfer.id).where(Transfer.id == transfer_id)) is not None


# --- the catalogue (public reference data: no rule) ------------------------------------


def items_named(session: Session, name: str) -> list[TransferItem]:
    """Catalogue entries answering to the normalised ``name``, galaxy entries first."""
    stmt = (
        select(TransferItem)
        .join(TransferItemName, TransferItemName.item_id == TransferItem.id)
        .where(TransferItemName.name == name)
        .order_by(TransferItem.source.desc(), TransferItem.id)
    )
    return list(session.scalars(stmt).unique())


def items(
    session: Session, *, text: str | None, source: str | None, limit: int, offset: int
) -> tuple[int, list[TransferItem]]:
    stmt = select(TransferItem)
    if text:
        stmt = stmt.where(
            func.lower(TransferItem.designation).contains(text.strip().lower(), autoescape=True)
        )
    if source:
        stmt = stmt.where(TransferItem.source == source)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    found = session.scalars(
        stmt.order_by(TransferItem.designation, TransferItem.id).limit(limit).offset(offset)
    )
    return total, list(found)


def items_by_ids(session: Session, ids: set[int]) -> dict[int, TransferItem]:
    if not ids:
        return {}
    found = session.scalars(select(TransferItem).where(TransferItem.id.in_(sorted(ids))))
    return {i.id: i for i in found}


# --- the allies question -------------------------------------------------------------


def _imports(
    principal: Principal, state_id: int, first: int | None, last: int | None
) -> Select[Any]:
    """The state's visible imports from SIPRI's TIV table, within the years."""
    stmt = restrict(select(Transfer.year), principal, Action.VIEW, policy=POLICY).where(
        Transfer.kind == "aggregate", Transfer.recipient_state_id == state_id
    )
    if first is not None:
        stmt = stmt.where(Transfer.year >= first)
    if last is not None:
        stmt = stmt.where(Transfer.year <= last)
    return stmt


def allies_by_year(
    session: Session,
    principal: Principal,
    *,
    state_id: int,
    first: int | None,
    last: int | None,
    allied: ColumnElement[bool],
) -> list[tuple[int, float, float, float]]:
    """(year, total TIV, TIV from allied states, TIV from no state), one row per year: one
    aggregate query joining each row to the registry's agreements (``allied``, a criterion
    on the row's supplier, recipient and year)."""
    tiv = func.coalesce(Transfer.tiv_delivered, 0.0)
    is_state = Transfer.supplier_state_id.is_not(None)
    stmt = (
        _imports(principal, state_id, first, last)
        .add_columns(
            func.sum(tiv),
            func.sum(case((is_state & allied, tiv), else_=0.0)),
            func.sum(case((is_state, 0.0), else_=tiv)),
        )
        .group_by(Transfer.year)
        .order_by(Transfer.year)
    )
    return [(int(y), float(t), float(a), float(n)) for y, t, a, n in session.execute(stmt)]


def allies_by_supplier(
    session: Session,
    principal: Principal,
    *,
    state_id: int,
    first: int | None,
    last: int | None,
    allied: ColumnElement[bool],
) -> list[tuple[int, int | None, str, str, float, bool]]:
    """(year, supplier state, supplier name, kind, TIV, allied), per year and supplier."""
    stmt = (
        _imports(principal, state_id, first, last)
        .add_columns(
            Transfer.supplier_state_id,
            Transfer.supplier_name,
            Transfer.supplier_kind,
            func.sum(func.coalesce(Transfer.tiv_delivered, 0.0)),
            func.max(case((Transfer.supplier_state_id.is_not(None) & allied, 1), else_=0)),
        )
        .group_by(
            Transfer.year,
            Transfer.supplier_state_id,
            Transfer.supplier_name,
            Transfer.supplier_kind,
        )
        .order_by(Transfer.year, func.sum(func.coalesce(Transfer.tiv_delivered, 0.0)).desc())
    )
    return [
        (int(y), s, name, kind, float(tiv), bool(a))
        for y, s, name, kind, tiv, a in session.execute(stmt)
    ]


def delivered_by_pair(
    session: Session, principal: Principal, *, year: int
) -> dict[tuple[int, int], float]:
    """(supplier, recipient) (registry state ids) -> SIPRI TIV delivered in ``year`` that the
    principal may see: the TIV table's rows of that year and live transfers delivered in it
    (the registers' deals repeat the TIV table in detail and are not added)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    stmt = (
        restrict(
            select(
                Transfer.supplier_state_id,
                Transfer.recipient_state_id,
                func.sum(func.coalesce(Transfer.tiv_delivered, 0.0)),
            ),
            principal,
            Action.VIEW,
            policy=POLICY,
        )
        .where(
            Transfer.supplier_state_id.is_not(None),
            Transfer.recipient_state_id.is_not(None),
            or_(
                (Transfer.kind == "aggregate") & (Transfer.year == year),
                (Transfer.kind == "live")
                & (Transfer.status == "delivered")
                & (Transfer.status_since >= first)
                & (Transfer.status_since <= last),
            ),
        )
        .group_by(Transfer.supplier_state_id, Transfer.recipient_state_id)
    )
    return {(int(s or 0), int(r or 0)): float(t or 0.0) for s, r, t in session.execute(stmt)}
