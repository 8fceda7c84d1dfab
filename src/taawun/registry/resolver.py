"""Naming a state: ISO3, ISO2, COW code, COW abbreviation or a common name.

``TUR``, ``TR``, ``640``, ``Turkey`` and ``Türkiye`` all name Turkey. A name
that fits several states, or none, fails with the closest candidates. Names
are matched by the countrycode project's regular expressions
(``country.name.en.regex`` in crosswalk/countrycode_codelist_without_cldr.csv).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func
from sqlalchemy.orm import Session

from taawun.core.errors import Ambiguous, NotFound
from taawun.core.integers import INT32_MAX, bounded_int
from taawun.registry import repository
from taawun.registry.models import State


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@lru_cache(maxsize=512)
def _pattern(regex: str) -> re.Pattern[str] | None:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error:
        return None


def _label(state: State) -> str:
    codes = "/".join(str(c) for c in (state.iso3, state.cow_code) if c is not None)
    return f"{state.name} ({codes})" if codes else state.name


def _unique(found: list[State], query: str, field: str) -> State | None:
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise Ambiguous(
            f"{field}: {query!r} names several states: " + "; ".join(_label(s) for s in found),
            field=field,
            value=query,
            candidates=[_label(s) for s in found],
        )
    return None


def resolve_state(session: Session, query: str, *, field: str = "state") -> State:
    text = query.strip()
    if not text:
        raise NotFound(f"{field}: a state name or code is required", field=field, value=query)
    if (cow_code := bounded_int(text, maximum=INT32_MAX)) is not None:
        found = repository.states_where(session, State.cow_code == cow_code)
        if (state := _unique(found, text, field)) is not None:
            return state
    elif text.isalpha() and len(text) in (2, 3):
        code = text.upper()
        found = repository.states_where(
            session,
            (State.iso2 == code)
            if len(code) == 2
            else ((State.iso3 == code) | (State.cow_abbr == code)),
        )
        if (state := _unique(found, text, field)) is not None:
            return state
    folded = _fold(text)
    found = repository.states_where(session, func.lower(State.name) == text.lower())
    if (state := _unique(found, text, field)) is not None:
        return state
    names = repository.state_names(session)
    exact = [sid for sid, name, _, _ in names if _fold(name) == folded]
    if not exact:
        exact = [
            sid
            for sid, _, regex, _ in names
            if regex and (pattern := _pattern(regex)) is not None and pattern.search(folded)
        ]
    by_id = repository.states_by_ids(session, exact)
    if (state := _unique(sorted(by_id.values(), key=lambda s: s.id), text, field)) is not None:
        return state
    choices = {sid: name for sid, name, _, _ in names}
    close = process.extract(
        text, choices, scorer=fuzz.ratio, processor=utils.default_process, limit=5, score_cutoff=70
    )
    by_id = repository.states_by_ids(session, [c[2] for c in close])
    candidates = [_label(by_id[c[2]]) for c in close if c[2] in by_id]
    hint = f"; did you mean: {', '.join(candidates)}" if candidates else ""
    message = f"{field}: no state is named {query!r}{hint}"
    raise NotFound(message, field=field, value=query, candidates=candidates)
