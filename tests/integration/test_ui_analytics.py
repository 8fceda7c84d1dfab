"""The analytics pages on a live node (both backends): each page shows the numbers the REST API
answers for the same question and the same user; its pictures are SVG, its exports and
reports are the API's answers byte for byte (content type, file name); a refused question
names the field on its page (404 for a name naming nothing, 400 otherwise); a confidential
pact counts for its parties' users and not for a third state's, exactly as through the API."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.web.headers import REPORT_POLICY

from .analytics_helpers import record_secret_pact
from .conftest import Node
from .test_ui_agreements import main, sign_in

_ROW = re.compile(r'<th scope="row">(\d{4})</th>\s*<td>([\d,]+)</td>')
_STATE_LINK = re.compile(r'<a href="/analytics/states/(\d+)">')
THIS_YEAR = datetime.now(UTC).year


@pytest.fixture(scope="module")
def pact(node: Node) -> str:
    """The confidential Turkey–Pakistan pact (in force from 2024): its reference."""
    with Session(node.engine) as session:
        ref = record_secret_pact(session)
        session.commit()
    return ref


@pytest.fixture(scope="module")
def turkish(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.liaison") as client:
        yield client


@pytest.fixture(scope="module")
def saudi(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "sa.liaison") as client:
        yield client


def api(node: Node, username: str, path: str) -> Any:
    answer = node.client.get(f"/api/v1/analytics/{path}", headers=node.auth(username))
    assert answer.status_code == 200, answer.text
    return answer


def per_year(html: str) -> dict[int, int]:
    """A page's table of years: the year and the number in its first column."""
    return {int(y): int(n.replace(",", "")) for y, n in _ROW.findall(main(html))}


def alert(html: str) -> str:
    start = html.index('role="alert"')
    return html[start : html.index("</div>", start)]


# --- signed out, the index and its forms ------------------------------------------------------


def test_signed_out_every_analytics_path_sends_to_sign_in(node: Node) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in (
        "/analytics",
        "/analytics/states/TUR",
        "/analytics/network?year=1955",
        "/analytics/pictures/network.svg?year=1955",
        "/analytics/export/measures?year=1955&format=csv",
        "/analytics/reports/state/TUR",
    ):
        answer = browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/sign-in?next=/analytics"), path


def test_the_index_offers_every_question(turkish: TestClient) -> None:
    page = turkish.get("/analytics")
    assert page.status_code == 200
    for target in (
        'action="/analytics/states"',
        'action="/analytics/dyads"',
        'action="/analytics/network"',
        'action="/analytics/sscores"',
        'action="/analytics/blocs"',
        'href="/analytics/blocs/OIC"',
        'href="/analytics/network?year=1955"',
        'href="/analytics/states/640"',  # my state (Turkey, COW 640)
    ):
        assert target in page.text, target


def test_the_index_forms_lead_to_their_pages(turkish: TestClient) -> None:
    client = turkish
    assert client.get("/analytics/states?state=Pakistan").headers["location"] == (
        "/analytics/states/Pakistan"
    )
    dyad = client.get("/analytics/dyads?a=TUR&b=United%20Kingdom")
    assert dyad.status_code == 303
    assert dyad.headers["location"] == "/analytics/dyads/TUR/United%20Kingdom"
    assert client.get("/analytics/blocs?org=NATO").headers["location"] == "/analytics/blocs/NATO"
    empty = client.get("/analytics/dyads?a=TUR&b=")
    assert empty.status_code == 400
    assert "Second state" in alert(empty.text)
    assert 'id="pick-dyad-b" type="text" name="b" maxlength="100" required' in empty.text
    assert empty.text.count('aria-invalid="true"') == 1


# --- a state, a dyad ---------------------------------------------------------------------


def test_a_states_profile_shows_the_apis_numbers(node: Node, turkish: TestClient) -> None:
    page = turkish.get("/analytics/states/TUR?from=1950&to=1960")
    assert page.status_code == 200
    expected = api(node, "tr.liaison", "states/TUR/history?from=1950&to=1960").json()
    partners = {r["year"]: r["partners"] for r in expected["years"]["rows"]}
    assert per_year(page.text) == partners and partners[1955] > 0
    assert "<h1>Turkey: partners 1950–1960</h1>" in page.text
    assert 'src="/analytics/pictures/state/640.svg?from=1950&amp;to=1960"' in page.text
    assert 'href="/analytics/reports/state/640?from=1950&amp;to=1960"' in page.text
    for fmt in ("csv", "json", "parquet"):
        link = "/analytics/export/states/640/history?from=1950&amp;to=1960&amp;table=years"
        assert f'href="{link}&amp;format={fmt}"' in page.text
    # the partners of the last year, each a link to the dyad's page
    assert 'href="/analytics/dyads/640/770"' in page.text  # Pakistan, a Baghdad Pact partner


def test_the_default_years_of_a_profile(turkish: TestClient) -> None:
    page = turkish.get("/analytics/states/Pakistan")
    assert page.status_code == 200
    years = per_year(page.text)
    assert min(years) == 1946 and max(years) == THIS_YEAR  # pictures.span's default
    assert years[1946] == 0 and years[1955] > 0  # Pakistan: from 1947


def test_a_refused_profile_names_the_field(turkish: TestClient) -> None:
    unknown = turkish.get("/analytics/states/Atlantis")
    assert unknown.status_code == 404
    assert "State" in alert(unknown.text) and "Atlantis" in alert(unknown.text)
    late = turkish.get("/analytics/states/TUR?to=3000")
    assert late.status_code == 400
    assert "To (year)" in alert(late.text) and "3000" in alert(late.text)
    assert 'id="years-to"' in late.text and 'aria-invalid="true"' in late.text
    typed = turkish.get("/analytics/states/TUR?from=soon")
    assert typed.status_code == 400 and "From (year)" in alert(typed.text)


def test_a_dyads_timeline_shows_the_apis_events(node: Node, turkish: TestClient) -> None:
    page = turkish.get("/analytics/dyads/TUR/IRQ?from=1950&to=1960")
    assert page.status_code == 200
    expected = api(node, "tr.liaison", "dyads/TUR/IRQ/history?from=1950&to=1960").json()
    events = expected["events"]
    assert events and page.text.count("<td>ATOP 5.1 3275</td>") == sum(
        e["source"] == "ATOP 5.1 3275" for e in events
    )
    rows = main(page.text).split("<tbody>")[1].count("<tr>")
    assert rows == len(events)
    assert 'src="/analytics/pictures/dyad/640/645.svg?from=1950&amp;to=1960"' in page.text
    same = turkish.get("/analytics/dyads/TUR/TUR")
    assert same.status_code == 400 and "Second state" in alert(same.text)


# --- the network, S-scores, a bloc ----------------------------------------------------------


def test_the_network_of_1955_shows_the_apis_measures(node: Node, turkish: TestClient) -> None:
    page = turkish.get("/analytics/network?year=1955")
    assert page.status_code == 200
    network = api(node, "tr.liaison", "network?year=1955").json()
    measures = api(node, "tr.liaison", "measures?year=1955").json()
    states, ties = len(network["states"]), len(network["ties"])
    assert f"{states:,} states" in page.text and f"{ties:,} ties" in page.text
    ranked = sorted(measures, key=lambda r: (-r["weighted_degree"], r["state"]))
    linked = [int(c) for c in _STATE_LINK.findall(main(page.text))]
    assert linked == [r["ccode"] for r in ranked[:50]]
    assert 'src="/analytics/pictures/network.svg?year=1955"' in page.text
    second = turkish.get("/analytics/network?year=1955&sort=weighted_degree&page=2")
    linked = [int(c) for c in _STATE_LINK.findall(main(second.text))]
    assert linked == [r["ccode"] for r in ranked[50:100]]
    by_degree = turkish.get("/analytics/network?year=1955&sort=degree")
    top = max(measures, key=lambda r: (r["degree"], -ord(r["state"][0])))
    assert int(_STATE_LINK.findall(main(by_degree.text))[0]) == top["ccode"]


def test_a_refused_network_names_the_field(turkish: TestClient) -> None:
    for query, label in (("year=3000", "Year"), ("year=1500", "Year"), ("year=x", "Year")):
        page = turkish.get(f"/analytics/network?{query}")
        assert page.status_code == 400, query
        assert label in alert(page.text) and 'aria-invalid="true"' in page.text
        assert "<img" not in main(page.text)
    bogus = turkish.get("/analytics/network?year=1955&sort=bogus")
    assert bogus.status_code == 400 and "Order by" in alert(bogus.text)


def test_sscores_show_the_apis_scores(node: Node, turkish: TestClient) -> None:
    page = turkish.get("/analytics/sscores?year=1956&states=TUR,PAK")
    assert page.status_code == 200
    (row,) = api(node, "tr.liaison", "sscores?year=1956&states=TUR,PAK").json()
    assert f"<td>{row['s_valued_abs']:.3f}</td>" in page.text
    assert f"<td>{row['kappa_binary']:.3f}</td>" in page.text
    assert 'src="/analytics/pictures/sscores.svg?year=1956&amp;states=TUR%2CPAK"' in page.text
    default = turkish.get("/analytics/sscores")
    assert default.status_code == 200 and "8 states" not in default.text
    assert "28 pairs" in default.text  # the eight states of the Baghdad Pact's year
    oic = turkish.get("/analytics/sscores?year=2018&org=OIC")
    total = len(api(node, "tr.liaison", "sscores?year=2018&org=OIC").json())
    assert f"{total:,} pairs" in oic.text and "Page 1 of" in oic.text
    unknown = turkish.get("/analytics/sscores?year=1956&states=TUR,Atlantis")
    assert unknown.status_code == 404 and "States" in alert(unknown.text)
    both = turkish.get("/analytics/sscores?year=1980&states=TUR,PAK&org=OIC")
    assert both.status_code == 400 and "Organisation" in alert(both.text)


def test_the_oic_as_a_bloc(node: Node, turkish: TestClient) -> None:
    page = turkish.get("/analytics/blocs/OIC?from=1990&to=2000")
    assert page.status_code == 200
    expected = api(node, "tr.liaison", "blocs/OIC?from=1990&to=2000").json()
    members = {r["year"]: r["members"] for r in expected["years"]["rows"]}
    assert per_year(page.text) == members and members[2000] > 40
    assert 'src="/analytics/pictures/cohesion/OIC.svg?from=1990&amp;to=2000"' in page.text
    default = turkish.get("/analytics/blocs/OIC")  # 1946 on: years before the OIC's founding
    assert default.status_code == 200 and "NaN" not in default.text and "nan" not in default.text
    assert min(per_year(default.text)) == 1946
    unknown = turkish.get("/analytics/blocs/Atlantis")
    assert unknown.status_code == 400 and "Organisation" in alert(unknown.text)


# --- pictures, exports, reports: the API's answers ------------------------------------------


PICTURES = (
    "network.svg?year=1955",
    "state/TUR.svg?from=1950&to=1960",
    "dyad/TUR/PAK.svg",
    "sscores.svg?year=1956&states=TUR,PAK,IRN",
    "cohesion/OIC.svg?from=1990&to=2000",
)


@pytest.mark.parametrize("picture", PICTURES)
def test_pictures_are_svg(turkish: TestClient, picture: str) -> None:
    answer = turkish.get(f"/analytics/pictures/{picture}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in answer.content[:1000] and answer.content.rstrip().endswith(b"</svg>")


def test_a_picture_as_png(turkish: TestClient) -> None:
    answer = turkish.get("/analytics/pictures/network.png?year=1955")
    assert answer.headers["content-type"] == "image/png"
    assert answer.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert turkish.get("/analytics/pictures/network.gif?year=1955").status_code == 400


EXPORTS = {  # the page's file: the API's
    "export/network?year=1955&format=graphml": "network?year=1955&format=graphml",
    "export/network?year=1955": "network?year=1955",
    "export/measures?year=1955&format=csv": "measures?year=1955&format=csv",
    "export/states/TUR/history?from=1950&to=1960&table=changes&format=csv": (
        "states/TUR/history?from=1950&to=1960&table=changes&format=csv"
    ),
    "export/states/TUR/history?from=1950&to=1960": "states/TUR/history?from=1950&to=1960",
    "export/dyads/TUR/PAK/history?format=csv": "dyads/TUR/PAK/history?format=csv",
    "export/sscores?year=1956&states=TUR,PAK&format=json": "sscores?year=1956&states=TUR,PAK",
    "export/blocs/OIC?from=1990&to=2000&table=external&format=csv": (
        "blocs/OIC?from=1990&to=2000&table=external&format=csv"
    ),
    "reports/dyad/TUR/PAK?from=1950&to=1960": "reports/dyad/TUR/PAK?from=1950&to=1960",
}
HEADERS = ("content-type", "content-disposition")


@pytest.mark.parametrize("path", EXPORTS)
def test_exports_and_reports_are_the_apis_answers(
    node: Node, turkish: TestClient, path: str
) -> None:
    ours = turkish.get(f"/analytics/{path}")
    theirs = api(node, "tr.liaison", EXPORTS[path])
    assert ours.status_code == 200, ours.text
    assert [ours.headers.get(h) for h in HEADERS] == [theirs.headers.get(h) for h in HEADERS]
    if path.startswith("reports/"):  # made at a time, for a viewer: compare the tables
        assert ours.text.split("<table", 1)[1] == theirs.text.split("<table", 1)[1]
    else:
        assert ours.content == theirs.content
    if "format=csv" in path:
        assert next(csv.reader(io.StringIO(ours.text)))  # a header row


def test_a_parquet_export_is_read_by_pyarrow(node: Node, turkish: TestClient) -> None:
    answer = turkish.get("/analytics/export/measures?year=1955&format=parquet")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="measures-1955.parquet"'
    table = pq.read_table(io.BytesIO(answer.content))
    expected = api(node, "tr.liaison", "measures?year=1955").json()
    assert table.num_rows == len(expected) > 50
    assert table.column("ccode").to_pylist() == [r["ccode"] for r in expected]


def test_a_states_report_opens(turkish: TestClient) -> None:
    answer = turkish.get("/analytics/reports/state/TUR?from=1950&to=1960")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"] == 'inline; filename="report-TUR.html"'
    assert "Turkey (TUR): partnerships 1950–1960" in answer.text
    assert "<script" not in answer.text


def test_a_report_has_its_own_policy(turkish: TestClient) -> None:
    answer = turkish.get("/analytics/reports/state/TUR?from=1950&to=1960")
    assert answer.headers["content-security-policy"] == REPORT_POLICY


def test_a_refused_file_names_the_field(turkish: TestClient) -> None:
    unknown = turkish.get("/analytics/pictures/state/Atlantis.svg")
    assert unknown.status_code == 404
    late = turkish.get("/analytics/export/measures?year=2100&format=csv")
    assert late.status_code == 422 and "year: year 2100 is out of range" in late.text


# --- the confidentiality rule --------------------------------------------------------------


def test_a_confidential_pact_counts_for_its_parties_only(
    node: Node, pact: str, turkish: TestClient, saudi: TestClient
) -> None:
    pakistani = sign_in(node, "pk.liaison")
    history = "dyads/TUR/PAK/history?from=2024&format=csv"
    for client, username, sees in (
        (turkish, "tr.liaison", True),
        (pakistani, "pk.liaison", True),
        (saudi, "sa.liaison", False),
    ):
        page = client.get("/analytics/dyads/TUR/PAK?from=2024").text
        assert (pact in main(page)) is sees, username
        export = client.get(f"/analytics/export/{history}")
        theirs = api(node, username, history)
        assert export.content == theirs.content and (pact in export.text) is sees, username
        network = client.get("/analytics/export/network?year=2024").json()
        shared = [t for t in network["ties"] if {t["a"], t["b"]} == {640, 770}]
        assert (pact in shared[0]["agreements"] if shared else False) is sees, username
        assert network == api(node, username, "network?year=2024").json(), username
    assert pact not in saudi.get("/analytics/reports/dyad/TUR/PAK?from=2024").text
    assert pact in turkish.get("/analytics/reports/dyad/TUR/PAK?from=2024").text


# --- the dashboard and the Arabic pages ---------------------------------------------------


def test_the_dashboard_card(node: Node, turkish: TestClient) -> None:
    dashboard = turkish.get("/")
    assert 'href="/analytics/states/640"' in dashboard.text
    assert f'href="/analytics/network?year={THIS_YEAR}"' in dashboard.text
    assert 'hx-get="/analytics/partners"' in dashboard.text
    figure = turkish.get("/analytics/partners")
    assert figure.status_code == 200 and "<html" not in figure.text
    history = api(node, "tr.liaison", f"states/TUR/history?from={THIS_YEAR}&to={THIS_YEAR}")
    (row,) = history.json()["years"]["rows"]
    assert f"My state has {row['partners']:,} partners in {THIS_YEAR}" in figure.text


def test_the_arabic_pages_name_states_in_arabic(node: Node) -> None:
    client = sign_in(node, "pk.liaison")
    client.cookies.set("taawun_lang", "ar")
    page = client.get("/analytics/dyads/TUR/PAK?from=1950&to=1960")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "تركيا" in page.text and "باكستان" in page.text
