"""The partnership network at a year, and its measures (issue 11 §2).

Nodes are the members of the state system that year (COW), isolates included; a tie joins
two states sharing at least one agreement in force that year the viewer may see (the
non-directed dyad-years of ``service.dyad_years``), typed by domain and weighted by the
strength index (``_strength.py``: obligation level + deep provisions + log-scaled
cooperation activity). Cooperation activity only weights ties that agreements make.

The measures (``measures``), from networkx:

- ``degree``: partners; ``weighted_degree``: the sum of the ties' strengths.
- ``eigenvector``: as ``networkx.eigenvector_centrality_numpy`` defines it (weighted: the
  leading eigenvector of the adjacency matrix, positive, of unit length), solved by
  ``scipy.linalg.eigh`` on ``networkx.to_numpy_array`` (deterministic, where the ARPACK
  solver networkx calls starts from a random vector and the last digits varied between
  runs), on the largest connected component (most nodes; then the greater total strength,
  then the smallest COW code): eigenvector centrality is defined on a connected graph, and
  on a disconnected one the leading eigenvector lives on one component only. A state
  outside that component scores 0.
- ``betweenness``: ``networkx.betweenness_centrality`` (normalised) over hop counts: a tie
  is a tie, as in the alliance-network literature's binary betweenness. Weighted paths
  (length ``1 / strength``, the edges' ``distance``) were tried: they make a chain of
  strong bilateral pacts "shorter" than one multilateral tie (2018's top ten then holds
  Gabon, Liberia and the Comoros, not Egypt or Brazil) and take 0.6 s of the 1 s budget on
  2018's 4,461 ties. The graph and GraphML keep ``distance`` for those who want them.
- ``clustering``: ``networkx.clustering``, unweighted: the share of a state's partner pairs
  that are partners themselves.
- ``community``: ``networkx.community.louvain_communities`` (weighted, seed ``SEED``, so the
  same network always gives the same partition), numbered from 0 by size (largest first,
  then smallest COW code); an isolate is a community of its own.
- ``brokerage``: ``networkx.betweenness_centrality_subset`` with the OIC's full members as
  sources and the other states as targets (hop counts, as betweenness), as the share of
  all OIC–non-OIC pairs' shortest paths passing through the state: 0..1. (networkx halves
  an undirected subset's counts, assuming each pair counted twice; with disjoint sources
  and targets each pair is counted once, so the value is doubled back.)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from taawun.analytics import _inputs, _strength, repository, service
from taawun.analytics.schemas import OBLIGATIONS, DyadYears, Table
from taawun.core.clock import Clock, SystemClock
from taawun.core.principal import Principal
from taawun.registry.periods import Period

if TYPE_CHECKING:
    import networkx as nx

OnProgress = Callable[[str, int, int], None]

SEED: Final = 11
"""Louvain's random seed: a fixed one makes communities reproducible."""
ORGANIZATION: Final = "OIC"
MEASURES: Final = (
    "ccode",
    "state",
    "year",
    "oic",
    "degree",
    "weighted_degree",
    "eigenvector",
    "betweenness",
    "clustering",
    "community",
    "brokerage",
)
SOURCE: Final = (
    "ATOP 5.1 and agreements recorded on the node (as the viewer may see them); COW state "
    "system and IGO membership; MME exercises and SIPRI TIV; measures by networkx"
)


@dataclass(frozen=True, slots=True)
class StateNode:
    ccode: int
    abbrev: str
    name: str
    oic: bool
    """A full member of the OIC that year (COW IGO membership, curated after 2014)."""


@dataclass(frozen=True, slots=True)
class Tie:
    """Two states (``a`` < ``b``, COW codes) joined by agreements in force that year."""

    a: int
    b: int
    strength: float
    obligations: tuple[str, ...]
    """ATOP's obligations either owes the other (``defense`` ... ``consul``)."""
    domains: tuple[str, ...]
    """Every domain a shared agreement covers (registry vocabulary)."""
    agreements: tuple[str, ...]
    """The shared agreements, as ``source source_id``."""
    activity: dict[str, float] = field(default_factory=dict)
    """Cooperation that year: ``exercises`` (count), ``transfers`` (SIPRI TIV, both ways),
    ``shared_threats`` (count), only what the viewer may see."""
    provisions: tuple[str, ...] = ()
    """ATOP's deep provisions of a shared agreement (``intcom``, ``base``, ``milaid``)."""


@dataclass(frozen=True, slots=True)
class Network:
    year: int
    states: dict[int, StateNode]
    """Every system member that year, isolates included, by COW code."""
    ties: list[Tie]

    def graph(self) -> nx.Graph[int]:
        """A networkx graph: nodes are COW codes with ``abbrev``, ``name``, ``oic``; edges
        carry ``weight`` (the strength), ``distance`` (1 / strength), ``domains``,
        ``obligations``, ``agreements``, ``provisions`` and the activity's counts."""
        import networkx as nx

        g: nx.Graph[int] = nx.Graph(year=self.year)
        for c, s in sorted(self.states.items()):
            g.add_node(c, abbrev=s.abbrev, name=s.name, oic=s.oic)
        for t in self.ties:
            g.add_edge(
                t.a,
                t.b,
                weight=t.strength,
                distance=1.0 / t.strength,
                obligations=t.obligations,
                domains=t.domains,
                agreements=t.agreements,
                provisions=t.provisions,
                **t.activity,
            )
        return g

    def document(self) -> dict[str, object]:
        """The network as JSON-ready data: ``{year, states: [...], ties: [...]}``."""
        return {
            "year": self.year,
            "states": [
                {"ccode": s.ccode, "abbrev": s.abbrev, "name": s.name, "oic": s.oic}
                for _, s in sorted(self.states.items())
            ],
            "ties": [
                {
                    "a": t.a,
                    "b": t.b,
                    "strength": t.strength,
                    "obligations": list(t.obligations),
                    "domains": list(t.domains),
                    "agreements": list(t.agreements),
                    "provisions": list(t.provisions),
                    "activity": dict(t.activity),
                }
                for t in self.ties
            ],
        }


def _activity(
    principal: Principal, session: Session, year: int, clock: Clock
) -> dict[tuple[int, int], dict[str, float]]:
    """Per dyad, the cooperation of ``year`` the viewer may see, each read through its own
    sub-context's rule: exercises, transfers (SIPRI TIV), shared threats (intel the viewer
    may read; none for a viewer of no agency)."""
    from taawun.cooperation.exercises import service as exercises
    from taawun.cooperation.threats import service as threats
    from taawun.cooperation.transfers import service as transfers

    found: dict[tuple[int, int], dict[str, float]] = {}
    for name, counts in (
        ("exercises", exercises.dyad_activity(principal, session, year=year)),
        ("transfers", transfers.dyad_activity(principal, session, year=year)),
        ("shared_threats", threats.dyad_activity(principal, session, year=year, clock=clock)),
    ):
        for pair, value in counts.items():
            found.setdefault(pair, {})[name] = value
    return found


def _ties(
    dyads: DyadYears,
    domains_of: Mapping[str, set[str]],
    deep_of: Mapping[str, set[str]],
    activity: Mapping[tuple[int, int], dict[str, float]],
) -> list[Tie]:
    """One tie per non-directed dyad-year row, with its agreements' domains and deep
    provisions (by agreement, ``source source_id``), its activity and its strength."""
    c = dyads.columns
    owed = np.column_stack([c[o] for o in OBLIGATIONS]).reshape(len(dyads), -1).astype(bool)
    ties: list[Tie] = []
    for i, (a, b) in enumerate(zip(c["ccode1"].tolist(), c["ccode2"].tolist(), strict=True)):
        shared = tuple(dyads.agreements_of(i))
        obligations = tuple(o for o, on in zip(OBLIGATIONS, owed[i].tolist(), strict=True) if on)
        deep = set().union(*(deep_of.get(r, set()) for r in shared))
        done = activity.get((a, b), {})
        ties.append(
            Tie(
                a=a,
                b=b,
                strength=_strength.strength(obligations, deep, done),
                obligations=obligations,
                domains=tuple(sorted(set().union(*(domains_of.get(r, set()) for r in shared)))),
                agreements=shared,
                activity=dict(done),
                provisions=tuple(p for p in _strength.DEEP_PROVISIONS if p in deep),
            )
        )
    return ties


def network(
    principal: Principal, session: Session, *, year: int, clock: Clock | None = None
) -> Network:
    """The network ``principal`` may see in ``year``."""
    clock = clock or SystemClock()
    year = _inputs.year(year, clock)
    dyads = service.dyad_years(
        principal, session, first=year, last=year, directed=False, clock=clock
    )
    period = Period(date(year, 1, 1), date(year, 12, 31), str(year))
    domains = repository.agreement_domains(session, principal, period)
    provisions = repository.agreement_provisions(session, principal, period)
    refs = repository.agreement_refs(session, principal, set(domains) | set(provisions))
    domains_of: dict[str, set[str]] = {}
    for agreement_id, found in domains.items():
        domains_of.setdefault(refs.get(agreement_id, ""), set()).update(found)
    deep_of = {
        refs.get(i, ""): {p for p in _strength.DEEP_PROVISIONS if coded.get(p, 0) > 0}
        for i, coded in provisions.items()
    }
    activity = _activity(principal, session, year, clock)

    ties = _ties(dyads, domains_of, deep_of, activity)
    members = set(repository.system_members(session, year, year)[year])
    members |= {t.a for t in ties} | {t.b for t in ties}
    oic = repository.organization_members(session, ORGANIZATION, year, year)[year]
    labels = repository.state_labels(session, members)
    states = {
        m: StateNode(
            ccode=m,
            abbrev=labels[m].abbrev if m in labels else str(m),
            name=labels[m].name if m in labels else str(m),
            oic=m in oic,
        )
        for m in sorted(members)
    }
    return Network(year=year, states=states, ties=ties)


def _eigenvector(g: nx.Graph[int]) -> dict[int, float]:
    """Weighted eigenvector centrality on the largest connected component (see the module);
    0 elsewhere."""
    import networkx as nx

    scores = dict.fromkeys(g, 0.0)
    parts = [p for p in nx.connected_components(g) if len(p) > 1]
    if not parts:
        return scores
    main = max(parts, key=lambda p: (len(p), g.subgraph(p).size(weight="weight"), -min(p)))
    nodes = sorted(main)
    # networkx.eigenvector_centrality_numpy's own definition (the adjacency matrix's leading
    # eigenvector, positive, of unit length), solved densely: its ARPACK solver starts from a
    # random vector, so two runs on one network differed in the last digits.
    import scipy.linalg  # type: ignore[import-untyped]  # (scipy ships no stubs)

    last = len(nodes) - 1  # only the leading eigenpair (Perron: simple on a connected graph)
    adjacency = nx.to_numpy_array(g, nodelist=nodes, weight="weight")
    _, vectors = scipy.linalg.eigh(adjacency, subset_by_index=[last, last])
    leading = np.abs(vectors[:, 0])
    scores.update(zip(nodes, (leading / np.linalg.norm(leading)).tolist(), strict=True))
    return scores


def _communities(g: nx.Graph[int]) -> dict[int, int]:
    """Louvain's partition (weighted, fixed seed), numbered by size, then smallest code."""
    import networkx as nx

    found = nx.community.louvain_communities(g, weight="weight", seed=SEED)
    ordered = sorted(found, key=lambda c: (-len(c), min(c)))
    return {node: k for k, members in enumerate(ordered) for node in members}


def _brokerage(g: nx.Graph[int], oic: set[int]) -> dict[int, float]:
    """The share of OIC–non-OIC shortest paths through each state (see the module)."""
    import networkx as nx

    others = set(g) - oic
    if not oic or not others:
        return dict.fromkeys(g, 0.0)
    raw = nx.betweenness_centrality_subset(
        g, sources=sorted(oic), targets=sorted(others), normalized=False
    )
    pairs = len(oic) * len(others)
    return {node: 2.0 * value / pairs for node, value in raw.items()}


def measures(net: Network) -> Table:
    """Per state: ``ccode, state, year, oic, degree, weighted_degree, eigenvector,
    betweenness, clustering, community, brokerage`` (one row per system member), ordered by
    COW code (the module says how each is computed)."""
    import networkx as nx

    g = net.graph()
    nodes = sorted(g)
    degree = dict(g.degree())
    weighted = dict(g.degree(weight="weight"))
    betweenness = nx.betweenness_centrality(g, normalized=True)
    clustering = cast(dict[int, float], nx.clustering(g))
    eigenvector = _eigenvector(g)
    community = _communities(g)
    brokerage = _brokerage(g, {c for c in nodes if net.states[c].oic})

    def floats(values: Mapping[int, float]) -> npt.NDArray[np.float64]:
        return np.array([float(values[n]) for n in nodes], dtype=np.float64)

    return Table(
        name=f"measures-{net.year}",
        columns={
            "ccode": np.array(nodes, dtype=np.int64),
            "state": [net.states[n].abbrev for n in nodes],
            "year": np.full(len(nodes), net.year, dtype=np.int64),
            "oic": np.array([net.states[n].oic for n in nodes], dtype=bool),
            "degree": np.array([degree[n] for n in nodes], dtype=np.int64),
            "weighted_degree": floats(weighted),
            "eigenvector": floats(eigenvector),
            "betweenness": floats(betweenness),
            "clustering": floats(clustering),
            "community": np.array([community[n] for n in nodes], dtype=np.int64),
            "brokerage": floats(brokerage),
        },
        title=f"Network measures, {net.year}",
        source=SOURCE,
    )


def measures_panel(
    principal: Principal,
    session: Session,
    *,
    first: int,
    last: int,
    clock: Clock | None = None,
    on_progress: OnProgress | None = None,
) -> Table:
    """``measures`` for every year from ``first`` to ``last``, one table."""
    clock = clock or SystemClock()
    first, last = _inputs.window(first, last, clock)
    years = range(first, last + 1)
    tables: list[Table] = []
    for done, year in enumerate(years):
        if on_progress:
            on_progress("measures", done, len(years))
        tables.append(measures(network(principal, session, year=year, clock=clock)))
    if on_progress:
        on_progress("measures", len(years), len(years))
    columns: dict[str, npt.NDArray[Any] | list[Any]] = {}
    for name in MEASURES:
        parts = [t.columns[name] for t in tables]
        columns[name] = [v for p in parts for v in p] if name == "state" else np.concatenate(parts)
    return Table(
        name=f"measures-{first}-{last}",
        columns=columns,
        title=f"Network measures, {first}-{last}",
        source=SOURCE,
    )


def graphml_graph(net: Network) -> nx.Graph[int]:
    """``net.graph()`` with every attribute GraphML can hold: tuples joined by ``;``."""
    g = net.graph()
    for _, _, data in g.edges(data=True):
        for key, value in list(data.items()):
            if isinstance(value, tuple):
                data[key] = ";".join(value)
    return g


def to_graphml(net: Network) -> bytes:
    """The network as GraphML (Gephi), via ``networkx.write_graphml``."""
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(graphml_graph(net), buffer)
    return buffer.getvalue()
