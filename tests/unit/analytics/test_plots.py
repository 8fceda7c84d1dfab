"""The pictures of ``analytics.plots``, drawn from hand-built answers: PNG of the right
size and not blank, SVG that parses and names what it draws, the same bytes twice."""

from __future__ import annotations

import io
import threading
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest
from matplotlib.image import imread

from taawun.analytics import plots
from taawun.analytics.network import Network, StateNode, Tie
from taawun.analytics.plots import ImageFormat
from taawun.analytics.questions import DyadHistory, Event, PartnerChange, StateHistory, StateName
from taawun.analytics.schemas import Table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
TUR = StateName(640, "TUR", "Turkey")
PAK = StateName(770, "PAK", "Pakistan")
IRN = StateName(630, "IRN", "Iran")
UKG = StateName(200, "UKG", "United Kingdom")
USA = StateName(2, "USA", "United States of America")


def texts(svg: bytes) -> list[str]:
    """Every text of an SVG (it parses, or the test fails)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return np.asarray(imread(io.BytesIO(png), format="png"))


def assert_drawn(png: bytes, width: int, height: int) -> None:
    """A PNG of ``width`` × ``height`` pixels with something on it (not one flat colour)."""
    image = pixels(png)
    assert image.shape[:2] == (height, width)
    assert float(image[..., :3].std()) > 0.02


@pytest.fixture
def net() -> Network:
    states = {
        s.ccode: StateNode(s.ccode, s.abbrev, s.name, oic=s in (TUR, PAK, IRN))
        for s in (TUR, PAK, IRN, UKG, USA)
    }
    ties = [
        Tie(200, 640, 3.0, ("defense",), ("mutual_defense",), ("ATOP 5.1 3275",)),
        Tie(200, 770, 3.0, ("defense",), ("mutual_defense",), ("ATOP 5.1 3275",)),
        Tie(640, 770, 4.5, ("defense",), ("mutual_defense",), ("ATOP 5.1 3275", "X 1")),
        Tie(630, 640, 3.0, ("defense",), ("mutual_defense",), ("ATOP 5.1 3275",)),
        Tie(2, 640, 3.0, ("defense",), ("mutual_defense",), ("ATOP 5.1 3180",)),
    ]
    return Network(1956, states, ties)


def measures_of(net: Network) -> Table:
    codes = sorted(net.states)
    wd = {c: sum(t.strength for t in net.ties if c in (t.a, t.b)) for c in codes}
    return Table(
        "measures",
        {
            "ccode": np.array(codes),
            "weighted_degree": np.array([wd[c] for c in codes]),
            "community": np.array([0 if c in (2, 200) else 1 for c in codes]),
        },
    )


def test_the_network_as_png_and_svg(net: Network) -> None:
    assert_drawn(plots.network_picture(net, measures_of(net)), 1000, 850)
    svg = plots.network_picture(net, measures_of(net), fmt=ImageFormat.SVG)
    words = texts(svg)
    assert "Partnership network, 1956" in words
    assert {"TUR", "PAK", "IRN", "UKG", "USA"} <= set(words)
    assert "OIC member" in words
    titled = plots.network_picture(net, fmt=ImageFormat.SVG, title="PAK and its partners")
    assert "PAK and its partners" in texts(titled)


def test_the_network_labels_only_the_top_states_and_those_asked(net: Network) -> None:
    words = set(texts(plots.network_picture(net, fmt=ImageFormat.SVG, label_top=1)))
    assert "TUR" in words and "PAK" not in words and "USA" not in words
    words = set(texts(plots.network_picture(net, fmt=ImageFormat.SVG, label_top=1, label=[2])))
    assert {"TUR", "USA"} <= words and "PAK" not in words


def test_pictures_are_deterministic(net: Network) -> None:
    one = plots.network_picture(net, measures_of(net), fmt=ImageFormat.SVG)
    assert one == plots.network_picture(net, measures_of(net), fmt=ImageFormat.SVG)
    assert b"<dc:date>" not in one
    assert plots.network_picture(net) == plots.network_picture(net)


def test_pictures_drawn_from_threads_are_those_drawn_alone(net: Network) -> None:
    alone = plots.network_picture(net, fmt=ImageFormat.SVG)
    found: list[bytes] = []
    workers = [
        threading.Thread(
            target=lambda: found.append(plots.network_picture(net, fmt=ImageFormat.SVG))
        )
        for _ in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert found == [alone] * 4


def test_an_empty_network_still_draws(net: Network) -> None:
    empty = Network(1816, {}, [])
    assert "Partnership network, 1816" in texts(plots.network_picture(empty, fmt=ImageFormat.SVG))


@pytest.fixture
def history() -> StateHistory:
    years = np.arange(1954, 1962)
    oic = np.array([0, 0, 1, 2, 2, 2, 1, 1])
    outside = np.array([1, 1, 3, 4, 4, 5, 5, 2])
    changes = [
        PartnerChange(1955, UKG, True, ("ATOP 5.1 3275",)),
        PartnerChange(1956, TUR, True, ("ATOP 5.1 3275",)),
        PartnerChange(1961, USA, False, ("ATOP 5.1 3180",)),
    ]
    return StateHistory(
        PAK,
        1954,
        1961,
        Table(
            "profile",
            {
                "year": years,
                "partners": oic + outside,
                "partners_oic": oic,
                "partners_outside": outside,
            },
        ),
        changes,
    )


def test_a_states_ties_over_time(history: StateHistory) -> None:
    assert_drawn(plots.state_picture(history), 1000, 550)
    words = texts(plots.state_picture(history, fmt=ImageFormat.SVG))
    assert "Pakistan (PAK): partners per year, 1954–1961" in words
    assert {"partners in the OIC", "outside", "gained", "lost"} <= set(words)


def test_gains_and_losses_come_from_the_table_when_it_has_them(history: StateHistory) -> None:
    """The markers are drawn from ``gained``/``lost`` when the table has them, else from
    the changes: two histories that differ only there give different pictures."""
    with_columns = StateHistory(
        history.state,
        history.first,
        history.last,
        Table(
            "profile",
            {
                **history.years.columns,
                "gained": np.array([0, 0, 0, 3, 0, 0, 0, 0]),
                "lost": np.zeros(8, dtype=np.int64),
            },
        ),
        history.changes,
    )
    assert plots.state_picture(with_columns) != plots.state_picture(history)


@pytest.fixture
def dyad() -> DyadHistory:
    return DyadHistory(
        TUR,
        PAK,
        [
            Event(date(1955, 2, 24), date(1979, 3, 15), "agreement", "Baghdad Pact", "ATOP 3275"),
            Event(date(1955, 2, 24), date(1979, 3, 15), "obligation", "defense", "ATOP 3275"),
            Event(date(2003, 6, 1), None, "agreement", "High-Level Cooperation", "node 12"),
            Event(date(2004, 5, 1), date(2004, 5, 10), "exercise", "Ataturk-I", "MME row 9"),
            Event(date(2011, 5, 1), date(2011, 5, 10), "exercise", "Ataturk-II", "MME row 10"),
            Event(date(2018, 1, 1), None, "transfer", "TIV 1540", "SIPRI TUR→PAK"),
            Event(date(2020, 1, 1), None, "shared_threat", "TTP", "threat 4"),
        ],
    )


def test_a_dyad_timeline(dyad: DyadHistory) -> None:
    png = plots.dyad_picture(dyad)
    assert pixels(png).shape[1] == 1000
    assert_drawn(png, 1000, pixels(png).shape[0])
    words = texts(plots.dyad_picture(dyad, fmt=ImageFormat.SVG))
    assert "Turkey (TUR) – Pakistan (PAK): timeline" in words
    assert "agreement: Baghdad Pact" in words
    assert {"exercises (2)", "transfers (1)", "shared threats (1)"} <= set(words)


def test_a_long_dyad_timeline_draws_its_first_bars_and_counts_the_rest() -> None:
    events = [
        Event(date(1900 + i, 1, 1), date(1901 + i, 1, 1), "agreement", f"pact {i}", f"S {i}")
        for i in range(45)
    ]
    words = texts(plots.dyad_picture(DyadHistory(TUR, PAK, events), fmt=ImageFormat.SVG))
    assert "agreement: pact 39" in words and "agreement: pact 40" not in words
    assert "+5 more not drawn" in words


def test_an_empty_dyad_says_so() -> None:
    words = texts(plots.dyad_picture(DyadHistory(TUR, PAK, []), fmt=ImageFormat.SVG))
    assert "nothing on record" in words


def test_the_sscore_heat_map_names_every_state() -> None:
    labels = ["TUR", "PAK", "IRN", "IRQ", "SAU"]
    rng = np.random.default_rng(1)
    m = rng.uniform(-1, 1, (5, 5))
    m = (m + m.T) / 2
    np.fill_diagonal(m, 1.0)
    svg = plots.sscore_picture(labels, m, year=2010, group="OIC", fmt=ImageFormat.SVG)
    words = texts(svg)
    assert b"<image" not in svg  # cells are vector shapes, not an embedded bitmap
    assert "Alliance portfolio similarity (s_valued_abs), OIC, 2010" in words
    for name in labels:
        assert words.count(name) == 2  # both axes
    assert words.count("1.00") == 5  # the diagonal, written in the cells
    assert_drawn(plots.sscore_picture(labels, m, year=2010), 620, 500)


def test_a_large_heat_map_names_every_state_without_writing_values() -> None:
    labels = [f"S{i:02d}" for i in range(57)]
    words = texts(plots.sscore_picture(labels, np.eye(57), year=2010, fmt=ImageFormat.SVG))
    assert all(words.count(name) == 2 for name in labels)
    assert "1.00" not in words


def test_cohesion_and_density_over_time() -> None:
    years = Table(
        "bloc",
        {
            "year": np.arange(1970, 1980),
            "cohesion_s": np.linspace(0.2, 0.5, 10),
            "cohesion_kappa": np.linspace(0.0, 0.3, 10),
            "density": np.linspace(0.05, 0.1, 10),
        },
    )
    words = texts(plots.cohesion_picture(years, org="OIC", fmt=ImageFormat.SVG))
    assert "OIC: cohesion and density, 1970–1979" in words
    assert {"mean S (valued, absolute)", "mean κ (binary)", "density of ties"} <= set(words)
    assert_drawn(plots.cohesion_picture(years, org="OIC"), 1000, 450)


def test_cohesion_draws_similaritys_table_without_density() -> None:
    years = Table(
        "cohesion",
        {
            "year": np.arange(2000, 2005),
            "s_valued_abs": np.full(5, 0.4),
            "kappa_binary": np.full(5, 0.1),
        },
    )
    words = texts(plots.cohesion_picture(years, org="NATO", fmt=ImageFormat.SVG))
    assert "mean S (valued, absolute)" in words and "density of ties" not in words
