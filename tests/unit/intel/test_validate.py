"""validate_envelope: a bad object fails alone; a malformed envelope raises."""

from __future__ import annotations

import pytest

from taawun.intel.validate import EnvelopeError, validate_envelope, validate_object

GOOD = {
    "type": "identity",
    "spec_version": "2.1",
    "name": "Agency",
    "id": "identity--311b2d2d-f010-4473-83ec-1edf84858f4c",
    "created": "2021-01-01T00:00:00.000Z",
    "modified": "2021-02-01T00:00:00.000Z",
}


def test_bad_object_fails_alone() -> None:
    bad = {**GOOD, "modified": "2020-01-01T00:00:00.000Z"}
    results = validate_envelope({"objects": [GOOD, bad, "x"]})
    assert [r.ok for r in results] == [True, False, False]
    assert results[0].version == "2021-02-01T00:00:00.000Z"
    assert results[1].reasons == ("modified: must be later than or equal to created",)
    assert results[2].index == 2 and results[2].id is None


@pytest.mark.parametrize("body", [[], "x", {}, {"objects": {}}])
def test_malformed_envelope_raises(body: object) -> None:
    with pytest.raises(EnvelopeError):
        validate_envelope(body)
    assert issubclass(EnvelopeError, ValueError)


def test_unknown_type_message() -> None:
    assert validate_object({**GOOD, "type": "foo"})[0].startswith(
        "type: unknown STIX 2.1 type 'foo'"
    )
