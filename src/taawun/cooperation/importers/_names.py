"""Country names in the historical record, resolved to the registry's states once each.

The exercise, deployment and transfer datasets name states in words ("Turkey", "UAE",
"Korea, South", "Soviet Union"), thousands of times over a few hundred distinct names. Each
distinct name is resolved once, by the registry's resolver (ISO and COW codes, the
countrycode project's name patterns); an importer adds the aliases its dataset needs for
names the resolver cannot place (a historical state, an organization), each with the
reason, and names that are not states at all (NATO, "unknown") as ``not_states``. What
stays unresolved is counted per name, for the import's report: never dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy.orm import Session

from taawun.core.errors import Ambiguous, NotFound
from taawun.core.principal import Principal
from taawun.registry import service as registry


class StateNames:
    """``resolve(name)`` gives a state id (or None, counted in ``unresolved`` or, for a
    listed non-state, in ``not_states``). ``aliases`` maps a dataset's name to a name or
    code the registry knows (``"Soviet Union": "365"``)."""

    def __init__(
        self,
        session: Session,
        *,
        aliases: Mapping[str, str] | None = None,
        not_states: frozenset[str] = frozenset(),
    ) -> None:
        self._session = session
        self._aliases = dict(aliases or {})
        self._not_states = not_states
        self._known: dict[str, int | None] = {}
        self.unresolved: Counter[str] = Counter()
        self.non_state: Counter[str] = Counter()
        self.ambiguous: dict[str, list[str]] = {}

    def resolve(self, name: str) -> int | None:
        text = " ".join(name.split())
        if not text:
            return None
        if text in self._not_states:
            self.non_state[text] += 1
            return None
        if text not in self._known:
            self._known[text] = self._lookup(text)
        found = self._known[text]
        if found is None:
            self.unresolved[text] += 1
        return found

    def _lookup(self, text: str) -> int | None:
        query = self._aliases.get(text, text)
        try:
            return registry.get_state(Principal.system_principal(), self._session, name=query).id
        except Ambiguous as exc:
            self.ambiguous[text] = list(exc.candidates)
            return None
        except NotFound:
            return None

    def notes(self, source: str) -> list[str]:
        """One line per name left unresolved (with its rows) or ambiguous, for the report."""
        out = [
            f"{source}: {n} row(s) name {name!r}, which is no state in the registry"
            for name, n in sorted(self.unresolved.items())
        ]
        out.extend(
            f"{source}: {name!r} names several states ({'; '.join(c)}); left unresolved"
            for name, c in sorted(self.ambiguous.items())
        )
        return out
