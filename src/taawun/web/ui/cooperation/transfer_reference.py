"""The transfers' reference pages: the item catalogue (the MISP ``uavs`` galaxy and the
designations of SIPRI's registers, each linked to the galaxy entry it names) and "how much
of a state's arms imports came from its allies" (SIPRI's TIV table against the agreements
with an ATOP obligation the reader may see).

Every read is the REST API's service call (``transfers.service.list_items``,
``allies_share``). The routes are placed before ``/cooperation/transfers/{ref}``
(``transfers.py`` includes this router first), which would take ``items`` for a ref.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from taawun.cooperation.transfers import service
from taawun.cooperation.transfers.catalogue import GALAXY_SOURCE, REGISTER_SOURCE
from taawun.cooperation.transfers.schemas import AlliesShare, PartyRead
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import PageSessionDep, PageUserDep
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(include_in_schema=False)

TRANSFERS: Final = "/cooperation/transfers"
ITEMS: Final = TRANSFERS + "/items"
ALLIES: Final = TRANSFERS + "/allies"
SOURCES: Final[dict[str, str]] = {
    GALAXY_SOURCE: N_("MISP galaxy (UAVs)"),
    REGISTER_SOURCE: N_("SIPRI trade registers"),
}
Text = Annotated[str, Query(max_length=200)]


@router.get(ITEMS)
def items_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    q: Text = "",
    source: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """The catalogue by designation, 50 a page, filtered by text and source."""
    filters = {"q": q.strip(), "source": source.strip() if source.strip() in SOURCES else ""}
    number = page_number(page)
    found, error = common.attempt(
        lambda: service.list_items(
            user,
            session,
            text=filters["q"] or None,
            source=filters["source"] or None,
            limit=common.PAGE_SIZE,
            offset=common.offset(number),
        )
    )
    listing = common.Listing.of(ITEMS, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/transfer_items.html.j2", "cooperation/_transfer_items_results.html.j2"),
        listing,
        {"found": found, "sources": SOURCES},
    )


@dataclass(frozen=True, slots=True)
class Supplier:
    """One supplier over the years asked: its TIV, and the part delivered while allied."""

    party: PartyRead
    tiv: float
    allied: float


def suppliers(share: AlliesShare) -> list[Supplier]:
    """The answer's supplier-years summed by supplier, the largest first."""
    sums: dict[tuple[str, int | str], tuple[PartyRead, float, float]] = {}
    for row in share.suppliers:
        who = row.supplier
        key = (who.kind, who.state.id if who.state else who.name)
        party, tiv, allied = sums.get(key, (who, 0.0, 0.0))
        sums[key] = (party, tiv + row.tiv, allied + (row.tiv if row.allied else 0.0))
    found = [Supplier(party, tiv, allied) for party, tiv, allied in sums.values()]
    return sorted(found, key=lambda s: (-s.tiv, s.party.name))


@router.get(ALLIES)
def allies_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Text = "",
    year_from: Text = "",
    year_to: Text = "",
) -> HTMLResponse:
    """Per year, the share of ``state``'s arms imports that came from its allies, and each
    supplier's part (``service.allies_share``)."""
    form = {"state": state.strip(), "year_from": year_from.strip(), "year_to": year_to.strip()}
    found, error = (
        common.attempt(
            lambda: service.allies_share(
                user,
                session,
                state=form["state"],
                first_year=common.number(form["year_from"], "year_from"),
                last_year=common.number(form["year_to"], "year_to"),
            )
        )
        if form["state"]
        else (None, None)
    )
    return render(
        request,
        "cooperation/transfer_allies.html.j2",
        {
            "form": form,
            "found": found,
            "suppliers": suppliers(found) if found else [],
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )
