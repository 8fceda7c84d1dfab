"""`taawun transfers list|flagged|show|items|allies|add|approve|refuse|deliver`: technology
exchange and military aid, live and from SIPRI's record.

Queries answer with the public record unless ``--as USER`` is given (then also the live
transfers of that user's state). A change is always a user's act for their state (``--as``):
the supplier's or the recipient's side proposes, the other side approves or refuses, the
supplier delivers. The cooperation context is imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from taawun.cli._output import Format, emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.cooperation.transfers.schemas import PartyRead, TransferRead
    from taawun.core.principal import Principal

app = typer.Typer(help="Technology exchange and military aid, live and from SIPRI's record.")

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="answer as this user sees it (default: public facts)")
]
ActAs = Annotated[str | None, typer.Option("--as", help="act as this user, for their state")]
FromOpt = Annotated[int | None, typer.Option("--from", help="first year")]
ToOpt = Annotated[int | None, typer.Option("--to", help="last year")]
KindOpt = Annotated[
    str | None, typer.Option("--kind", help="aggregate (SIPRI TIV table), deal (registers), live")
]
StateOpt = Annotated[str | None, typer.Option("--state", "-s", help="supplier or recipient")]
LimitOpt = Annotated[int, typer.Option("--limit")]
OffsetOpt = Annotated[int, typer.Option("--offset")]
COLUMNS = [
    "id",
    "kind",
    "year",
    "supplier",
    "recipient",
    "item",
    "qty",
    "tiv",
    "status",
    "covered by",
]


def _name(party: PartyRead) -> str:
    return party.state.iso3 or party.state.name if party.state else party.name


def _row(t: TransferRead) -> dict[str, Any]:
    return {
        "id": t.id,
        "kind": t.kind,
        "year": t.year,
        "supplier": _name(t.supplier),
        "recipient": _name(t.recipient),
        "item": t.designation,
        "qty": t.quantity_delivered if t.quantity_delivered is not None else t.quantity_ordered,
        "tiv": t.tiv_delivered if t.tiv_delivered is not None else t.tiv_order,
        "status": t.status or t.condition,
        "covered by": (
            f"{t.agreement.source} {t.agreement.source_id}"
            if t.agreement
            else ("(flagged)" if t.flagged else "(hidden)")
        ),
    }


def _page(fmt: Format, title: str, **query: Any) -> None:
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.transfers import service

    as_user = query.pop("as_user")
    with unit_of_work() as session:
        page = service.list_transfers(viewer(session, as_user), session, **query)
    offset = query.get("offset", 0)
    shown = f"{offset + 1}-{offset + len(page.items)} of {page.total}" if page.items else "none"
    emit(
        fmt,
        document=page,
        rows=[_row(t) for t in page.items],
        columns=COLUMNS,
        title=f"{title} ({shown})",
        ids=("id", "covered by"),
    )


@app.command("list")
def list_transfers(
    kind: KindOpt = None,
    state: StateOpt = None,
    supplier: Annotated[str | None, typer.Option("--supplier")] = None,
    recipient: Annotated[str | None, typer.Option("--recipient")] = None,
    first: FromOpt = None,
    last: ToOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="of live transfers")] = None,
    item: Annotated[str | None, typer.Option("--item", help="text in the designation")] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Transfers: live ones first (newest first), then SIPRI's record by year."""
    _page(
        fmt,
        "Transfers",
        kind=kind,
        state=state,
        supplier=supplier,
        recipient=recipient,
        first_year=first,
        last_year=last,
        status=status,
        item=item,
        limit=limit,
        offset=offset,
        as_user=as_user,
    )


@app.command("flagged")
def flagged(
    kind: KindOpt = None,
    state: StateOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Transfers outside any agreement covering technology exchange or military aid."""
    _page(
        fmt,
        "Flagged transfers",
        kind=kind,
        state=state,
        first_year=first,
        last_year=last,
        flagged=True,
        limit=limit,
        offset=offset,
        as_user=as_user,
    )


@app.command("show")
def show(
    transfer_id: Annotated[str, typer.Argument(help="the transfer's id")],
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """One transfer, with its item, covering agreement, uncertainty and source row."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.transfers import service

    with unit_of_work() as session:
        found = service.get_transfer(viewer(session, as_user), session, transfer_id=transfer_id)
    _show(fmt, found)


def _show(fmt: Format, t: TransferRead) -> None:
    item = t.item.same_as or t.item if t.item else None
    fields: dict[str, Any] = {
        **_row(t),
        "description": t.description,
        "category": t.category,
        "catalogue": (
            f"{item.designation} ({item.source}; {item.origin or '-'}; {item.manufacturer or '-'})"
            if item
            else None
        ),
        "ordered": t.quantity_ordered,
        "delivered": t.quantity_delivered,
        "order year": t.order_year,
        "delivery years": t.delivery_years,
        "condition": t.condition,
        "tiv (unit, order, delivered)": [t.tiv_unit, t.tiv_order, t.tiv_delivered],
        "uncertain": t.uncertain,
        "comments": t.comments,
        "recorded on": t.recorded_on,
        "proposed by": t.proposed_by,
        "public": t.public,
        "source": f"{t.source} {t.source_file or ''} line {t.source_row}"
        if t.source_row
        else t.source,
        "release": t.source_release,
    }
    emit(
        fmt,
        document=t,
        rows=[{"field": k, "value": v} for k, v in fields.items()],
        columns=["field", "value"],
        title=f"Transfer {t.id}",
        ids=("field",),
    )


@app.command("items")
def items(
    text: Annotated[str | None, typer.Argument(help="text in the designation")] = None,
    source: Annotated[str | None, typer.Option("--source", help="MISP galaxy uavs, SIPRI")] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """The item catalogue: the MISP uavs galaxy and the SIPRI registers' designations."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.transfers import service
    from taawun.core.principal import Principal

    with unit_of_work() as session:
        page = service.list_items(
            Principal.public(), session, text=text, source=source, limit=limit, offset=offset
        )
    rows = [
        {
            "id": i.id,
            "designation": i.designation,
            "source": i.source,
            "category": i.category,
            "origin": i.origin,
            "manufacturer": i.manufacturer,
            "operators": i.operators,
            "same as": i.same_as.designation if i.same_as else None,
        }
        for i in page.items
    ]
    columns = ["id", "designation", "source", "category", "origin", "manufacturer", "operators",
               "same as"]  # fmt: skip
    emit(fmt, document=page, rows=rows, columns=columns, title=f"Items ({page.total})")


@app.command("allies")
def allies(
    state: Annotated[str, typer.Argument(help="the recipient state")],
    first: FromOpt = None,
    last: ToOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Per year, the share of a state's arms imports (SIPRI TIV) from states it was allied
    with that year (ATOP obligations), versus from others."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.transfers import service

    with unit_of_work() as session:
        found = service.allies_share(
            viewer(session, as_user), session, state=state, first_year=first, last_year=last
        )
    rows = [
        {
            "year": y.year,
            "total": y.total,
            "from allies": y.from_allies,
            "from others": y.from_others,
            "from non-states": y.from_non_states,
            "share": None if y.share is None else f"{y.share:.1%}",
        }
        for y in found.years
    ]
    overall = "—" if found.share is None else f"{found.share:.1%}"
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["year", "total", "from allies", "from others", "from non-states", "share"],
        title=f"Arms imports of {found.state.name} from allies: {overall} of {found.total:g} TIV",
        notes=[found.note],
        ids=("year",),
    )


# --- changes: a user's acts for their state ------------------------------------------------


def _actor(session: Session, as_user: str | None) -> Principal:
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


def _done(t: TransferRead) -> None:
    """One line for scripts: ``id status flagged`` or ``id status <agreement id>``."""
    covered = t.agreement.id if t.agreement else "covered"
    typer.echo(f"{t.id} {t.status} {'flagged' if t.flagged else covered}")


@app.command("add")
def add(
    supplier: Annotated[str, typer.Option("--supplier", help="the supplying state")],
    recipient: Annotated[str, typer.Option("--recipient", help="the receiving state")],
    item: Annotated[str, typer.Option("--item", help="the designation (e.g. Bayraktar TB2)")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    category: Annotated[str | None, typer.Option("--category", help="SIPRI's category")] = None,
    quantity: Annotated[int | None, typer.Option("--quantity", "-n")] = None,
    tiv: Annotated[float | None, typer.Option("--tiv", help="SIPRI TIV, where known")] = None,
    on: Annotated[str | None, typer.Option("--on", help="day of record YYYY-MM-DD")] = None,
    public: Annotated[bool, typer.Option("--public", help="seen by everyone")] = False,
    comments: Annotated[str | None, typer.Option("--comments")] = None,
    as_user: ActAs = None,
) -> None:
    """Propose a transfer for your state (supplier or recipient); prints its id, status and
    covering agreement (or 'flagged')."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.transfers import changes
    from taawun.cooperation.transfers.schemas import TransferCreate
    from taawun.registry.periods import parse_date

    data = TransferCreate(
        supplier=supplier,
        recipient=recipient,
        item=item,
        description=description,
        category=category,
        quantity=quantity,
        tiv=tiv,
        on=None if on is None else parse_date(on, field="on"),
        public=public,
        comments=comments,
    )
    with unit_of_work() as session:
        created = changes.propose_transfer(_actor(session, as_user), session, data=data)
    _done(created)


def _decide(transfer_id: str, decision: str, as_user: str | None) -> None:
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.transfers import changes

    with unit_of_work() as session:
        decided = changes.decide_transfer(
            _actor(session, as_user), session, transfer_id=transfer_id, decision=decision
        )
    _done(decided)


@app.command("approve")
def approve(transfer_id: Annotated[str, typer.Argument()], as_user: ActAs = None) -> None:
    """Approve a transfer the other side proposed."""
    _decide(transfer_id, "approve", as_user)


@app.command("refuse")
def refuse(transfer_id: Annotated[str, typer.Argument()], as_user: ActAs = None) -> None:
    """Refuse a transfer the other side proposed."""
    _decide(transfer_id, "refuse", as_user)


@app.command("deliver")
def deliver(
    transfer_id: Annotated[str, typer.Argument()],
    quantity: Annotated[int | None, typer.Option("--quantity", "-n")] = None,
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD")] = None,
    as_user: ActAs = None,
) -> None:
    """Record the delivery of an approved transfer (the supplier's act)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.transfers import changes
    from taawun.cooperation.transfers.schemas import DeliveryCreate
    from taawun.registry.periods import parse_date

    data = DeliveryCreate(quantity=quantity, on=None if on is None else parse_date(on, field="on"))
    with unit_of_work() as session:
        done = changes.deliver_transfer(
            _actor(session, as_user), session, transfer_id=transfer_id, data=data
        )
    _done(done)
