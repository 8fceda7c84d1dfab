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
"""

from __future__ import annotations

import re
from functools import lru_cache

from stix2patterns.v21.object_validator import HASHES_REGEX
from stix2patterns.validator import run_validator

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
    return tuple(str(error) for error in run_validator(pattern, version))


def pattern_errors(pattern: str, version: str = "2.1") -> tuple[str, ...]:
    """The reference's error messages for ``pattern`` (empty when valid)."""
    simple = version == "2.1" and _SIMPLE.match(pattern) is not None
    if simple and ("hashes" not in pattern or _hashes_ok(pattern)):
        return ()
    return _reference_errors(pattern, version)
