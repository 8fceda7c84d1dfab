"""Pictures of the partnership network (issue 11 §5), drawn with matplotlib.

Each function takes an answer analytics has already computed for one viewer (a
``Network`` and its measures, a ``StateHistory``, a ``DyadHistory``, an S-score matrix, a
bloc's years) and returns the picture as bytes, PNG or SVG: data in, bytes out, nothing
read here. SVG keeps its text as text (``svg.fonttype: none``: labels are searchable,
and a test can read them) and carries no date, so the same data gives the same bytes.

Figures are ``matplotlib.figure.Figure`` objects on the Agg canvas, never pyplot's global
figures. matplotlib's ``rcParams`` are process-global and matplotlib is not thread-safe,
while the API draws from worker threads: each picture is drawn under one lock, inside an
``rc_context`` that sets what the pictures need and restores the rest.
"""

from __future__ import annotations

import enum
import io
import textwrap
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.typing import RcKeyType

from taawun.analytics.network import Network
from taawun.analytics.questions import DyadHistory, StateHistory
from taawun.analytics.schemas import Table

if TYPE_CHECKING:
    import networkx as nx


class ImageFormat(enum.StrEnum):
    PNG = "png"
    SVG = "svg"


MEDIA_TYPES: Final = {ImageFormat.PNG: "image/png", ImageFormat.SVG: "image/svg+xml"}

_RC: Final[dict[RcKeyType, Any]] = {
    "svg.fonttype": "none",  # text stays <text>, not glyph paths
    "svg.hashsalt": "taawun",  # ids from content, not random: deterministic SVG
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same picture everywhere
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_DPI: Final = 100
_LOCK = threading.Lock()
_OIC_COLOUR: Final = "#1b7837"
_OUTSIDE_COLOUR: Final = "#762a83"
_KIND_COLOURS: Final = {
    "agreement": "#2166ac",
    "obligation": "#67a9cf",
    "operation": "#b35806",
    "training": "#f1a340",
    "exercise": "#1b7837",
    "transfer": "#762a83",
    "shared_threat": "#b2182b",
}
_POINT_KINDS: Final = ("exercise", "transfer", "shared_threat")
_MAX_BARS: Final = 40
"""A dyad timeline draws at most this many agreement/obligation bars (the rest are
counted in a note): a readable picture, not an inventory."""


@contextmanager
def _drawing() -> Iterator[None]:
    with _LOCK, mpl.rc_context(_RC):
        yield


def _save(fig: Figure, fmt: ImageFormat) -> bytes:
    """``fig`` as PNG or SVG bytes, without a creation date (SVG) or software stamp (PNG)."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    metadata: dict[str, str | None] = (
        {"Date": None} if fmt is ImageFormat.SVG else {"Software": None}
    )
    fig.savefig(buffer, format=fmt.value, dpi=_DPI, metadata=metadata)
    return buffer.getvalue()


def _column(table: Table, *names: str) -> npt.NDArray[np.float64] | None:
    """The first of ``names`` that ``table`` has, as floats (None if it has none)."""
    for name in names:
        if name in table.columns:
            return np.asarray(table.columns[name], dtype=np.float64)
    return None


# --- the network at a year -------------------------------------------------------------


def _layout(graph: nx.Graph[int], seed: int) -> dict[int, npt.NDArray[np.float64]]:
    """Positions: the tied states by ``networkx.spring_layout`` (weighted by strength,
    seeded), spread by a longer spring than the default (``k``: a dense network otherwise
    draws as one knot); the isolates in rows beneath, not flung to the edges by the
    layout's repulsion."""
    import networkx as nx

    tied = sorted(c for c in graph if graph.degree(c) > 0)
    alone = sorted(c for c in graph if graph.degree(c) == 0)
    pos: dict[int, npt.NDArray[np.float64]] = {}
    if tied:
        sub = graph.subgraph(tied)
        spread = 3.0 / np.sqrt(len(tied))
        pos = nx.spring_layout(sub, weight="weight", seed=seed, k=spread, iterations=100)
    xy = np.array(list(pos.values())).reshape(-1, 2)
    left, right = (xy[:, 0].min(), xy[:, 0].max()) if len(xy) else (-1.0, 1.0)
    bottom = xy[:, 1].min() - 0.15 if len(xy) else 0.0
    per_row = 25
    step = max(float(right - left), 1.0) / (per_row - 1)
    for i, c in enumerate(alone):
        row, col = divmod(i, per_row)
        pos[c] = np.array([left + step * col, bottom - 0.08 * row])
    return pos


def network_picture(
    net: Network,
    measures: Table | None = None,
    *,
    fmt: ImageFormat = ImageFormat.PNG,
    label_top: int = 10,
    label: Collection[int] = (),
    seed: int = 11,
    title: str | None = None,
) -> bytes:
    """The network of ``net.year``: ties weighted by strength, laid out by
    ``networkx.spring_layout`` (weighted, seeded: the same picture every time); node size
    by weighted degree, colour by community (``measures``' Louvain ``community``; grey
    without it), OIC members drawn as diamonds with a dark outline. Named: the
    ``label_top`` states of highest weighted degree, the first of each community, and every
    state in ``label`` (in bold)."""
    import networkx as nx

    codes = sorted(net.states)
    where = {c: i for i, c in enumerate(codes)}
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(codes)
    graph.add_weighted_edges_from((t.a, t.b, t.strength) for t in net.ties)
    pos = _layout(graph, seed)
    xy = np.array([pos[c] for c in codes]).reshape(-1, 2)

    degree = np.zeros(len(codes))
    community = np.full(len(codes), -1)  # -1: no community (isolates are drawn grey)
    wd = _column(measures, "weighted_degree") if measures is not None else None
    if measures is not None and wd is not None:
        rows = [where.get(int(c), -1) for c in measures.columns["ccode"]]
        known = np.array([r >= 0 for r in rows], dtype=bool)
        index = np.array(rows, dtype=np.int64)[known]
        degree[index] = wd[known]
        if "community" in measures.columns:
            community[index] = np.asarray(measures.columns["community"])[known]
            community[[where[c] for c in codes if graph.degree(c) == 0]] = -1
    else:
        for t in net.ties:
            degree[where[t.a]] += t.strength
            degree[where[t.b]] += t.strength
    top = float(degree.max()) if len(degree) and degree.max() > 0 else 1.0
    sizes = 12.0 + 260.0 * degree / top
    palette = mpl.colormaps["tab20"]
    colours = [palette(int(k) % 20) if k >= 0 else (0.75, 0.75, 0.75, 1.0) for k in community]
    oic = np.array([net.states[c].oic for c in codes], dtype=bool)

    with _drawing():
        fig = Figure(figsize=(10, 8.5))
        ax = fig.add_subplot()
        if net.ties:
            segments = [(pos[t.a], pos[t.b]) for t in net.ties]
            strength = np.array([t.strength for t in net.ties])
            widths = 0.2 + 1.8 * strength / max(float(strength.max()), 1e-9)
            ax.add_collection(
                LineCollection(segments, linewidths=widths, colors="#8c8c8c", alpha=0.35)
            )
        for members, marker, edge, width in ((~oic, "o", "white", 0.5), (oic, "D", "black", 1.2)):
            ax.scatter(
                xy[members, 0],
                xy[members, 1],
                s=sizes[members],
                c=[colours[i] for i in np.flatnonzero(members)],
                marker=marker,
                edgecolors=edge,
                linewidths=width,
                zorder=3,
            )
        ranked = np.argsort(-degree, kind="stable")
        named = set(ranked[:label_top].tolist())
        leaders = {int(community[i]): int(i) for i in ranked[::-1] if community[i] >= 0}
        named |= set(leaders.values())  # and the first state of every community
        named |= {where[c] for c in label if c in where}
        for i in sorted(named):
            ax.annotate(
                net.states[codes[i]].abbrev,
                xy[i],
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold" if codes[i] in label else "normal",
                zorder=4,
            )
        ax.set_title(title or f"Partnership network, {net.year}")
        ax.set_axis_off()
        ax.set_aspect("equal", adjustable="datalim")
        ax.autoscale_view()
        ax.legend(
            handles=[
                Line2D([], [], ls="", marker="D", mec="black", mfc="white", label="OIC member"),
                Line2D([], [], ls="", marker="o", mec="grey", mfc="white", label="other state"),
            ],
            loc="upper left",
            frameon=False,
        )
        fig.text(
            0.01,
            0.01,
            f"{len(codes)} states, {len(net.ties)} ties. Size: weighted degree (strength); "
            "colour: community (Louvain); layout: networkx spring_layout.",
            fontsize=7,
            color="#555555",
        )
        return _save(fig, fmt)


# --- a state's ties over time ------------------------------------------------------------


def state_picture(history: StateHistory, *, fmt: ImageFormat = ImageFormat.PNG) -> bytes:
    """A state's partners per year, stacked inside and outside the OIC; below, the
    partners gained (up) and lost (down) each year."""
    years = np.asarray(history.years.columns["year"], dtype=np.int64)
    inside = _column(history.years, "partners_oic")
    outside = _column(history.years, "partners_outside")
    if inside is None or outside is None:
        inside = np.zeros(len(years))
        outside = _column(history.years, "partners")
        outside = np.zeros(len(years)) if outside is None else outside
    gained = _column(history.years, "gained")
    lost = _column(history.years, "lost")
    if gained is None or lost is None:
        counts = Counter((c.year, c.gained) for c in history.changes)
        gained = np.array([counts[(int(y), True)] for y in years], dtype=np.float64)
        lost = np.array([counts[(int(y), False)] for y in years], dtype=np.float64)
    s = history.state

    with _drawing():
        fig = Figure(figsize=(10, 5.5))
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        top.bar(years, inside, width=0.85, color=_OIC_COLOUR, label="partners in the OIC")
        top.bar(years, outside, width=0.85, bottom=inside, color=_OUTSIDE_COLOUR, label="outside")
        top.set_ylabel("partners")
        top.legend(loc="upper left", frameon=False)
        top.set_title(f"{s.name} ({s.abbrev}): partners per year, {history.first}–{history.last}")
        bottom.axhline(0, color="#555555", linewidth=0.6)
        up, down = gained > 0, lost > 0
        bottom.vlines(years[up], 0, gained[up], color=_OIC_COLOUR, linewidth=1.5)
        bottom.scatter(years[up], gained[up], marker="^", color=_OIC_COLOUR, label="gained")
        bottom.vlines(years[down], -lost[down], 0, color="#b2182b", linewidth=1.5)
        bottom.scatter(years[down], -lost[down], marker="v", color="#b2182b", label="lost")
        bottom.set_ylabel("change")
        bottom.set_xlabel("year")
        bottom.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        fig.align_ylabels()
        return _save(fig, fmt)


# --- a dyad's timeline -------------------------------------------------------------------


def _when(day: date) -> float:
    """``day`` as a fractional year: the timeline's axis."""
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


def _short(text: str, width: int = 48) -> str:
    return textwrap.shorten(text, width=width, placeholder="…")


def dyad_picture(
    history: DyadHistory, *, fmt: ImageFormat = ImageFormat.PNG, until: date | None = None
) -> bytes:
    """Everything joining two states on one time axis: agreements, obligations, operations
    and training as bars from start to end (open ones run to ``until``, default the latest
    date on the timeline, and end in an arrow); exercises, transfers and shared threats as
    points, one row per kind."""
    dated = [e for e in history.events if e.start is not None]
    bars = [e for e in dated if e.kind not in _POINT_KINDS]
    points = [e for e in dated if e.kind in _POINT_KINDS]
    last = until or max(
        (d for e in dated for d in (e.start, e.end) if d is not None), default=date(2000, 1, 1)
    )
    hidden = max(0, len(bars) - _MAX_BARS)
    bars = bars[:_MAX_BARS]
    kinds = [k for k in _POINT_KINDS if any(e.kind == k for e in points)]
    rows = len(bars) + len(kinds)
    a, b = history.a, history.b

    with _drawing():
        fig = Figure(figsize=(10, 1.6 + 0.28 * max(rows, 3)))
        ax = fig.add_subplot()
        labels: list[str] = []
        for row, e in enumerate(bars):
            assert e.start is not None
            start, end = _when(e.start), _when(e.end or last)
            ax.barh(
                row, max(end - start, 0.05), left=start, height=0.6, color=_KIND_COLOURS[e.kind]
            )
            if e.end is None:
                ax.plot([end], [row], marker=">", color=_KIND_COLOURS[e.kind])
            labels.append(f"{e.kind}: {_short(e.label)}")
        for offset, kind in enumerate(kinds):
            when = [_when(e.start) for e in points if e.kind == kind and e.start is not None]
            ax.scatter(when, [len(bars) + offset] * len(when), color=_KIND_COLOURS[kind], s=18)
            labels.append(f"{kind.replace('_', ' ')}s ({len(when)})")
        ax.set_yticks(range(rows), labels)
        ax.set_ylim(max(rows, 1) - 0.5, -0.5)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_title(f"{a.name} ({a.abbrev}) – {b.name} ({b.abbrev}): timeline")
        if not rows:
            ax.text(0.5, 0.5, "nothing on record", transform=ax.transAxes, ha="center")
        if hidden:
            fig.text(0.01, 0.01, f"+{hidden} more not drawn", fontsize=7, color="#555555")
        fig.tight_layout()
        return _save(fig, fmt)


# --- S-scores ----------------------------------------------------------------------------


def sscore_picture(
    labels: Sequence[str],
    matrix: npt.NDArray[np.float64],
    *,
    year: int,
    score: str = "s_valued_abs",
    group: str | None = None,
    fmt: ImageFormat = ImageFormat.PNG,
) -> bytes:
    """A heat map of the S-score ``matrix`` (``similarity.sscore_matrix``): every state
    named on both axes, values from -1 to 1 on a diverging scale, written in the cells
    when there are few of them."""
    n = len(labels)
    side = max(5.0, 2.5 + 0.24 * n)
    tick = 7.0  # a cell is 0.24 in whatever n is: 7-point labels always fit
    with _drawing():
        fig = Figure(figsize=(side + 1.2, side), layout="constrained")
        ax = fig.add_subplot()
        # cells as vector shapes (pcolormesh, not imshow): an SVG holds no embedded bitmap
        image = ax.pcolormesh(matrix, cmap="RdBu", vmin=-1.0, vmax=1.0)
        centres = np.arange(n) + 0.5
        ax.set_xticks(centres, labels, rotation=90, fontsize=tick)
        ax.set_yticks(centres, labels, fontsize=tick)
        ax.invert_yaxis()
        ax.set_aspect("equal")
        ax.spines[:].set_visible(False)
        if n <= 15:
            for (i, j), value in np.ndenumerate(matrix):
                ink = "white" if abs(value) > 0.6 else "black"  # legible on dark cells
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=ink,
                )
        bar = fig.colorbar(image, ax=ax, shrink=0.8, label=score, format="%.1f")
        if bar.solids is not None:
            bar.solids.set_rasterized(False)  # matplotlib rasterises long colour bars
        scope = f"{group}, " if group else ""
        ax.set_title(f"Alliance portfolio similarity ({score}), {scope}{year}")
        return _save(fig, fmt)


# --- a bloc over time --------------------------------------------------------------------


def cohesion_picture(years: Table, *, org: str, fmt: ImageFormat = ImageFormat.PNG) -> bytes:
    """A bloc's cohesion over time: the mean S-score and κ among its members (left axis),
    and the density of its internal ties (right axis). ``years`` is ``questions.Bloc.years``
    (``cohesion_s``, ``cohesion_kappa``, ``density``) or ``similarity.cohesion``'s table
    (``s_valued_abs``, ``kappa_binary``); what it lacks is not drawn."""
    year = np.asarray(years.columns["year"], dtype=np.int64)
    s = _column(years, "cohesion_s", "s_valued_abs")
    kappa = _column(years, "cohesion_kappa", "kappa_binary")
    density = _column(years, "density")
    span = f"{year.min()}–{year.max()}" if len(year) else "no years"
    with _drawing():
        fig = Figure(figsize=(10, 4.5))
        ax = fig.add_subplot()
        handles = []
        if s is not None:
            handles += ax.plot(year, s, color="#2166ac", label="mean S (valued, absolute)")
        if kappa is not None:
            handles += ax.plot(year, kappa, color="#67a9cf", ls="--", label="mean κ (binary)")
        ax.set_ylabel("similarity among members")
        ax.set_ylim(-1.05, 1.05)
        ax.set_xlabel("year")
        if density is not None:
            right = ax.twinx()
            right.spines["right"].set_visible(True)
            handles += right.plot(year, density, color=_OIC_COLOUR, label="density of ties")
            right.set_ylabel("density of internal ties")
            right.set_ylim(0, 1.02)
        ax.legend(handles=handles, loc="lower left", frameon=False)
        ax.set_title(f"{org}: cohesion and density, {span}")
        return _save(fig, fmt)
