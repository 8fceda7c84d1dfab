"""Naming a state: ISO3, ISO2, COW code, COW abbreviation or a common name; and an
organization: its key or any name it bears or bore.

``TUR``, ``TR``, ``640``, ``Turkey`` and ``Türkiye`` all name Turkey. A name
that fits several states, or none, fails with the closest candidates. Names
are matched by the countrycode project's regular expressions
(``country.name.en.regex`` in crosswalk/countrycode_codelist_without_cldr.csv).

``OIC``, ``Organisation of Islamic Cooperation`` and its former name ``Organization of
the Islamic Conference`` all name the OIC: case, accents, punctuation and the
-isation/-ization spelling do not matter.
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
from taawun.registry.models import Organization, State


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


def _fold_name(text: str) -> str:
    """An organization's name for comparison: "Co-operation" is "cooperation", "Organisation"
    is "organization", "Org.  of the" is "org of the"."""
    words = re.sub(r"\W+", " ", _fold(text).replace("-", "")).split()
    return " ".join(re.sub(r"isation$", "ization", w) for w in words)


def _names_of(org: Organization) -> set[str]:
    """Every name ``org`` answers to. COW IGO long names may list several, with ``/``, and
    add the abbreviation in brackets: "Central Treaty Organization (CENTO)/Middle East
    Treaty Organization"."""
    given = [org.name, org.long_name or "", *(n.name for n in org.names)]
    parts = [p for name in given for p in (name, *name.split("/"))]
    return {_fold_name(re.sub(r"\([^)]*\)", " ", p)) for p in parts} - {""}


def resolve_organization(
    session: Session, query: str, *, field: str = "organization"
) -> Organization:
    """An organization by its key (``OIC``, ``LOAS``) or by any name it bears or bore."""
    found = repository.organization_by_key(session, query)
    if found is not None:
        return found
    everyone = repository.organizations(session)
    wanted = _fold_name(query)
    named = [o for o in everyone if wanted in _names_of(o)]
    if len(named) > 1:
        labels = [f"{o.key} ({o.name})" for o in named]
        raise Ambiguous(
            f"{field}: {query!r} names several organizations: " + "; ".join(labels),
            field=field,
            value=query,
            candidates=labels,
        )
    if named:
        return named[0]
    keys = [o.key for o in everyone]
    raise NotFound(
        f"{field}: no organization is called {query!r}; known: {', '.join(keys)}",
        field=field,
        value=query,
        candidates=keys,
    )
