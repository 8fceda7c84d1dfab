"""The limits on what one submitted object may cost to judge (``intel._stix_limits``):
checked before any parsing, each refusal naming the property and the limit, and never an
exception for what JSON can hold."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import InvalidInput
from taawun.intel import _stix_pattern, changes
from taawun.intel._stix_limits import (
    MAX_DEPTH,
    MAX_OBJECT_BYTES,
    MAX_OBJECTS,
    MAX_PATTERN_LENGTH,
    MAX_REASON_LENGTH,
    MAX_STRING_LENGTH,
    limit_reasons,
)
from taawun.intel._stix_pattern import parse_budget, pattern_errors
from taawun.intel.markings import MarkingDefaults
from taawun.intel.validate import validate_object

from .conftest import World, indicator

EXTENSION = "extension-definition--00000000-0000-4000-8000-00000000beef"


def custom(**properties: Any) -> dict[str, Any]:
    """An indicator that may carry custom properties (a toplevel-property-extension, §7.3)."""
    return indicator(
        1, extensions={EXTENSION: {"extension_type": "toplevel-property-extension"}}, **properties
    )


def nested(levels: int) -> dict[str, Any]:
    """``levels`` objects, one inside the other."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


def test_an_ordinary_object_is_within_every_limit() -> None:
    assert limit_reasons(indicator(1)) == []
    assert limit_reasons(custom(x_list=[[["a"]]], x_text="t" * MAX_STRING_LENGTH)) == []


@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH, 300, 900])
def test_nesting_deeper_than_max_depth_is_refused_at_its_path(levels: int) -> None:
    """The object is level 1 and ``x_deep`` level 2: ``levels`` more nest to level
    ``levels + 1``. Past orjson's 254 levels too, without recursion."""
    reasons = limit_reasons(custom(x_deep=nested(levels)))
    if levels + 1 <= MAX_DEPTH:
        assert reasons == []
        return
    (reason,) = reasons
    assert reason.startswith("x_deep.x.x.x")
    assert f"nested more than {MAX_DEPTH} levels deep (limit MAX_DEPTH)" in reason
    assert validate_object(custom(x_deep=nested(levels))) == [reason]


def test_lists_count_as_levels() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    (reason,) = limit_reasons(custom(x_lists=deep))
    assert reason.startswith("x_lists" + "[0]" * (MAX_DEPTH - 1) + ":")


def test_a_string_or_property_name_over_max_string_length_is_refused() -> None:
    long = "d" * (MAX_STRING_LENGTH + 1)
    assert limit_reasons(indicator(1, description=long)) == [
        f"description: {MAX_STRING_LENGTH + 1:,} characters; a string may have at most "
        f"{MAX_STRING_LENGTH:,} (limit MAX_STRING_LENGTH)"
    ]
    (reason,) = limit_reasons(custom(x_map={long: 1}))
    assert reason.startswith("x_map.ddd") and "a property name may have at most" in reason


def test_a_stix_pattern_over_max_pattern_length_is_refused_before_parsing() -> None:
    pattern = "[file:name = '" + "a" * MAX_PATTERN_LENGTH + "']"
    reason = (
        f"pattern: {len(pattern):,} characters; a STIX pattern may have at most "
        f"{MAX_PATTERN_LENGTH:,} (limit MAX_PATTERN_LENGTH)"
    )
    assert limit_reasons(indicator(1, pattern=pattern)) == [reason]
    assert validate_object(indicator(1, pattern=pattern)) == [reason]
    assert pattern_errors(pattern) == (reason.removeprefix("pattern: "),)
    # Other pattern languages are not parsed: only the limit on any string holds them.
    yara = indicator(1, pattern="rule x { " + "a" * MAX_PATTERN_LENGTH + " }", pattern_type="yara")
    assert limit_reasons(yara) == []


def test_an_object_over_max_object_bytes_is_refused_as_a_whole() -> None:
    parts = ["p" * 100_000] * (MAX_OBJECT_BYTES // 100_000 + 1)
    (reason,) = limit_reasons(custom(x_parts=parts))
    assert reason.startswith("(object): ") and reason.endswith(
        f"one object may have at most {MAX_OBJECT_BYTES:,} (limit MAX_OBJECT_BYTES)"
    )


def test_what_json_cannot_write_back_is_refused() -> None:
    """Python's JSON (the REST share) reads integers of any size; orjson writes 64 bits."""
    (reason,) = validate_object(custom(x_big=2**70))
    assert reason.startswith("(object): cannot be written as JSON")


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("[" + "(" * (MAX_DEPTH - 1) + "file:name = 'x'" + ")" * (MAX_DEPTH - 1) + "]", True),
        ("[" + "(" * MAX_DEPTH + "file:name = 'x'" + ")" * MAX_DEPTH + "]", False),
        ("(" * 400 + "[file:name = 'x']" + ")" * 400, False),
        ("[file:name MATCHES '" + "(" * 100 + "']", True),  # inside a literal: no nesting
    ],
)
def test_pattern_nesting_is_bounded_before_parsing(pattern: str, ok: bool) -> None:
    reasons = validate_object(indicator(1, pattern=pattern))
    if ok:
        assert reasons == []
    else:
        (reason,) = reasons
        assert reason.startswith("pattern: parentheses and brackets nested ")
        assert reason.endswith(f"a pattern may nest at most {MAX_DEPTH} (limit MAX_DEPTH)")


def test_a_parser_out_of_recursion_is_the_patterns_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def recurse(pattern: str, version: str) -> list[str]:
        raise RecursionError

    monkeypatch.setattr(_stix_pattern, "run_validator", recurse)
    _stix_pattern._reference_errors.cache_clear()
    try:
        reasons = validate_object(indicator(1, pattern="[file:name LIKE 'recursion%']"))
    finally:
        _stix_pattern._reference_errors.cache_clear()
    assert reasons == [f"pattern: {_stix_pattern.TOO_DEEP}"]


def test_a_submission_has_a_budget_of_reference_parsing() -> None:
    """Patterns the fast path does not take go to the ANTLR parser; one submission may give
    it ``MAX_PATTERN_PARSING`` characters in all (here a budget of 100)."""
    first = "[file:name LIKE 'first%' AND file:size > 10]"  # 44 characters
    second = "[file:name LIKE 'second%' AND file:size > 10]"  # 45
    third = "[file:name LIKE 'third%' AND file:size > 10]"  # 44: over
    simple = "[file:name = 'simple']"  # the fast path: not counted
    with parse_budget(100):
        verdicts = [
            validate_object(indicator(1, pattern=p)) for p in (first, second, simple, third)
        ]
    assert verdicts[:3] == [[], [], []]
    (reason,) = verdicts[3]
    assert reason.startswith("pattern: this submission's patterns that need the full §9 parser")
    assert "(limit MAX_PATTERN_PARSING)" in reason
    assert validate_object(indicator(1, pattern=third)) == []  # no budget outside a submission


def test_reasons_quoting_huge_values_are_cut() -> None:
    bad = {
        "type": "file",
        "spec_version": "2.1",
        "id": "file--00000000-0000-4000-8000-00000000f11e",
        "hashes": {"SHA-256": "a" * 100_000},
    }
    (reason,) = validate_object(bad)
    assert reason.startswith("hashes: 'aaa") and len(reason) == MAX_REASON_LENGTH


def test_a_submission_of_more_than_max_objects_is_refused_whole(
    loaded_db: Session, world: World
) -> None:
    """An outcome each would cost without bound (10 MiB of ``0,`` is five million)."""
    share = partial(
        changes.share,
        world.user("TUR-MIT"),
        loaded_db,
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    with pytest.raises(InvalidInput) as refused:
        share(objects=[indicator(1)] + [0] * MAX_OBJECTS)
    assert refused.value.field == "objects"
    assert refused.value.message == (
        f"objects: {MAX_OBJECTS + 1:,} objects; a submission may carry at most "
        f"{MAX_OBJECTS:,} (limit MAX_OBJECTS): send them in several"
    )
    report = share(objects=[indicator(1)] + [0] * (MAX_OBJECTS - 1))
    assert (report.total, report.stored, report.failed) == (MAX_OBJECTS, 1, MAX_OBJECTS - 1)


def test_an_outcome_names_a_huge_id_briefly(loaded_db: Session, world: World) -> None:
    too_long_id = "indicator--" + "0" * MAX_STRING_LENGTH
    report = changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(2, id=too_long_id), indicator(3)],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    assert (report.stored, report.failed) == (1, 1)
    outcome = report.outcomes[0]
    assert outcome.id is not None and len(outcome.id) == 300  # the outcome stays small
    assert outcome.id.startswith("indicator--000") and outcome.id.endswith("…")
    (reason,) = outcome.reasons
    assert reason.startswith("id: ") and reason.endswith("(limit MAX_STRING_LENGTH)")
