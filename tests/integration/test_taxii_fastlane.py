"""The TAXII read fast lane (``intel/taxii/fastlane.py``) answers exactly what the endpoints
answer: for every request below, status, headers, body and the audit entries written are
the same with the lane on and off; it answers the readable pages itself and declines every
error, which the application then answers. On PostgreSQL it stays out of the way."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from taawun.access import tokens
from taawun.access.models import ApiToken, AuditEntry
from taawun.intel.markings import EXTENSION_ID

from .taxii_conftest import PASSWORD, ROOT, Taxii, indicator, malware, taxii_node

OWNER = "tr.liaison"
READER = "pk.liaison"
OUTSIDER = "sa.liaison"  # a third state: party to neither agreement


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_fastlane")


@pytest.fixture(scope="module")
def shared(taxii: Taxii) -> dict[str, Any]:
    secret = indicator(
        extensions={
            EXTENSION_ID: {"extension_type": "property-extension", "classification": "SECRET"}
        }
    )
    batch = [indicator(), malware(), secret, indicator(), malware()]
    taxii.share(OWNER, taxii.shared(), batch)
    own = [indicator(), indicator()]
    taxii.share(OWNER, taxii.own(OWNER), own)
    for user in (OWNER, READER, OUTSIDER):  # a token's first use is recorded: a write
        taxii.objects(user, taxii.own(user), {"limit": "1"})
    return {"batch": batch, "secret": secret, "own": own}


Case = Callable[[Taxii, dict[str, Any]], tuple[str | None, str, dict[str, str], dict[str, str]]]


def _objects(user: str | None, params: dict[str, str] | None = None, **headers: str) -> Case:
    return lambda t, s: (user, f"{ROOT}collections/{t.shared()}/objects/", params or {}, headers)


def _one(user: str, key: str, params: dict[str, str] | None = None) -> Case:
    def case(t: Taxii, s: dict[str, Any]) -> tuple[str | None, str, dict[str, str], dict[str, str]]:
        return user, f"{ROOT}collections/{t.shared()}/objects/{s[key]['id']}/", params or {}, {}

    return case


ANSWERED: dict[str, Case] = {
    "listing": _objects(READER),
    "paged": _objects(READER, {"limit": "2"}),
    "typed": _objects(READER, {"match[type]": "malware", "limit": "1"}),
    "all versions": _objects(READER, {"match[version]": "all"}),
    "nothing after": _objects(READER, {"added_after": "2999-01-01T00:00:00Z"}),
    "own collection": lambda t, s: (OWNER, f"{ROOT}collections/{t.own(OWNER)}/objects/", {}, {}),
    "one object": _one(READER, "secret"),
    "one object's first version": _one(READER, "secret", {"match[version]": "first"}),
    "bare taxii accept": _objects(READER, Accept="application/taxii+json"),
}
DECLINED: dict[str, Case] = {
    "no credentials": _objects(None),
    "basic auth": _objects(
        READER,
        Authorization="Basic " + base64.b64encode(f"{READER}:{PASSWORD}".encode()).decode(),
    ),
    "json accept": _objects(READER, Accept="application/json"),
}
# Refusals the endpoint's own steps raise: the lane answers them with the endpoint's error.
REFUSED: dict[str, Case] = {
    "bad token": _objects(READER, Authorization="Bearer tw_not-a-token"),
    "bad limit": _objects(READER, {"limit": "0"}),
    "bad filter": _objects(READER, {"match[color]": "red"}),
    "bad next": _objects(READER, {"next": "yesterday"}),
    "third state": _objects(OUTSIDER),
    "unknown collection": lambda t, s: (READER, f"{ROOT}collections/nope/objects/", {}, {}),
    "unknown object": lambda t, s: (
        READER,
        f"{ROOT}collections/{t.shared()}/objects/indicator--00000000-0000-4000-8000-00000000dead/",
        {},
        {},
    ),
    "another agency's collection": lambda t, s: (
        READER,
        f"{ROOT}collections/{t.own(OWNER)}/objects/",
        {},
        {},
    ),
}


def _audits(taxii: Taxii) -> int:
    with Session(taxii.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _new_audits(taxii: Taxii, since: int) -> list[tuple[str, Any]]:
    with Session(taxii.engine) as session:
        stmt = select(AuditEntry).order_by(AuditEntry.seq).offset(since)
        return [(e.action, e.detail) for e in session.scalars(stmt)]


def _ask(taxii: Taxii, shared: dict[str, Any], case: Case, lane: bool) -> tuple[Any, ...]:
    taxii.client.app.state.fast_lane = lane  # type: ignore[attr-defined]
    user, path, params, headers = case(taxii, shared)
    since = _audits(taxii)
    response = taxii.get(user, path, params, **headers)
    assert taxii.client.app.state.deferred.flush()  # type: ignore[attr-defined]
    return response.status_code, dict(response.headers), response.content, _new_audits(taxii, since)


def _answers(taxii: Taxii) -> int:
    return int(taxii.client.app.state.fast_lane_answers)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(ANSWERED))
def test_the_lane_answers_readable_pages_as_the_endpoint_does(
    taxii: Taxii, shared: dict[str, Any], backend: str, name: str
) -> None:
    before = _answers(taxii)
    on = _ask(taxii, shared, ANSWERED[name], lane=True)
    answered = _answers(taxii) - before
    off = _ask(taxii, shared, ANSWERED[name], lane=False)
    assert on[0] == 200, on[2][:300]
    assert on == off
    assert _answers(taxii) - before == answered  # with the lane off, nothing passed it
    assert answered == (1 if backend == "sqlite" else 0)  # SQLite only: see fastlane.py


@pytest.mark.parametrize("name", list(DECLINED))
def test_the_lane_declines_what_is_not_its_own(
    taxii: Taxii, shared: dict[str, Any], name: str
) -> None:
    _ask(taxii, shared, DECLINED[name], lane=False)  # a first password login may rehash it
    before = _answers(taxii)
    on = _ask(taxii, shared, DECLINED[name], lane=True)
    assert _answers(taxii) == before  # declined: the application answered
    off = _ask(taxii, shared, DECLINED[name], lane=False)
    # Basic auth is the application's (argon2 in a worker thread); everything else is refused.
    assert on[0] == 200 if name == "basic auth" else on[0] >= 400, on[2][:300]
    assert on == off


@pytest.mark.parametrize("name", list(REFUSED))
def test_the_lane_refuses_as_the_endpoint_does_and_records_it_once(
    taxii: Taxii, shared: dict[str, Any], backend: str, name: str
) -> None:
    before = _answers(taxii)
    on = _ask(taxii, shared, REFUSED[name], lane=True)
    answered = _answers(taxii) - before
    off = _ask(taxii, shared, REFUSED[name], lane=False)
    assert on[0] >= 400, on[2][:300]
    assert on == off  # status, headers, body, and the audit entries written (once each)
    assert answered == (1 if backend == "sqlite" else 0)


def test_a_sensitive_page_read_in_the_lane_is_audited(
    taxii: Taxii, shared: dict[str, Any], backend: str
) -> None:
    secret = shared["secret"]["id"]
    status, _, body, audits = _ask(taxii, shared, _one(READER, "secret"), lane=True)
    assert status == 200 and secret.encode() in body
    reads = [detail for action, detail in audits if action == "intel.read"]
    assert [o["id"] for d in reads for o in d["objects"]] == [secret]
    assert {o["basis"] for d in reads for o in d["objects"]} == {
        f"agreement:{taxii.agreements['sharing']}"
    }


def test_a_token_whose_use_is_due_is_answered_and_its_use_recorded_apart(
    taxii: Taxii, shared: dict[str, Any], backend: str
) -> None:
    digest = tokens.digest(taxii.tokens[READER])
    with Session(taxii.engine) as session:
        session.execute(
            update(ApiToken).where(ApiToken.token_hash == digest).values(last_used_at=None)
        )
        session.commit()
    before = _answers(taxii)
    assert _ask(taxii, shared, ANSWERED["listing"], lane=True)[0] == 200
    assert _answers(taxii) == before + (1 if backend == "sqlite" else 0)
    with Session(taxii.engine) as session:  # _ask waited for the deferred writer
        used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == digest))
    assert used is not None


def test_an_unexpected_error_in_the_lane_is_logged_counted_and_answered_by_the_app(
    taxii: Taxii,
    shared: dict[str, Any],
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before, the lane swallowed any exception and let the application answer: a bug in
    it showed only as a slower request. Now the decline is logged with its traceback and
    counted, and the answer is still the endpoint's."""
    from taawun.intel.taxii import fastlane

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the lane")

    monkeypatch.setattr(fastlane, "answer_objects", broken)
    state = taxii.client.app.state  # type: ignore[attr-defined]
    declines, answers = state.fast_lane_declines, _answers(taxii)
    with caplog.at_level("ERROR", logger="taawun.intel.taxii.fastlane"):
        status, _, body, _ = _ask(taxii, shared, ANSWERED["listing"], lane=True)
    assert status == 200 and b'"objects"' in body  # the endpoint answered
    assert _answers(taxii) == answers
    if backend == "sqlite":  # the lane runs where reads are inline only
        assert state.fast_lane_declines == declines + 1
        (record,) = [r for r in caplog.records if "declined" in r.getMessage()]
        assert record.exc_info is not None and "a bug in the lane" in str(record.exc_info[1])
    else:
        assert state.fast_lane_declines == declines and not caplog.records
