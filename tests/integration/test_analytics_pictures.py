"""Pictures and reports on the real record: ``analytics.pictures``, ``analytics.report``,
``taawun plot``, ``taawun report`` and ``GET /api/v1/analytics/plots|reports/...``.

Pictures are checked as a reader would: PNG of the expected size and not blank, SVG that
parses and names its title and states; reports are whole offline pages (no address outside
them), cite their sources, and never show a confidential agreement to a viewer who may not
see it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from taawun.analytics import pictures, report, similarity
from taawun.analytics.plots import ImageFormat
from taawun.cli.main import cli
from taawun.core.clock import FixedClock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal

from .analytics_helpers import cli_env, record_secret_pact, refused, user_of
from .conftest import Node

PNG = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
BAGHDAD_PACT = "ATOP 5.1 3275"
SECRET_TITLE = "Turkey–Pakistan picture-test pact"
PUBLIC = Principal.public()


def svg_texts(svg: bytes | str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def png_shape(png: bytes) -> tuple[int, int]:
    """Height and width of a PNG that is not blank (one flat colour)."""
    assert png.startswith(PNG)
    image = np.asarray(imread(io.BytesIO(png), format="png"))
    assert float(image[..., :3].std()) > 0.02
    return image.shape[0], image.shape[1]


class Page(HTMLParser):
    """What a page is made of: its tags, the addresses it loads or links, its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.addresses: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.addresses += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_offline(html: str) -> Page:
    """A whole page that loads nothing from anywhere: no script, no stylesheet link, no
    address (``http://``, ``https://``) at all; its pictures inline."""
    page = Page(html)
    assert html.startswith("<!DOCTYPE html>") and page.tags[0] == "html"
    assert "http://" not in html and "https://" not in html
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert all(a.startswith(("#", "data:")) for a in page.addresses), page.addresses
    return page


# --- the use cases, on the record (both backends) ----------------------------------------


def test_a_state_report_is_a_whole_offline_page_citing_its_sources(
    record_db: Session, clock: FixedClock
) -> None:
    steps: list[str] = []
    html = report.state_report(
        PUBLIC,
        record_db,
        state="PAK",
        first=1990,
        last=2018,
        clock=clock,
        on_progress=lambda stage, done, total: steps.append(f"{stage} {done}/{total}"),
    )
    page = assert_offline(html)
    assert steps[-1] == "page 5/5"
    assert "<title>Pakistan (PAK): partnerships 1990–2018</title>" in html
    for heading in (
        "Partners over time",
        "Partners gained and lost",
        "What partnership brought",
        "Place in the network, 2018",
        "Sources",
    ):
        assert f"<h2>{heading}</h2>" in html
    assert page.tags.count("table") >= 5 and page.tags.count("svg") == 2
    text = " ".join(page.text)
    assert "As seen by the public" in text and "Generated 2026-11-24 12:00 UTC" in text
    assert "Alliance Treaty Obligations and Provisions (ATOP), version 5.1" in text
    assert "SIPRI Arms Transfers Database" in text  # Pakistan received arms 1990-2018
    assert "SIPRI TIV 1990 China→Pakistan" in text  # ... traced to their rows
    assert "PAK and its partners, 2018" in text and "USA" in text  # the pictures' text


def test_a_dyad_report_shows_the_baghdad_pact_and_its_source(
    record_db: Session, clock: FixedClock
) -> None:
    html = report.dyad_report(PUBLIC, record_db, a="TUR", b="PAK", clock=clock)
    page = assert_offline(html)
    text = " ".join(page.text)
    assert "Turkey (TUR) – Pakistan (PAK): timeline" in text  # the picture, inline
    assert BAGHDAD_PACT in text and "Baghdad" in text
    assert page.tags.count("svg") == 1 and page.tags.count("table") == 2


def test_pictures_of_the_record_name_what_they_draw(record_db: Session, clock: FixedClock) -> None:
    def svg(draw: object, **options: object) -> list[str]:
        assert callable(draw)
        return svg_texts(draw(PUBLIC, record_db, fmt=ImageFormat.SVG, clock=clock, **options))

    words = svg(pictures.network_plot, year=1956)
    assert "Partnership network, 1956" in words and {"USA", "TUR", "UKG"} <= set(words)
    assert "Pakistan (PAK): partners per year, 1947–2018" in svg(
        pictures.state_plot, state="PAK", first=1947, last=2018
    )
    assert "Turkey (TUR) – Pakistan (PAK): timeline" in svg(pictures.dyad_plot, a="TUR", b="PAK")
    assert "OIC: cohesion and density, 1990–2000" in svg(
        pictures.cohesion_plot, org="OIC", first=1990, last=2000
    )
    labels, _ = similarity.sscore_matrix(PUBLIC, record_db, year=2010, org="OIC", clock=clock)
    words = svg(pictures.sscores_plot, year=2010, org="OIC")
    assert len(labels) > 50 and all(words.count(label) >= 2 for label in labels)
    png = pictures.network_plot(PUBLIC, record_db, year=2018, fmt=ImageFormat.PNG, clock=clock)
    assert png_shape(png) == (850, 1000)


def test_bad_years_are_refused_naming_the_field(record_db: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        pictures.network_plot(PUBLIC, record_db, year=1700, fmt=ImageFormat.PNG, clock=clock)
    assert refused.value.field == "year"
    with pytest.raises(InvalidInput) as refused:
        report.state_report(PUBLIC, record_db, state="PAK", first=2018, last=1990, clock=clock)
    assert refused.value.field == "from"


# --- confidentiality ---------------------------------------------------------------------


@pytest.fixture
def secret(record_db: Session) -> str:
    """A confidential Turkey–Pakistan pact in force from 2024: its parties' users see it."""
    return record_secret_pact(record_db, SECRET_TITLE)


def test_pictures_and_reports_show_a_confidential_pact_only_to_who_may_see_it(
    record_db: Session, secret: str, clock: FixedClock
) -> None:
    turkish, saudi = user_of(record_db, "TUR"), user_of(record_db, "SAU")

    def dyad(viewer: Principal) -> tuple[str, str]:
        html = report.dyad_report(viewer, record_db, a="TUR", b="PAK", clock=clock)
        svg = pictures.dyad_plot(
            viewer, record_db, a="TUR", b="PAK", fmt=ImageFormat.SVG, clock=clock
        )
        return html, " ".join(svg_texts(svg))

    def state(viewer: Principal) -> str:
        return report.state_report(
            viewer, record_db, state="PAK", first=2020, last=2026, clock=clock
        )

    (html, picture), pakistan = dyad(turkish), state(turkish)
    assert SECRET_TITLE in html and secret in html and SECRET_TITLE in picture
    assert secret in pakistan and "As seen by analyst-tur (analyst)" in pakistan
    (html, picture), pakistan = dyad(saudi), state(saudi)
    assert SECRET_TITLE not in html and secret not in html and SECRET_TITLE not in picture
    assert secret not in pakistan and "As seen by analyst-sau (analyst)" in pakistan


# --- the CLI -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(record_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI pointed at the session's record database (pictures and reports only read)."""
    return cli_env(record_engine, tmp_path_factory.mktemp("pictures-home"))


def run(env: dict[str, str], *args: str) -> tuple[bytes, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.stderr + repr(result.exception)
    return result.stdout_bytes, result.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plot_writes_pictures_in_the_format_of_their_suffix(
    env: dict[str, str], tmp_path: Path
) -> None:
    png, svg = tmp_path / "net.png", tmp_path / "oic.svg"
    _, err = run(env, "plot", "network", "--year", "1956", "-o", str(png))
    assert png_shape(png.read_bytes()) == (850, 1000) and f"→ {png}" in " ".join(err.split())
    run(env, "plot", "sscores", "--org", "OIC", "--year", "2010", "-o", str(svg))
    assert "Alliance portfolio similarity (s_valued_abs), OIC, 2010" in svg_texts(svg.read_bytes())
    out, _ = run(env, "plot", "dyad", "TUR", "PAK", "--format", "svg")
    assert "Turkey (TUR) – Pakistan (PAK): timeline" in svg_texts(out)
    out, _ = run(env, "plot", "state", "PAK", "--from", "1990", "--to", "2018")
    assert png_shape(out)[1] == 1000  # PNG to a pipe is fine


def test_report_writes_an_html_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "pak.html"
    _, err = run(env, "report", "state", "PAK", "--from", "1990", "--to", "2018", "-o", str(target))
    html = target.read_text(encoding="utf-8")
    assert target.stat().st_size > 10_000 and "report," in err
    assert "<title>Pakistan (PAK): partnerships 1990–2018</title>" in html
    assert_offline(html)
    out, _ = run(env, "report", "dyad", "TUR", "PAK")  # to stdout
    assert BAGHDAD_PACT in out.decode()
    assert_offline(out.decode())


def test_plot_refuses_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    code, err = refused(env, "plot", "network", "--year", "2018", stdout=Terminal())
    assert (code, err) == (
        2,
        "error: --format png is binary: give --output FILE or redirect standard output",
    )
    code, err = refused(env, "plot", "network", "--year", "1700", "-o", str(tmp_path / "x.png"))
    assert code == 2 and err.startswith("error: year: year 1700 is out of range (1815-")
    code, err = refused(env, "plot", "network", "--year", "2018", "-o", str(tmp_path / "x.gif"))
    assert code == 2 and "give --format png or svg" in err
    assert not (tmp_path / "x.png").exists()


# --- the API -----------------------------------------------------------------------------

PLOTS = "/api/v1/analytics/plots"
REPORTS = "/api/v1/analytics/reports"


def test_the_api_answers_pictures(node: Node) -> None:
    auth = node.auth("sa.viewer")
    svg = node.client.get(f"{PLOTS}/network?year=1956&format=svg", headers=auth)
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "Partnership network, 1956" in svg_texts(svg.content)
    png = node.client.get(f"{PLOTS}/network?year=1956", headers=auth)
    assert png.headers["content-type"] == "image/png" and png_shape(png.content) == (850, 1000)
    for path in (
        "/state?state=PAK&from=1990&to=2018",
        "/dyad?a=TUR&b=PAK",
        "/sscores?year=2010&states=TUR,PAK,IRN,SAU",
        "/cohesion?org=OIC&from=1990&to=2000",
    ):
        answer = node.client.get(f"{PLOTS}{path}&format=svg", headers=auth)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == "image/svg+xml"
        assert svg_texts(answer.content)
    words = svg_texts(
        node.client.get(
            f"{PLOTS}/sscores?year=2010&states=TUR,PAK,IRN,SAU&format=svg", headers=auth
        ).content
    )
    assert all(words.count(s) == 2 for s in ("TUR", "PAK", "IRN", "SAU"))


def test_the_api_answers_reports(node: Node) -> None:
    auth = node.auth("sa.viewer")
    state = node.client.get(f"{REPORTS}/state/PAK?from=1990&to=2018", headers=auth)
    assert state.status_code == 200, state.text
    assert state.headers["content-type"].startswith("text/html")
    assert "<title>Pakistan (PAK): partnerships 1990–2018</title>" in state.text
    assert "As seen by sa.viewer (viewer)" in state.text
    disposition = 'inline; filename="report-PAK.html"'
    assert state.headers["content-disposition"] == disposition
    assert_offline(state.text)
    dyad = node.client.get(f"{REPORTS}/dyad/TUR/PAK", headers=auth)
    assert dyad.status_code == 200 and BAGHDAD_PACT in dyad.text


def test_the_api_refuses_what_it_must(node: Node) -> None:
    auth = node.auth("sa.viewer")
    assert node.client.get(f"{PLOTS}/network?year=1956").status_code == 401
    assert node.client.get(f"{REPORTS}/state/PAK").status_code == 401
    bad = node.client.get(f"{PLOTS}/network?year=1700", headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "year"
    bad = node.client.get(f"{REPORTS}/state/PAK?from=2018&to=1990", headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "from"
    bad = node.client.get(f"{PLOTS}/network?year=2018&format=gif", headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "format"


def test_a_report_is_served_with_a_policy_that_lets_it_render(node: Node) -> None:
    answer = node.client.get(f"{REPORTS}/dyad/TUR/PAK", headers=node.auth("sa.viewer"))
    policy = answer.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in policy and "script-src" not in policy
