"""Query commands: state, agreements, partners, dyad, org.

Each command imports the registry (and so SQLAlchemy) when it runs, not when the CLI starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

from taawun.cli._output import Format, emit

TABLE_PARTIES = 6  # a table lists this many parties and counts the rest; JSON and CSV list all

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="answer as this user sees it (default: public facts only)"),
]
YearOpt = Annotated[
    str | None,
    typer.Option("--year", "-y", help="a year (2018) or a date (2018-06-30); default today"),
]


def state(
    name: Annotated[str, typer.Argument(help="ISO3, ISO2, COW code or abbreviation, or a name")],
    year: YearOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """A state's profile: memberships, agreements in force, partners by domain."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        profile = service.state_profile(viewer(session, as_user), session, state=name, when=year)
    s = profile.state
    codes = f"ISO {s.iso3 or '-'}/{s.iso2 or '-'}, COW {s.cow_code or '-'} {s.cow_abbr or ''}"
    rows: list[dict[str, object]] = [{"section": "state", "what": s.name, "detail": codes.strip()}]
    for m in profile.memberships:
        carried = " (carried forward)" if m.carried_forward else ""
        detail = f"{m.status} since {m.from_year}{carried}"
        rows.append({"section": "member of", "what": m.organization, "detail": detail})
    for a in profile.agreements:
        detail = f"{a.source} {a.source_id}; {', '.join(a.domains)}"
        rows.append({"section": "agreement", "what": a.title, "detail": detail})
    for domain, states in profile.partners_by_domain.items():
        names = [p.iso3 or p.name for p in states]
        rows.append({"section": f"partners: {domain}", "what": names, "detail": len(states)})
    emit(
        fmt,
        document=profile,
        rows=rows,
        columns=["section", "what", "detail"],
        title=f"{s.name} in {profile.when}",
        notes=[c.note for c in profile.coverage],
    )


def agreements(
    party: Annotated[
        list[str], typer.Option("--party", "-p", help="a party (repeat: all must be parties)")
    ] = [],  # noqa: B006
    domain: Annotated[
        list[str], typer.Option("--domain", "-d", help="a domain (repeat: all)")
    ] = [],  # noqa: B006
    organization: Annotated[
        str | None, typer.Option("--org", help="linked organization (OIC, GCC, ...)")
    ] = None,
    in_force: Annotated[
        str | None, typer.Option("--in-force", help="in force in a year or on a date")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="text in the title")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    source: Annotated[str | None, typer.Option("--source", help="ATOP, curated, taawun")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Agreements, filtered by party, domain, organization, date and title text."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        page = service.list_agreements(
            viewer(session, as_user),
            session,
            parties=party,
            domains=domain,
            organization=organization,
            in_force=in_force,
            text=text,
            status=status,
            source=source,
            limit=limit,
            offset=offset,
        )
    rows = [
        {
            "id": a.id,
            "source": f"{a.source} {a.source_id}",
            "title": a.title,
            "from": a.in_force,
            "to": a.ended,
            "status": a.status,
            "domains": a.domains,
            "parties": a.parties if fmt is not Format.TABLE else _first(a.parties),
        }
        for a in page.items
    ]
    shown = f"{offset + 1}-{offset + len(page.items)} of {page.total}" if page.items else "none"
    emit(
        fmt,
        document=page,
        rows=rows,
        columns=["id", "source", "title", "from", "to", "status", "domains", "parties"],
        title=f"Agreements ({shown})",
        notes=[c.note for c in page.coverage],
        ids=("id", "source"),
    )


def _first(parties: list[str]) -> list[str]:
    if len(parties) <= TABLE_PARTIES:
        return parties
    return [*parties[:TABLE_PARTIES], f"+{len(parties) - TABLE_PARTIES}"]


def partners(
    name: Annotated[str, typer.Argument(help="the state")],
    year: YearOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """The states joined to a state by agreements in force, with the domains that join them."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        found = service.partners(viewer(session, as_user), session, state=name, when=year)
    rows = [
        {
            "partner": p.state.name,
            "iso3": p.state.iso3,
            "domains": p.domains,
            "agreements": len(p.agreements),
        }
        for p in found.partners
    ]
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["partner", "iso3", "domains", "agreements"],
        title=f"Partners of {found.state.name} in {found.when} ({len(rows)})",
        notes=[c.note for c in found.coverage],
        ids=("iso3",),
    )


def dyad(
    a: Annotated[str, typer.Argument(help="one state")],
    b: Annotated[str, typer.Argument(help="the other state")],
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Every agreement joining two states, with the years both were parties."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        timeline = service.dyad(viewer(session, as_user), session, a=a, b=b)
    rows = [
        {
            "id": e.agreement.id,
            "source": f"{e.agreement.source} {e.agreement.source_id}",
            "title": e.agreement.title,
            "from": e.joined_from,
            "to": e.joined_to or "(ongoing)",
            "domains": e.agreement.domains,
        }
        for e in timeline.entries
    ]
    emit(
        fmt,
        document=timeline,
        rows=rows,
        columns=["id", "source", "title", "from", "to", "domains"],
        title=f"{timeline.a.name} – {timeline.b.name}",
        notes=[c.note for c in timeline.coverage],
        ids=("id", "source"),
    )


def org(
    key: Annotated[str, typer.Argument(help="OIC, LOAS (Arab League), GCC, NATO, ...")],
    year: YearOpt = None,
    status: Annotated[
        str | None, typer.Option("--status", help="full, associate, observer")
    ] = "full",
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Members of an organization in a year or on a date."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        members = service.organization_members(
            viewer(session, as_user), session, organization=key, when=year, status=status
        )
    rows = [
        {
            "state": m.state.name,
            "iso3": m.state.iso3,
            "status": m.status,
            "since": m.from_year,
            "until": m.to_year,
            "carried forward": "yes" if m.carried_forward else "no",
        }
        for m in members.members
    ]
    emit(
        fmt,
        document=members,
        rows=rows,
        columns=["state", "iso3", "status", "since", "until", "carried forward"],
        title=f"{members.organization.name} in {members.when}: {len(rows)} members",
        notes=[c.note for c in members.coverage],
        ids=("iso3",),
    )
