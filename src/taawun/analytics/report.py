"""What analytics shows a person (issue 11 §5): self-contained HTML reports, for one viewer
(a picture alone is ``pictures.py``'s).

``state_report`` and ``dyad_report`` gather a state's or a dyad's tables and pictures into
one HTML page (``templates/report.html.j2``, Jinja2 with autoescaping): pictures inlined as
SVG markup, styles inline, no script and no address outside the page,
so it reads the same offline, attached to a mail or printed. Each page names its viewer
("as seen by"), the time it was made (the injected clock) and its sources, down to the
agreements and rows it cites.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import numpy as np
from markupsafe import Markup
from sqlalchemy.orm import Session

from taawun.analytics import network, plots, questions
from taawun.analytics._answers import Event
from taawun.analytics.network import Network
from taawun.analytics.pictures import span
from taawun.analytics.plots import ImageFormat
from taawun.analytics.schemas import Table
from taawun.core.clock import Clock
from taawun.core.principal import Principal

OnProgress = Callable[[str, int, int], None]

DATASETS: Final = {
    # a word in a record's reference → the dataset it comes from, cited in full
    "ATOP": "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell and Andrew G. "
    "Long. 2002. Alliance Treaty Obligations and Provisions (ATOP), version 5.1; codebook: "
    "Leeds 2022. Agreements, members' obligations and provisions, 1815–2018.",
    "COW": "Correlates of War Project. 2017. State System Membership List, v2016 (the states "
    "of each year); Pevehouse, Nordstrom, McManus and Jamison. 2020. COW Intergovernmental "
    "Organizations v3, Journal of Peace Research 57(3) (OIC and other memberships).",
    "SIPRI": "SIPRI Arms Transfers Database: trend-indicator values (TIV) by supplier, "
    "recipient and year.",
    "MME": "D'Orazio, Vito and Kevin Galambos. 2021. Multinational Military Exercises, "
    "1980–2010, v7. Harvard Dataverse, doi:10.7910/DVN/KHFODX.",
    "Geo-PKO": "Cil, Fjelde, Hultman and Nilsson. 2020. Mapping blue helmets: the Geocoded "
    "Peacekeeping Operations (Geo-PKO) dataset. Journal of Peace Research 57(2): 360–370.",
    "NCA": "Fuhrmann, Matthew. 2012. Atomic Assistance (nuclear cooperation agreements).",
    "curated": "Agreements curated on the node from their public texts.",
}
NODE_RECORDS: Final = "Records made on this node, as the viewer may see them."


# --- the page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    number: bool = False


@dataclass(frozen=True, slots=True)
class TableView:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    source: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    anchor: str
    title: str
    intro: str = ""
    picture: Markup | None = None
    caption: str = ""
    tables: list[TableView] = field(default_factory=list)


def _cell(value: Any) -> Cell:
    if value is None:
        return Cell("—")
    if isinstance(value, bool | np.bool_):
        return Cell("yes" if value else "no")
    if isinstance(value, int | np.integer):
        return Cell(str(int(value)), number=True)
    if isinstance(value, float | np.floating):
        v = float(value)
        whole = abs(v) >= 100 or v.is_integer()
        return Cell("—" if np.isnan(v) else f"{v:,.0f}" if whole else f"{v:.3f}", True)
    if isinstance(value, list | tuple):
        return Cell("; ".join(str(v) for v in value))
    return Cell(str(value))


def _view(table: Table, title: str | None = None) -> TableView:
    """An analytics ``Table`` as the page shows it (every column, every row)."""
    return TableView(
        title=table.title if title is None else title,
        headers=list(table.columns),
        rows=[[_cell(v) for v in row.values()] for row in table.rows()],
        source=table.source,
    )


def _rows(
    title: str, headers: list[str], rows: Iterable[Sequence[Any]], source: str = ""
) -> TableView:
    return TableView(title, headers, [[_cell(v) for v in row] for row in rows], source)


def _events(title: str, events: Iterable[Event]) -> TableView:
    """Events as the page lists them, each with its source."""
    rows = ((e.start, e.end, e.kind, e.label, e.source) for e in events)
    return _rows(title, ["start", "end", "kind", "what", "source"], rows)


_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _inline(svg: bytes, label: str) -> Markup:
    """An SVG picture as markup in the page: without its XML prologue, its RDF metadata
    and its namespace declarations (HTML puts ``<svg>`` in the SVG namespace itself), so
    the page holds no address at all. matplotlib escaped every text it wrote."""
    text = svg.decode()
    text = _NAMESPACE.sub("", _METADATA.sub("", text[text.index("<svg") :]))
    opening = Markup('<svg role="img" aria-label="{}"').format(label)
    return Markup(text.replace("<svg", opening, 1))  # noqa: S704  (matplotlib's own markup)


def _viewer(principal: Principal) -> str:
    if principal.system:
        return f"the node itself ({principal.username}, every record)"
    if principal.user_id is None:
        return "the public (public records only)"
    return f"{principal.username} ({principal.role.value})"


def _datasets(refs: Iterable[str]) -> list[str]:
    """ATOP and COW (every network is built on them), then each dataset a ref names."""
    keys = {"ATOP", "COW"}
    node = False
    for ref in refs:
        found = {k for k in DATASETS if k in ref}
        keys |= found
        node = node or not found
    cited = [text for key, text in DATASETS.items() if key in keys]
    return [*cited, NODE_RECORDS] if node else cited


@cache
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("taawun.analytics", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def _page(
    *,
    title: str,
    subtitle: str,
    principal: Principal,
    clock: Clock,
    sections: list[Section],
    refs: Iterable[str],
) -> str:
    cited = sorted(set(refs))
    page: str = _template().render(
        title=title,
        subtitle=subtitle,
        viewer=_viewer(principal),
        generated=clock.now().strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
        datasets=_datasets(cited),
        refs=cited,
    )
    return page


class _Steps:
    def __init__(self, on_progress: OnProgress | None, total: int) -> None:
        self.on_progress, self.total, self.done = on_progress, total, 0

    def __call__(self, stage: str) -> None:
        self.done += 1
        if self.on_progress:
            self.on_progress(stage, self.done, self.total)


# --- a state -----------------------------------------------------------------------------


def _ego(net: Network, ccode: int) -> Network:
    """The state, its partners and the ties among them: the part of the network a state
    report draws (the whole world's is ``taawun plot network``)."""
    near = (
        {ccode} | {t.a for t in net.ties if t.b == ccode} | {t.b for t in net.ties if t.a == ccode}
    )
    return Network(
        net.year,
        {c: n for c, n in net.states.items() if c in near},
        [t for t in net.ties if t.a in near and t.b in near],
    )


def _position(table: Table, ccode: int) -> TableView:
    """The state's measures that year, each with its rank among the system's members."""
    codes = np.asarray(table.columns["ccode"])
    mine = np.flatnonzero(codes == ccode)
    rows: list[tuple[str, Any, Any]] = []
    for name in (
        "degree",
        "weighted_degree",
        "eigenvector",
        "betweenness",
        "clustering",
        "brokerage",
        "community",
    ):
        if name not in table.columns or not len(mine):
            continue
        column = np.asarray(table.columns[name])
        value = column[mine[0]]
        rank = None if name == "community" else int((column > value).sum()) + 1
        rows.append((name, value, rank))
    return _rows(
        f"Network position ({len(codes)} states)",
        ["measure", "value", "rank"],
        rows,
        table.source
        or "networkx: degree, eigenvector and betweenness centrality, "
        "clustering, Louvain communities",
    )


def state_report(
    principal: Principal,
    session: Session,
    *,
    state: str,
    first: int | None = None,
    last: int | None = None,
    clock: Clock,
    on_progress: OnProgress | None = None,
) -> str:
    """A state's partnerships from ``first`` (default 1946) to ``last`` (default this year)
    as ``principal`` sees them: its
    partners per year and their changes, what partnership brought it, and its place in
    the network of ``last``; one HTML page."""
    first, last = span(first, last, clock)
    step = _Steps(on_progress, 5)
    history = questions.state_history(
        principal, session, state=state, first=first, last=last, clock=clock
    )
    step("profile")
    gains = questions.brought(principal, session, state=state, first=first, last=last, clock=clock)
    step("brought")
    net = network.network(principal, session, year=last, clock=clock)
    measures = network.measures(net)
    step("network")
    s = history.state
    profile = _inline(plots.state_picture(history, fmt=ImageFormat.SVG), f"{s.abbrev} partners")
    where = _inline(
        plots.network_picture(
            _ego(net, s.ccode),
            measures,
            fmt=ImageFormat.SVG,
            label=[s.ccode],
            title=f"{s.abbrev} and its partners, {last}",
        ),
        f"{s.abbrev} and its partners, {last}",
    )
    step("pictures")
    changes = [
        (
            c.year,
            f"{c.partner.name} ({c.partner.abbrev})",
            "gained" if c.gained else "lost",
            list(c.agreements),
        )
        for c in history.changes
    ]
    sections = [
        Section(
            "profile",
            "Partners over time",
            "Partners per year, inside and outside the OIC, by obligation and domain; "
            "the state's rank by number of partners (1 = most).",
            profile,
            "Partners per year (above) and partners gained or lost (below).",
            [_view(history.years, "Per year")],
        ),
        Section(
            "changes",
            "Partners gained and lost",
            tables=[_rows("", ["year", "partner", "change", "agreements"], changes)],
        ),
        Section(
            "brought",
            "What partnership brought",
            "Arms received from allies and from others (SIPRI TIV), exercises with "
            "partners, training received and shared threats; each row traced to its "
            "source.",
            tables=[
                _rows("Totals", ["figure", "value"], sorted(gains.totals.items())),
                _view(gains.arms, "Arms received per year"),
                _events("The rows behind the figures", gains.events),
            ],
        ),
        Section(
            "network",
            f"Place in the network, {last}",
            f"{s.abbrev}, its partners in {last} and the ties among them; {s.abbrev} is "
            "named in bold. The table ranks it among every state of the system.",
            where,
            "Size: weighted degree in the whole network; colour: community; diamonds: OIC members.",
            [_position(measures, s.ccode)],
        ),
    ]
    refs = [r for c in history.changes for r in c.agreements]
    refs += [e.source for e in gains.events]
    refs += [r for t in net.ties if s.ccode in (t.a, t.b) for r in t.agreements]
    page = _page(
        title=f"{s.name} ({s.abbrev}): partnerships {first}–{last}",
        subtitle=f"COW code {s.ccode}. Partnerships, their changes and what they brought.",
        principal=principal,
        clock=clock,
        sections=sections,
        refs=refs,
    )
    step("page")
    return page


# --- a dyad ------------------------------------------------------------------------------


def dyad_report(
    principal: Principal,
    session: Session,
    *,
    a: str,
    b: str,
    first: int | None = None,
    last: int | None = None,
    clock: Clock,
    on_progress: OnProgress | None = None,
) -> str:
    """Everything joining two states as ``principal`` sees it, on one timeline and in one
    table, each event with its source; one HTML page."""
    step = _Steps(on_progress, 3)
    history = questions.dyad_history(
        principal, session, a=a, b=b, first=first, last=last, clock=clock
    )
    step("history")
    x, y = history.a, history.b
    timeline = _inline(plots.dyad_picture(history, fmt=ImageFormat.SVG), "timeline")
    step("pictures")
    kinds = Counter(e.kind for e in history.events)
    sections = [
        Section(
            "timeline",
            "Timeline",
            "Agreements, obligations (per phase), operations and training as spans; "
            "exercises, arms transfers and shared threats as points.",
            timeline,
            "Open spans (still in force) end in an arrow.",
            [_rows("Counts", ["kind", "events"], sorted(kinds.items()))],
        ),
        Section(
            "events",
            "Every event",
            tables=[_events("", history.events)],
        ),
    ]
    span = "" if first is None and last is None else f", {first or '…'}–{last or '…'}"
    page = _page(
        title=f"{x.name} ({x.abbrev}) – {y.name} ({y.abbrev}){span}",
        subtitle=f"COW codes {x.ccode} and {y.ccode}. Everything that joins the two states.",
        principal=principal,
        clock=clock,
        sections=sections,
        refs=[e.source for e in history.events],
    )
    step("page")
    return page
