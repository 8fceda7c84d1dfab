"""STIX patterning (STIX 2.1 §9) checked as the reference ``stix2-patterns`` does.

The reference parser (ANTLR, pure Python) costs about half a millisecond per
pattern, and patterns seldom repeat, so a cache alone does not help. Most
indicators carry one of a few simple shapes::

    [ipv4-addr:value = '198.51.100.7']
    [file:hashes.'SHA-256' = '...' OR file:name = 'x.exe'] AND [url:value != '...']

``pattern_errors`` accepts those with one regular expression (written so that
everything it matches is a sentence of the §9 grammar, a claim the agreement
tests check against the reference) and hands everything else to
``stix2patterns.validator.run_validator``, whose first message it returns.

What a pattern may cost is bounded (``_stix_limits``): one longer than
``MAX_PATTERN_LENGTH`` is refused before any parsing; within ``parse_budget`` (one
submission) the patterns handed to the reference parser may total
``MAX_PATTERN_PARSING`` characters, and those past it are refused; one whose parentheses
and brackets nest deeper than ``MAX_DEPTH`` is refused before parsing, and should the
parser still run out of recursion, that is the pattern's reason instead of an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from stix2patterns.v21.object_validator import HASHES_REGEX
from stix2patterns.validator import run_validator

from taawun.intel._stix_limits import MAX_DEPTH, MAX_PATTERN_LENGTH, pattern_too_long

# Words the §9 lexer reads as keywords or literals, in any case; never identifiers here.
_KEYWORD = (
    r"(?!(?i:and|or|not|followedby|like|matches|issuperset|issubset|last|in|start|stop"
    r"|seconds|true|false|within|repeats|times)(?![A-Za-z0-9_-]))"
)
_TYPE = _KEYWORD + r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_STEP = _KEYWORD + r"[a-z_][a-z0-9_]*"
_PATH = rf"{_STEP}(?:\.(?:{_STEP}|'[A-Za-z0-9-]+'))*"
_STRING = r"'(?:[^'\\]|\\['\\])*'"
_INTEGER = r"(?:0|[1-9][0-9]{0,8})"
_COMPARISON = rf"{_TYPE}:{_PATH} ?!?= ?(?:{_STRING}|{_INTEGER})"
_OBSERVATION = rf"\[{_COMPARISON}(?: (?:AND|OR) {_COMPARISON})*\]"
_SIMPLE = re.compile(rf"{_OBSERVATION}(?: (?:AND|OR|FOLLOWEDBY) {_OBSERVATION})*\Z")
_HASH_COMPARISON = re.compile(rf"{_TYPE}:({_PATH}) ?!?= ?({_STRING}|{_INTEGER})")
_LITERAL = re.compile(_STRING)  # the quoted part of every literal: 'x', t'...', h'...', b'...'
_GROUPING = re.compile(r"[()\[\]]")
TOO_DEEP = "nested too deeply for the STIX patterning parser (§9)"


@dataclass(slots=True)
class _Budget:
    left: int
    limit: int


_budget: ContextVar[_Budget | None] = ContextVar("pattern_parse_budget", default=None)


@contextmanager
def parse_budget(characters: int) -> Iterator[None]:
    """Within the block, the patterns handed to the reference parser may total
    ``characters``; each one past that is refused (one submission's share of the time)."""
    token = _budget.set(_Budget(characters, characters))
    try:
        yield
    finally:
        _budget.reset(token)


def _hashes_ok(pattern: str) -> bool:
    """The reference's one semantic check: hash values fit their algorithm."""
    for match in _HASH_COMPARISON.finditer(pattern):
        steps = match.group(1).split(".")
        if "hashes" not in steps:
            continue
        algorithm = steps[-1].upper().replace("-", "").replace("'", "")
        rule = HASHES_REGEX.get(algorithm)
        if rule is not None and not re.match(rule[0], match.group(2).replace("'", "")):
            return False
    return True


@lru_cache(maxsize=4096)
def _reference_errors(pattern: str, version: str) -> tuple[str, ...]:
    try:
        return tuple(str(error) for error in run_validator(pattern, version))
    except RecursionError:  # the ANTLR parser recurses once or more per parenthesis
        return (TOO_DEEP,)


def _nesting(pattern: str) -> int:
    """How deep the pattern's parentheses and observation brackets nest, literals aside."""
    depth = deepest = 0
    for mark in _GROUPING.findall(_LITERAL.sub("''", pattern)):
        if mark in "([":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _over_budget(pattern: str) -> str | None:
    budget = _budget.get()
    if budget is None:
        return None
    if len(pattern) > budget.left:
        return (
            f"this submission's patterns that need the full §9 parser already total "
            f"{budget.limit - budget.left:,} characters, and this one's {len(pattern):,} "
            f"would pass the {budget.limit:,} allowed (limit MAX_PATTERN_PARSING); "
            "send it in another submission"
        )
    budget.left -= len(pattern)
    return None


def pattern_errors(pattern: str, version: str = "2.1") -> tuple[str, ...]:
    """The reference's error messages for ``pattern`` (empty when valid)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return (pattern_too_long(len(pattern)),)
    simple = version == "2.1" and _SIMPLE.match(pattern) is not None
    if simple and ("hashes" not in pattern or _hashes_ok(pattern)):
        return ()
    deepest = _nesting(pattern)
    if deepest > MAX_DEPTH:
        return (
            f"parentheses and brackets nested {deepest} deep; a pattern may nest at most "
            f"{MAX_DEPTH} (limit MAX_DEPTH)",
        )
    refused = _over_budget(pattern)
    if refused is not None:
        return (refused,)
    return _reference_errors(pattern, version)
